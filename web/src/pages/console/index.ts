export { badgeText } from './model';
export { renderConsolePage } from './page';
