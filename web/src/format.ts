/** Text formats the pages share. */

/** mm:ss, or h:mm:ss from an hour on: a position in a recording. */
export function formatClock(seconds: number | null | undefined): string {
  const s = seconds == null || !Number.isFinite(seconds) ? 0 : Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatPercent(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '–';
  return `${value.toFixed(digits)}%`;
}

/** Watch time for people: "45 s", "12 min", "3 h 05 min". */
export function formatWatchTime(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return '0 s';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** 24-hour time to the minute ("19:57"), in the viewer's time zone. */
export function formatTimeOfDay(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '–' : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

/**
 * Tells a class's recordings apart: "Week 2 lecture · part 2 · 19:57". An upload's own title, when it has one,
 * stands in for the class title.
 */
export function recordingLabel(rec: { title: string; startedAt: string; part: { number: number; of: number } | null; liveClass: { title: string } }): string {
  const name = rec.title.trim() || rec.liveClass.title;
  return [name, rec.part ? `part ${rec.part.number}` : null, formatTimeOfDay(rec.startedAt)].filter(Boolean).join(' · ');
}

/** "Starts in 10 min", "Starts in 3 h 05 min", then the date. */
export function formatStartsIn(iso: string, now = Date.now()): string {
  const minutes = Math.round((Date.parse(iso) - now) / 60_000);
  if (minutes <= 0) return 'Starting now';
  if (minutes < 60) return `Starts in ${minutes} min`;
  if (minutes < 24 * 60) return `Starts in ${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `Starts ${formatDateTime(iso)}`;
}

export const PROVIDER_LABELS: Readonly<Record<string, string>> = {
  native: 'In Aula', zoom: 'Zoom', livekit: 'LiveKit', cloudflare: 'Cloudflare', upload: 'Uploaded recording',
};

export { errorMessage } from '../../src/domain/error-text';
