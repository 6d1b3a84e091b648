import type { BatchWatchReport } from './reports';

/** CSV with one row per student and one column per recording; fields quoted as RFC 4180 asks. */
export function watchReportCsv(report: BatchWatchReport): string {
  const q = (v: string | number | null) => {
    const s = v === null ? '' : String(v);
    // A leading = + - @ would run as a formula in a spreadsheet.
    const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const header = ['student', 'email', 'external_id', ...uniqueHeaders(report.recordings.map((r) => `${recordingColumnName(r, report.recordings)} (% watched)`))];
  const lines = [header.map(q).join(',')];
  for (const s of report.students) lines.push([s.name, s.email, s.externalId, ...s.recordings.map((r) => r.watchedPercent)].map(q).join(','));
  return lines.join('\r\n') + '\r\n';
}

type ReportRecording = BatchWatchReport['recordings'][number];

/** "Week 2 lecture · part 2 · 2026-03-01 19:57 UTC": the class, the part when it has several, the start in UTC. */
export function recordingColumnName(r: ReportRecording, all: readonly ReportRecording[]): string {
  const siblings = all.filter((x) => x.liveClassId === r.liveClassId).sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
  const part = siblings.length > 1 ? ` · part ${siblings.indexOf(r) + 1}` : '';
  const name = r.title && r.title !== r.liveClassTitle ? `${r.liveClassTitle}: ${r.title}` : r.liveClassTitle;
  return `${name}${part} · ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC`;
}

/** Spreadsheets key columns by header: a repeated one gets " (2)", " (3)", … */
export function uniqueHeaders(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const count = (seen.get(n) ?? 0) + 1;
    seen.set(n, count);
    return count === 1 ? n : `${n} (${count})`;
  });
}
