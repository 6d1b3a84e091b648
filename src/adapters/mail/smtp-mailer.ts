import nodemailer from 'nodemailer';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per delivery, so a receiving server can tell a resend after a crash from a new mail. */
  messageId: string;
  headers: Record<string, string>;
  attachments: { cid: string; filename: string; content: Buffer; contentType: string }[];
}

/** A refusal in the 5xx range is permanent (the address does not exist, the mailbox is closed); anything else is worth retrying. */
export type MailResult = { ok: true } | { ok: false; permanent: boolean; message: string };

export interface Mailer {
  send(mail: OutgoingMail): Promise<MailResult>;
  close(): void;
}

interface SmtpError extends Error {
  responseCode?: number;
  response?: string;
  rejectedErrors?: SmtpError[];
}

/** nodemailer over SMTP, pooled: a batch of mails reuses a few connections instead of one per mail. */
export function createSmtpMailer(opts: { smtpUrl: string; from: string }): Mailer {
  const url = new URL(opts.smtpUrl);
  const transport = nodemailer.createTransport({
    host: url.hostname, port: Number(url.port) || (url.protocol === 'smtps:' ? 465 : 587), secure: url.protocol === 'smtps:',
    ...(url.username && { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
    pool: true, maxConnections: 4, maxMessages: 1000, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({
          from: opts.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId, headers: mail.headers,
          attachments: mail.attachments.map((a) => ({ cid: a.cid, filename: a.filename, content: a.content, contentType: a.contentType })),
        });
        if (info.rejected.length > 0) return { ok: false, permanent: true, message: `refused: ${String(info.response ?? '')}`.slice(0, 500) };
        return { ok: true };
      } catch (err) {
        const e = err as SmtpError;
        const code = e.responseCode ?? e.rejectedErrors?.[0]?.responseCode;
        return { ok: false, permanent: code !== undefined && code >= 500 && code < 600, message: (e.response ?? e.rejectedErrors?.[0]?.response ?? e.message).slice(0, 500) };
      }
    },
    close: () => transport.close(),
  };
}
