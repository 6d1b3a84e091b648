import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { Webhook } from 'standardwebhooks';
import { judgeAttempt, newWebhookSecret, parseRetryAfter, RETRY_SCHEDULE_MS, signWebhook, webhookHeaders } from '../src/domain/notifications/standard-webhooks';
import { isPrivateAddress } from '../src/domain/notifications/private-address';
import { signUnsubscribeToken, verifyUnsubscribeToken } from '../src/domain/notifications/unsubscribe-token';

describe('Standard Webhooks signing', () => {
  it('matches the specification test vector', () => {
    expect(signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('headers signed by two secrets verify with either, using the standardwebhooks package', () => {
    const a = newWebhookSecret();
    const b = newWebhookSecret();
    const body = JSON.stringify({ type: 'recording.ready', timestamp: new Date().toISOString(), data: { recordingId: 'r1' } });
    const headers = webhookHeaders([a, b], 'msg_1', Math.floor(Date.now() / 1000), body);
    expect(String(headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(new Webhook(a).verify(body, headers)).toMatchObject({ type: 'recording.ready' });
    expect(new Webhook(b).verify(body, headers)).toMatchObject({ type: 'recording.ready' });
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });
});

describe('delivery verdicts', () => {
  it('follows the retry schedule, disables on 410, delivers on any 2xx and gives up after the last retry', () => {
    expect(RETRY_SCHEDULE_MS.map((ms) => ms / 1000)).toEqual([5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    expect(judgeAttempt(1, 204, null)).toEqual({ kind: 'delivered' });
    expect(judgeAttempt(1, 410, null)).toEqual({ kind: 'disable-endpoint' });
    expect(judgeAttempt(1, 500, null)).toEqual({ kind: 'retry', delayMs: 5000, throttle: false });
    expect(judgeAttempt(2, null, null)).toEqual({ kind: 'retry', delayMs: 300_000, throttle: false });
    expect(judgeAttempt(1, 429, 60_000)).toEqual({ kind: 'retry', delayMs: 60_000, throttle: true });
    expect(judgeAttempt(3, 503, 60_000)).toEqual({ kind: 'retry', delayMs: 1_800_000, throttle: false });
    expect(judgeAttempt(10, 500, null)).toEqual({ kind: 'give-up' });
  });

  it('reads Retry-After as seconds or an HTTP date, capped at a day', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('999999', now)).toBe(86_400_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});

describe('address and link checks', () => {
  it('treats loopback, private, link-local and mapped addresses as private', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1']) expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('an unsubscribe token names its user and cannot be altered to name another', () => {
    const key = Buffer.alloc(32, 7);
    const token = signUnsubscribeToken('user-1', key);
    expect(verifyUnsubscribeToken(token, key)).toBe('user-1');
    expect(verifyUnsubscribeToken(token.replace('user-1', 'user-2'), key)).toBeNull();
    expect(verifyUnsubscribeToken(token, Buffer.alloc(32, 8))).toBeNull();
  });
});

describe('mail settings', () => {
  it('SMTP_URL and AULA_MAIL_FROM come together, and a malformed SMTP_URL stops the start with one line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aula-config-'));
    try {
      expect(() => loadConfig({ AULA_DATA_DIR: dir, SMTP_URL: 'smtp://127.0.0.1:25' })).toThrow(/Invalid AULA_MAIL_FROM: required when SMTP_URL is set/);
      expect(() => loadConfig({ AULA_DATA_DIR: dir, AULA_MAIL_FROM: 'a@b.c' })).toThrow(/Invalid SMTP_URL/);
      expect(() => loadConfig({ AULA_DATA_DIR: dir, SMTP_URL: 'mail.example.org', AULA_MAIL_FROM: 'a@b.c' })).toThrow(/Invalid SMTP_URL: must start with smtp:\/\//);
      expect(loadConfig({ AULA_DATA_DIR: dir, SMTP_URL: 'smtp://127.0.0.1:25', AULA_MAIL_FROM: 'a@b.c' }).mail).toEqual({ smtpUrl: 'smtp://127.0.0.1:25', from: 'a@b.c' });
      expect(loadConfig({ AULA_DATA_DIR: dir }).mail).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
