import type { Me } from './api';

/** Pages beyond the course list; each renders into the main element. */
export interface PageRoute {
  pattern: RegExp;
  render(target: HTMLElement, me: Me, match: RegExpExecArray): Promise<void> | void;
}

export const routes: PageRoute[] = [];
