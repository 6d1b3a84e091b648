export { renderLessonPage } from './page';
