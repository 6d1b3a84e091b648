import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { waitFor } from '../wait';

export interface ReceivedMail {
  to: string;
  parsed: ParsedMail;
}

/**
 * A real SMTP server on 127.0.0.1. `answer` decides each message: accept, refuse (a 5xx or 4xx code), or hold it
 * unanswered (a crash test kills the sender meanwhile). Only accepted messages are in `accepted`.
 */
export async function startSmtpServer(answer: (to: string) => 'accept' | 'hold' | { code: number; message: string } = () => 'accept') {
  const accepted: ReceivedMail[] = [];
  const held: string[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], disableReverseLookup: true, logger: false, size: 20 * 1024 * 1024,
    onData(stream, session, callback) {
      const to = session.envelope.rcptTo.map((r) => r.address).join(',');
      simpleParser(stream).then((parsed) => {
        const decision = answer(to);
        if (decision === 'hold') return void held.push(to);
        if (decision === 'accept') {
          accepted.push({ to, parsed });
          return callback();
        }
        const err = Object.assign(new Error(decision.message), { responseCode: decision.code });
        callback(err);
      }, (err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    held,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
  answeredStatus: number;
}

/**
 * An LMS's webhook receiver that verifies every delivery with the `standardwebhooks` package; a delivery that does not
 * verify is answered 401 and recorded in `rejected`. `respond` picks the status of each verified delivery.
 */
/** `secret` gets the request's path and query, for a receiver serving several endpoints. */
export async function startWebhookReceiver(secret: (requestUrl: string) => string, respond: (n: number, hook: Omit<ReceivedWebhook, 'answeredStatus'>) => number | { status: number; headers?: Record<string, string> } | 'hold' = () => 200) {
  const received: ReceivedWebhook[] = [];
  const rejected: string[] = [];
  let count = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
      let payload: ReceivedWebhook['payload'];
      try {
        payload = new Webhook(secret(req.url ?? '')).verify(body, headers) as ReceivedWebhook['payload'];
      } catch (err) {
        rejected.push(`${headers['webhook-id']}: ${(err as Error).message}`);
        res.writeHead(401).end();
        return;
      }
      const hook = { id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'], body, payload };
      const answer = respond(++count, hook);
      if (answer === 'hold') return; // never answered: the sender times out or is killed
      const { status, headers: extra } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
      received.push({ ...hook, answeredStatus: status });
      res.writeHead(status, extra).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/aula-hooks`,
    /** Verified deliveries taken in, answered or not. */
    get requests() {
      return count;
    },
    received,
    rejected,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** `waitFor` with the condition first, as the notification tests read. */
export function waitUntil<T>(fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  return waitFor(what, fn, timeoutMs);
}
