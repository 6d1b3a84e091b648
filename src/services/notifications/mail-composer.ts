import type { RecordingContext } from '../../adapters/db/notification-repository';

export interface ComposedMail {
  subject: string;
  text: string;
  html: string;
}

export interface MailLinks {
  /** Opens the player on this recording (after sign-in). */
  recordingUrl: string;
  unsubscribeUrl: string;
  /** The poster as an inline image, when the recording has one. */
  posterCid: string | null;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function duration(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds)) return null;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
}

function where(r: RecordingContext): string {
  return [r.courseTitle, r.lessonTitle].filter(Boolean).join(' › ') || r.batchName;
}

function layout(school: string, heading: string, paragraphs: string[], button: { label: string; url: string }, poster: string | null, footer: string, unsubscribeUrl: string): string {
  return `<!doctype html><html><body style="margin:0;background:#f4f5f7;font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#1c1e21">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#fff;border-radius:8px;padding:24px">
<tr><td style="font-size:14px;color:#606770">${escapeHtml(school)}</td></tr>
<tr><td><h1 style="font-size:20px;margin:12px 0">${escapeHtml(heading)}</h1></td></tr>
${poster ? `<tr><td><img src="cid:${poster}" alt="" width="512" style="max-width:100%;border-radius:6px"></td></tr>` : ''}
${paragraphs.map((p) => `<tr><td><p style="font-size:15px;line-height:1.5">${p}</p></td></tr>`).join('\n')}
<tr><td style="padding:12px 0"><a href="${escapeHtml(button.url)}" style="background:#1b5fd1;color:#fff;text-decoration:none;padding:10px 18px;border-radius:6px;display:inline-block">${escapeHtml(button.label)}</a></td></tr>
<tr><td style="font-size:12px;color:#606770;padding-top:16px">${escapeHtml(footer)} <a href="${escapeHtml(unsubscribeUrl)}" style="color:#606770">Unsubscribe</a></td></tr>
</table></td></tr></table></body></html>`;
}

/** A recording became playable: the instructor and every enrolled student hear about it. */
export function recordingReadyMail(school: string, recipientName: string, r: RecordingContext, links: MailLinks): ComposedMail {
  const length = duration(r.durationSeconds);
  const details = [`Class: ${r.liveClassTitle}`, `Lesson: ${where(r)}`, ...(length ? [`Length: ${length}`] : [])];
  const footer = `You get this mail because you are in ${r.batchName} at ${school}.`;
  const text = [
    `Hello ${recipientName},`, '', `The recording "${r.title}" is ready to watch.`, '', ...details, '', `Watch it: ${links.recordingUrl}`, '', '--', footer,
    `Stop these mails: ${links.unsubscribeUrl}`,
  ].join('\n');
  const html = layout(school, `“${r.title}” is ready to watch`, [
    `Hello ${escapeHtml(recipientName)},`, `The recording <strong>${escapeHtml(r.title)}</strong> is ready.`, details.map(escapeHtml).join('<br>'),
  ], { label: 'Watch the recording', url: links.recordingUrl }, links.posterCid, footer, links.unsubscribeUrl);
  return { subject: `${school}: "${r.title}" is ready to watch`, text, html };
}

/** A recording failed: the instructor and admins get the reason and a way to retry. */
export function recordingFailedMail(school: string, recipientName: string, r: RecordingContext, reason: string | null, links: MailLinks): ComposedMail {
  const why = reason ?? r.processingError ?? 'no reason was given';
  const footer = `You get this mail because you teach ${r.batchName} or administer ${school}.`;
  const text = [
    `Hello ${recipientName},`, '', `The recording "${r.title}" of ${r.liveClassTitle} (${where(r)}) could not be processed.`, '', `Reason: ${why}`, '',
    `Open it to retry (admins): ${links.recordingUrl}`, '', '--', footer, `Stop these mails: ${links.unsubscribeUrl}`,
  ].join('\n');
  const html = layout(school, `Recording “${r.title}” failed`, [
    `Hello ${escapeHtml(recipientName)},`, `The recording of <strong>${escapeHtml(r.liveClassTitle)}</strong> (${escapeHtml(where(r))}) could not be processed.`,
    `Reason: ${escapeHtml(why)}`,
  ], { label: 'Open and retry', url: links.recordingUrl }, null, footer, links.unsubscribeUrl);
  return { subject: `${school}: recording "${r.title}" failed`, text, html };
}
