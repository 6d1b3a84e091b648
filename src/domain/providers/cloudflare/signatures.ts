import { createHmac, createPublicKey, createSign, createVerify, timingSafeEqual } from 'node:crypto';

/** Cloudflare signs Stream webhooks with a timestamp; older (or later) than this and a delivery is refused. */
export const STREAM_WEBHOOK_WINDOW_SECONDS = 300;

/** Which of Cloudflare's three webhook kinds a delivery is, told apart by the headers each one carries. */
export type CloudflareWebhookKind = 'stream' | 'notification' | 'realtimekit';

export function webhookKindOf(headers: Readonly<Record<string, string | undefined>>): CloudflareWebhookKind | null {
  if (headers['webhook-signature']) return 'stream';
  if (headers['rtk-signature']) return 'realtimekit';
  if (headers['cf-webhook-auth']) return 'notification';
  return null;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing_signature' | 'bad_signature' | 'stale' };

const equalText = (a: string, b: string) => {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
};

/** `Webhook-Signature: time=<unix s>,sig1=<hex HMAC-SHA256(secret, "{time}.{raw body}")>`. */
export function signStreamWebhook(secret: string, rawBody: Buffer | string, timeSeconds: number): string {
  const sig = createHmac('sha256', secret).update(`${timeSeconds}.`).update(rawBody).digest('hex');
  return `time=${timeSeconds},sig1=${sig}`;
}

export function verifyStreamWebhook(input: { secret: string; header: string | undefined; rawBody: Buffer; nowMs: number }): SignatureCheck {
  const parts = new Map((input.header ?? '').split(',').map((p) => p.trim().split('=', 2) as [string, string | undefined]));
  const time = parts.get('time');
  const sig = parts.get('sig1');
  if (!time || !/^\d{1,12}$/.test(time) || !sig || !/^[0-9a-f]{64}$/i.test(sig)) return { ok: false, reason: 'missing_signature' };
  const expected = signStreamWebhook(input.secret, input.rawBody, Number(time)).split('sig1=')[1]!;
  if (!equalText(expected, sig.toLowerCase())) return { ok: false, reason: 'bad_signature' };
  if (Math.abs(input.nowMs / 1000 - Number(time)) > STREAM_WEBHOOK_WINDOW_SECONDS) return { ok: false, reason: 'stale' };
  return { ok: true };
}

/** Live input notifications carry the destination's secret as it is, in `cf-webhook-auth`. */
export function verifyNotificationSecret(secret: string, header: string | undefined): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing_signature' };
  return equalText(secret, header) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

/** RealtimeKit: `rtk-signature` is base64 RSASSA-PKCS1-v1_5 SHA-256 over the raw body, checked with the published key. */
export function verifyRealtimeKitWebhook(input: { publicKeyPem: string; signature: string | undefined; rawBody: Buffer }): SignatureCheck {
  if (!input.signature || !/^[A-Za-z0-9+/=_-]{16,2048}$/.test(input.signature)) return { ok: false, reason: 'missing_signature' };
  try {
    const ok = createVerify('RSA-SHA256').update(input.rawBody).verify(createPublicKey(input.publicKeyPem), Buffer.from(input.signature, 'base64'));
    return ok ? { ok: true } : { ok: false, reason: 'bad_signature' };
  } catch {
    return { ok: false, reason: 'bad_signature' };
  }
}

/** A PEM public key, checked to be one node can use. */
export function isUsablePublicKey(pem: string): boolean {
  try {
    return createPublicKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

/**
 * A Stream signed playback token: an RS256 JWT `{sub: video uid, kid, exp}` signed with a key Cloudflare made for the
 * account (`POST /stream/keys`, whose `pem` is base64 of the PEM). The token takes the video uid's place in the URL.
 */
export function signStreamPlaybackToken(input: { keyId: string; pemBase64: string; videoUid: string; expiresAtUnix: number }): string {
  const b64url = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const head = `${b64url({ alg: 'RS256', kid: input.keyId })}.${b64url({ sub: input.videoUid, kid: input.keyId, exp: input.expiresAtUnix })}`;
  const pem = Buffer.from(input.pemBase64, 'base64').toString('utf8');
  return `${head}.${createSign('RSA-SHA256').update(head).sign(pem).toString('base64url')}`;
}

/** A Stream playback URL (`https://customer-….cloudflarestream.com/{uid}/manifest/video.m3u8`) with the token in the uid's place. */
export function signedPlaybackUrl(hlsUrl: string, videoUid: string, token: string): string | null {
  const url = new URL(hlsUrl);
  const parts = url.pathname.split('/');
  const at = parts.indexOf(videoUid);
  if (at < 0) return null;
  parts[at] = token;
  url.pathname = parts.join('/');
  return url.toString();
}
