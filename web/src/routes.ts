import type { Me } from './api';

/** Pages beyond the course list; each renders into the main element. */
export interface PageRoute {
  pattern: RegExp;
  render(target: HTMLElement, me: Me, match: RegExpExecArray): Promise<void> | void;
}

const param = (match: RegExpExecArray, i = 1) => decodeURIComponent(match[i] ?? '');

// Pages load on demand, so the course list never downloads the video player.
export const routes: PageRoute[] = [
  { pattern: /^\/lessons\/([^/]+)\/?$/, render: async (t, me, m) => (await import('./pages/lesson')).renderLessonPage(t, me, param(m)) },
  { pattern: /^\/console\/?$/, render: async (t, me) => (await import('./pages/console')).renderConsolePage(t, me) },
  { pattern: /^\/recordings\/([^/]+)\/analytics\/?$/, render: async (t, me, m) => (await import('./pages/analytics')).renderAnalyticsPage(t, me, param(m)) },
  { pattern: /^\/recordings\/([^/]+)\/?$/, render: async (t, me, m) => (await import('./pages/recording')).renderRecordingPage(t, me, param(m)) },
  { pattern: /^\/live\/([^/]+)\/?$/, render: async (t, me, m) => (await import('./pages/live-entry')).renderLiveEntry(t, me, param(m)) },
  { pattern: /^\/batches\/([^/]+)\/report\/?$/, render: async (t, me, m) => (await import('./pages/analytics')).renderBatchReportPage(t, me, param(m)) },
  { pattern: /^\/live-classes\/([^/]+)\/attendance\/?$/, render: async (t, me, m) => (await import('./pages/attendance')).renderAttendancePage(t, me, param(m)) },
  { pattern: /^\/search\/?$/, render: async (t, me) => (await import('./pages/search')).renderSearchPage(t, me) },
];
