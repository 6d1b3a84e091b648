import { createHmac, createVerify, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { downloadUrlLapsed, fileSizeOf, parseCloudflareWebhook, videoOutcome, StreamVideo } from '../src/domain/providers/cloudflare/events';
import { signedPlaybackUrl, signStreamPlaybackToken, verifyNotificationSecret, verifyRealtimeKitWebhook, verifyStreamWebhook, webhookKindOf } from '../src/domain/providers/cloudflare/signatures';

const body = Buffer.from('{"uid":"abc","status":{"state":"ready"}}');
const header = (secret: string, time: number) => `time=${time},sig1=${createHmac('sha256', secret).update(`${time}.${body.toString()}`).digest('hex')}`;

describe('Cloudflare webhook signatures', () => {
  it('accepts a Stream signature over "{time}.{raw body}" within 5 minutes, and refuses a wrong, stale or malformed one', () => {
    const now = Date.now();
    const t = Math.floor(now / 1000);
    expect(verifyStreamWebhook({ secret: 's3cret', header: header('s3cret', t), rawBody: body, nowMs: now })).toEqual({ ok: true });
    expect(verifyStreamWebhook({ secret: 's3cret', header: header('other', t), rawBody: body, nowMs: now })).toMatchObject({ reason: 'bad_signature' });
    expect(verifyStreamWebhook({ secret: 's3cret', header: header('s3cret', t - 301), rawBody: body, nowMs: now })).toMatchObject({ reason: 'stale' });
    expect(verifyStreamWebhook({ secret: 's3cret', header: 'sig1=abc', rawBody: body, nowMs: now })).toMatchObject({ reason: 'missing_signature' });
  });

  it('tells the three kinds apart by their headers, and checks the plain notification secret and the RealtimeKit RSA signature', () => {
    expect(webhookKindOf({ 'webhook-signature': 'x' })).toBe('stream');
    expect(webhookKindOf({ 'cf-webhook-auth': 'x' })).toBe('notification');
    expect(webhookKindOf({ 'rtk-signature': 'x', 'rtk-uuid': 'y' })).toBe('realtimekit');
    expect(webhookKindOf({})).toBeNull();
    expect(verifyNotificationSecret('abc', 'abc')).toEqual({ ok: true });
    expect(verifyNotificationSecret('abc', 'abd')).toMatchObject({ reason: 'bad_signature' });
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const sig = sign('RSA-SHA256', body, pair.privateKey).toString('base64');
    expect(verifyRealtimeKitWebhook({ publicKeyPem: pem, signature: sig, rawBody: body })).toEqual({ ok: true });
    expect(verifyRealtimeKitWebhook({ publicKeyPem: pem, signature: sig, rawBody: Buffer.from(`${body.toString()} `) })).toMatchObject({ reason: 'bad_signature' });
  });

  it('signs an RS256 playback token with sub, kid and exp that the key pair verifies, in place of the uid', () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pemBase64 = Buffer.from(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()).toString('base64');
    const token = signStreamPlaybackToken({ keyId: 'k1', pemBase64, videoUid: 'ea95132c15732412d22c1476fa83f27a', expiresAtUnix: 2_000_000_000 });
    const [h, p, s] = token.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'RS256', kid: 'k1' });
    expect(JSON.parse(Buffer.from(p!, 'base64url').toString())).toEqual({ sub: 'ea95132c15732412d22c1476fa83f27a', kid: 'k1', exp: 2_000_000_000 });
    expect(createVerify('RSA-SHA256').update(`${h}.${p}`).verify(pair.publicKey, Buffer.from(s!, 'base64url'))).toBe(true);
    expect(signedPlaybackUrl('https://customer-x.cloudflarestream.com/ea95132c15732412d22c1476fa83f27a/manifest/video.m3u8', 'ea95132c15732412d22c1476fa83f27a', token))
      .toBe(`https://customer-x.cloudflarestream.com/${token}/manifest/video.m3u8`);
  });
});

describe('Cloudflare webhook bodies', () => {
  it('reads errorReasonCode/Text and errReasonCode/Text alike, and ignores videos still processing', () => {
    const failed = StreamVideo.parse({ uid: 'abc', status: { state: 'error', errReasonCode: 'ERR_NON_VIDEO', errReasonText: 'not a video' } });
    expect(videoOutcome(failed)).toEqual({ kind: 'failed', reason: expect.stringContaining('ERR_NON_VIDEO: not a video') });
    const failed2 = StreamVideo.parse({ uid: 'abc', status: { state: 'error', errorReasonCode: 'ERR_DURATION_TOO_SHORT', errorReasonText: 'short' } });
    expect(videoOutcome(failed2)).toEqual({ kind: 'failed', reason: expect.stringContaining('ERR_DURATION_TOO_SHORT: short') });
    expect(parseCloudflareWebhook('stream', { uid: 'abc', status: { state: 'inprogress' } })).toMatchObject({ kind: 'ignored' });
    expect(parseCloudflareWebhook('stream', { uid: 'abc', readyToStream: true, status: { state: 'ready' } })).toMatchObject({ kind: 'event', deliveryId: 'stream:abc:ready' });
    expect(parseCloudflareWebhook('stream', { nope: 1 })).toMatchObject({ kind: 'invalid' });
  });

  it('dedupes RealtimeKit by rtk-uuid, requires it, and takes fileSize as a string', () => {
    const update = { event: 'recording.statusUpdate', recording: { id: 'r1', status: 'UPLOADED', meetingId: 'm1', fileSize: '12345', downloadUrl: 'https://x', downloadUrlExpiry: '2030-01-01T00:00:00.000Z' } };
    expect(parseCloudflareWebhook('realtimekit', update, 'u-1')).toMatchObject({ kind: 'event', deliveryId: 'rtk:u-1', eventType: 'recording.UPLOADED' });
    expect(parseCloudflareWebhook('realtimekit', update)).toMatchObject({ kind: 'invalid' });
    expect(parseCloudflareWebhook('realtimekit', { event: 'meeting.started' }, 'u-2')).toMatchObject({ kind: 'ignored' });
    expect(fileSizeOf('12345')).toBe(12345);
    expect(fileSizeOf('x')).toBeNull();
    expect(downloadUrlLapsed('2000-01-01T00:00:00Z', Date.now())).toBe(true);
    expect(downloadUrlLapsed(new Date(Date.now() + 3_600_000).toISOString(), Date.now())).toBe(false);
  });

  it('uses only the live input events it acts on', () => {
    const n = (event_type: string) => ({ data: { input_id: 'i1', event_type, updated_at: '2026-01-01T00:00:00Z' } });
    expect(parseCloudflareWebhook('notification', n('live_input.connected'))).toMatchObject({ kind: 'event', deliveryId: 'notification:i1:live_input.connected:2026-01-01T00:00:00Z' });
    expect(parseCloudflareWebhook('notification', n('something.else'))).toMatchObject({ kind: 'ignored' });
  });
});
