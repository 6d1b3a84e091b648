import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  AccessToken, EgressClient, EgressStatus, EncodedFileOutput, EncodedFileType, RoomServiceClient, S3Upload, SegmentedFileOutput,
  SegmentedFileProtocol, TwirpError, WebhookReceiver, type WebhookEvent,
} from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveKitEmulator } from './support/emulators/livekit-emulator';

const run = promisify(execFile);
const API_KEY = 'APIaulaEmulator';
const API_SECRET = 'emulator-secret-that-is-long-enough-0123456789';
const BUCKET = 'egress-out';

interface S3rverServer {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: { address: string; port: number; silent: boolean; directory: string; configureBuckets: Array<{ name: string }> }) => S3rverServer;
const S3rver = createRequire(import.meta.url)('@20minutes/s3rver') as S3rverConstructor;

/** Aula's side of the wire, reduced to what LiveKit sees: a webhook endpoint that keeps what it was sent. */
interface Received {
  body: string;
  authorization: string | undefined;
  contentType: string | undefined;
}

let root: string;
let outDir: string;
let emulator: LiveKitEmulator;
let egress: EgressClient;
let rooms: RoomServiceClient;
let s3server: S3rverServer;
let s3endpoint: string;
let hookServer: http.Server;
const received: Received[] = [];
const receiver = new WebhookReceiver(API_KEY, API_SECRET);

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'aula-livekit-'));
  outDir = path.join(root, 'shared');
  s3server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(root, 's3'), configureBuckets: [{ name: BUCKET }] });
  s3endpoint = `http://127.0.0.1:${(await s3server.run()).port}`;
  hookServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), authorization: req.headers.authorization, contentType: req.headers['content-type'] });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  emulator = await new LiveKitEmulator({ apiKey: API_KEY, apiSecret: API_SECRET, localOutputDir: outDir }).start();
  emulator.setWebhookUrl(`http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/webhooks/livekit`);
  egress = new EgressClient(emulator.url, API_KEY, API_SECRET);
  rooms = new RoomServiceClient(emulator.url, API_KEY, API_SECRET);
});

afterAll(async () => {
  await emulator?.close();
  await emulator?.close();
  await new Promise<void>((resolve) => hookServer?.close(() => resolve()));
  await s3server?.close();
  await rm(root, { recursive: true, force: true });
});

async function probe(target: string): Promise<{ duration: number; codecs: string[] }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', target]);
  const json = JSON.parse(stdout) as { format: { duration: string }; streams: { codec_name: string }[] };
  return { duration: Number(json.format.duration), codecs: json.streams.map((s) => s.codec_name).sort() };
}

async function frameHash(file: string, atSeconds: number): Promise<string> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-ss', String(atSeconds), '-i', file, '-frames:v', '1', '-f', 'md5', '-']);
  return stdout.trim();
}

/** Every webhook delivered so far, verified by the SDK's own receiver (which throws on any bad one). */
async function verifiedEvents(): Promise<WebhookEvent[]> {
  await emulator.idle();
  return Promise.all(received.map((r) => receiver.receive(r.body, r.authorization)));
}

function lastRequestBody(rpc: string): Record<string, unknown> {
  const found = emulator.requests.filter((r) => r.rpc === rpc).at(-1);
  if (!found) throw new Error(`no ${rpc} request`);
  return JSON.parse(found.body) as Record<string, unknown>;
}

describe('LiveKit emulator, driven by the official livekit-server-sdk', () => {
  it('records a room into the shared directory: MP4 and HLS of real H.264/AAC media as long as requested, reported by ListEgress and webhooks', async () => {
    await rooms.createRoom({ name: 'algebra-1' });
    emulator.queueEgressBehaviour({ mediaSeconds: 9 });
    const started = await egress.startRoomCompositeEgress('algebra-1', {
      file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'recordings/{room_name}/class-{utc}.mp4' }),
      segments: new SegmentedFileOutput({ protocol: SegmentedFileProtocol.HLS_PROTOCOL, filenamePrefix: 'recordings/{room_name}/{room_id}/seg', playlistName: 'index.m3u8', livePlaylistName: 'live.m3u8', segmentDuration: 4 }),
    });
    expect(started.egressId).toMatch(/^EG_[0-9A-Za-z]{12}$/);
    expect(started.status).toBe(EgressStatus.EGRESS_STARTING);
    expect(started.roomName).toBe('algebra-1');
    const sent = lastRequestBody('Egress/StartRoomCompositeEgress');
    expect(sent).toMatchObject({ roomName: 'algebra-1', fileOutputs: [{ fileType: 'MP4' }], segmentOutputs: [{ protocol: 'HLS_PROTOCOL', segmentDuration: 4 }] });
    expect(sent).not.toHaveProperty('preset');

    await emulator.waitForEgressStatus(started.egressId, 'EGRESS_ACTIVE');
    const [active] = await egress.listEgress({ roomName: 'algebra-1', active: true });
    expect(active?.status).toBe(EgressStatus.EGRESS_ACTIVE);
    expect(typeof active?.startedAt).toBe('bigint');

    const stopping = await egress.stopEgress(started.egressId);
    expect(stopping.status).toBe(EgressStatus.EGRESS_ENDING);
    await emulator.waitForEgressStatus(started.egressId, 'EGRESS_COMPLETE');
    const [done] = await egress.listEgress({ egressId: started.egressId });
    expect(done?.status).toBe(EgressStatus.EGRESS_COMPLETE);
    expect(done?.details).toBe('End reason: StopEgress API');
    const file = done!.fileResults[0]!;
    const segments = done!.segmentResults[0]!;
    expect(file.filename).toMatch(/^recordings\/algebra-1\/class-\d{14}\.mp4$/);
    expect(Number(file.duration) / 1e9).toBeCloseTo(9, 0);
    expect(file.size).toBeGreaterThan(10_000n);
    expect(segments.segmentCount).toBe(3n);
    expect(segments.playlistName).toBe(`recordings/algebra-1/${done!.roomId}/index.m3u8`);
    expect(segments.livePlaylistName).toBe(`recordings/algebra-1/${done!.roomId}/live.m3u8`);

    const mp4 = path.join(outDir, file.filename);
    const mp4Probe = await probe(mp4);
    expect(mp4Probe.codecs).toEqual(['aac', 'h264']);
    expect(Math.abs(mp4Probe.duration - 9)).toBeLessThan(1);
    const bytes = await readFile(mp4);
    expect(bytes.indexOf('moov')).toBeLessThan(bytes.indexOf('mdat')); // faststart
    expect(await frameHash(mp4, 1)).not.toBe(await frameHash(mp4, 7)); // the picture moves

    const playlist = path.join(outDir, segments.playlistName);
    const hlsProbe = await probe(playlist);
    expect(hlsProbe.codecs).toEqual(['aac', 'h264']);
    expect(Math.abs(hlsProbe.duration - 9)).toBeLessThan(1);
    const dir = await readdir(path.dirname(playlist));
    expect(dir.sort()).toEqual(['index.m3u8', 'live.m3u8', 'seg_00000.ts', 'seg_00001.ts', 'seg_00002.ts']);
    expect(await readFile(playlist, 'utf8')).toContain('#EXT-X-ENDLIST');

    const events = (await verifiedEvents()).filter((e) => e.egressInfo?.egressId === started.egressId);
    expect(events.map((e) => [e.event, EgressStatus[e.egressInfo!.status]])).toEqual([
      ['egress_started', 'EGRESS_STARTING'], ['egress_updated', 'EGRESS_ACTIVE'], ['egress_updated', 'EGRESS_ENDING'], ['egress_ended', 'EGRESS_COMPLETE'],
    ]);
    const raw = received.map((r) => JSON.parse(r.body) as { event: string; id: string; createdAt: string; egressInfo?: { egressId: string; status?: string; segmentResults?: Record<string, string>[] } });
    const mine = raw.filter((r) => r.egressInfo?.egressId === started.egressId);
    expect(mine[0]!.egressInfo).not.toHaveProperty('status');
    expect(mine[0]!.id).toMatch(/^EV_/);
    expect(mine[0]!.createdAt).toMatch(/^\d{10}$/);
    expect(mine[3]!.egressInfo!.segmentResults![0]).toMatchObject({ playlistName: segments.playlistName, segmentCount: '3', playlistLocation: segments.playlistName });
    expect(received.every((r) => r.contentType === 'application/webhook+json' && !r.authorization?.startsWith('Bearer'))).toBe(true);
    const recorder = (await verifiedEvents()).find((e) => e.event === 'participant_joined' && e.participant?.identity === started.egressId);
    expect(recorder?.participant?.kind).toBe(2); // EGRESS
  });

  it('uploads to an S3 bucket: the legacy `file` beside `fileOutputs` makes one MP4, credentials are redacted, locations are https', async () => {
    emulator.createRoom('physics');
    emulator.setMediaSecondsOverride(3);
    const s3 = new S3Upload({ accessKey: 'S3RVER', secret: 'S3RVER', endpoint: s3endpoint, bucket: BUCKET, region: 'us-east-1', forcePathStyle: true });
    const fileEgress = await egress.startRoomCompositeEgress('physics', new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'rec/{room_name}.mp4', output: { case: 's3', value: s3 } }));
    const sent = lastRequestBody('Egress/StartRoomCompositeEgress');
    expect(sent).toHaveProperty('file');
    expect(sent).toHaveProperty('fileOutputs');
    const segmentEgress = await egress.startRoomCompositeEgress('physics', new SegmentedFileOutput({ filenamePrefix: 'rec/physics/part', playlistName: 'rec/physics/index.m3u8', output: { case: 's3', value: s3 } }));
    const echoed = fileEgress.request.case === 'roomComposite' ? fileEgress.request.value.fileOutputs[0]?.output : undefined;
    expect(echoed?.case === 's3' && echoed.value.secret).toBe('{secret}');

    await Promise.all([fileEgress, segmentEgress].map((e) => emulator.waitForEgressStatus(e.egressId, 'EGRESS_ACTIVE')));
    await Promise.all([fileEgress, segmentEgress].map((e) => egress.stopEgress(e.egressId)));
    await Promise.all([fileEgress, segmentEgress].map((e) => emulator.waitForEgressStatus(e.egressId, 'EGRESS_COMPLETE')));
    emulator.setMediaSecondsOverride(undefined);
    const [fileDone] = await egress.listEgress({ egressId: fileEgress.egressId });
    const [segDone] = await egress.listEgress({ egressId: segmentEgress.egressId });
    expect(fileDone!.fileResults).toHaveLength(1);
    const host = s3endpoint.replace('http://', '');
    expect(fileDone!.fileResults[0]!.location).toBe(`https://${host}/${BUCKET}/rec/physics.mp4`);
    expect(segDone!.segmentResults[0]!.playlistLocation).toBe(`https://${host}/${BUCKET}/rec/physics/index.m3u8`);

    const client = new S3Client({ endpoint: s3endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    const download = async (key: string, to: string) => {
      const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      await writeFile(path.join(root, to), await object.Body!.transformToByteArray());
      return object.ContentType;
    };
    expect(await download('rec/physics.mp4', 'physics.mp4')).toBe('video/mp4');
    const mp4 = await probe(path.join(root, 'physics.mp4'));
    expect(mp4.codecs).toEqual(['aac', 'h264']);
    expect(Math.abs(mp4.duration - 3)).toBeLessThan(1);
    await download('rec/physics/index.m3u8', 'index.m3u8');
    await download('rec/physics/part_00000.ts', 'part_00000.ts');
    expect(await readFile(path.join(root, 'index.m3u8'), 'utf8')).toContain('\npart_00000.ts\n');
    expect((await probe(path.join(root, 'part_00000.ts'))).codecs).toEqual(['aac', 'h264']);
    client.destroy();
  });

  it('records one audio track with StartTrackCompositeEgress as an AAC-only MP4 as long as the egress was active', async () => {
    emulator.createRoom('music');
    const info = await egress.startTrackCompositeEgress('music', new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath: 'music/{room_name}.mp4' }), { audioTrackId: 'TR_audio1' });
    expect(info.request.case).toBe('trackComposite');
    await emulator.waitForEgressStatus(info.egressId, 'EGRESS_ACTIVE');
    await egress.stopEgress(info.egressId);
    await emulator.waitForEgressStatus(info.egressId, 'EGRESS_COMPLETE');
    const [done] = await egress.listEgress({ egressId: info.egressId });
    const activeSeconds = Number(done!.fileResults[0]!.duration) / 1e9;
    expect(activeSeconds).toBeLessThan(5);
    const audio = await probe(path.join(outDir, 'music/music.mp4'));
    expect(audio.codecs).toEqual(['aac']);
    expect(Math.abs(audio.duration - activeSeconds)).toBeLessThan(1);

    // LiveKit's server answers in Twirp's default JSON: proto field names, zero values present, int64 as strings.
    const raw = await fetch(`${emulator.url}/twirp/livekit.Egress/ListEgress`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await grantToken()}` }, body: JSON.stringify({ egressId: info.egressId }) });
    const [item] = ((await raw.json()) as { items: Record<string, unknown>[] }).items;
    expect(item).toMatchObject({ egress_id: info.egressId, status: 'EGRESS_COMPLETE', source_type: 'EGRESS_SOURCE_TYPE_SDK', error: '', stream_results: [] });
    expect(item!.started_at).toMatch(/^\d{19}$/);
  });

  it('refuses bad credentials and bad requests the way LiveKit does, and the SDK surfaces them as Twirp errors', async () => {
    const wrong = new EgressClient(emulator.url, API_KEY, 'not-the-secret-not-the-secret-000');
    const denied = await wrong.listEgress().catch((err: unknown) => err);
    expect(denied).toBeInstanceOf(TwirpError);
    expect((denied as TwirpError).status).toBe(401);
    expect((denied as TwirpError).message).toContain('invalid token');

    const noGrant = new AccessToken(API_KEY, API_SECRET, { ttl: '10m' });
    noGrant.addGrant({ roomList: true });
    const ungranted = await new EgressClient(emulator.url, undefined, undefined, { token: await noGrant.toJwt() }).listEgress().catch((err: unknown) => err);
    expect(ungranted).toMatchObject({ status: 401, code: 'unauthenticated', message: 'permissions denied' });

    const expired = new AccessToken(API_KEY, API_SECRET, { ttl: -120 });
    expired.addGrant({ roomRecord: true });
    expect(await new EgressClient(emulator.url, undefined, undefined, { token: await expired.toJwt() }).listEgress().catch((e: unknown) => e)).toMatchObject({ status: 401 });

    expect(await egress.stopEgress('EG_doesnotexist').catch((e: unknown) => e)).toMatchObject({ status: 404, code: 'not_found' });
    expect(await egress.startRoomCompositeEgress('no-such-room', new EncodedFileOutput({ filepath: 'x.mp4' })).catch((e: unknown) => e)).toMatchObject({ status: 404, code: 'not_found', message: 'requested room does not exist' });
    const [finished] = await egress.listEgress({ roomName: 'algebra-1' });
    expect(await egress.stopEgress(finished!.egressId).catch((e: unknown) => e)).toMatchObject({ status: 412, code: 'failed_precondition' });

    const raw = await fetch(`${emulator.url}/twirp/livekit.Egress/StopEgress`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await grantToken()}` }, body: '{not json' });
    expect(raw.status).toBe(400);
    expect(raw.headers.get('content-type')).toBe('application/json');
    expect(await raw.json()).toMatchObject({ code: 'malformed' });
  });

  it('injects failures: 5xx and hanging API calls, failed and stuck egresses, dropped and duplicated webhooks', async () => {
    emulator.failNextApiCalls(1, { code: 'unavailable' });
    expect(await egress.listEgress().catch((e: unknown) => e)).toMatchObject({ status: 503, code: 'unavailable' });
    expect(Array.isArray(await egress.listEgress())).toBe(true);
    emulator.failNextApiCalls(1, { code: 'timeout', rpc: 'Egress/ListEgress' });
    const impatient = new EgressClient(emulator.url, API_KEY, API_SECRET, { requestTimeout: 1 });
    expect(await impatient.listEgress().catch((e: unknown) => (e as Error).name)).toMatch(/TimeoutError|AbortError/);

    emulator.createRoom('chemistry');
    emulator.setMediaSecondsOverride(2);
    emulator.queueEgressBehaviour({ stuckInStarting: true }, { fail: { error: 'pipeline failed: CPU exhausted', when: 'active' } }, {});
    const out = () => new EncodedFileOutput({ filepath: 'chem/{room_name}-{time}.mp4' });
    const stuck = await egress.startRoomCompositeEgress('chemistry', out());
    const failing = await egress.startRoomCompositeEgress('chemistry', out());
    const healthy = await egress.startRoomCompositeEgress('chemistry', out());
    await emulator.waitForEgressStatus(failing.egressId, 'EGRESS_FAILED');
    await emulator.waitForEgressStatus(healthy.egressId, 'EGRESS_ACTIVE');
    expect((await egress.listEgress({ egressId: stuck.egressId }))[0]?.status).toBe(EgressStatus.EGRESS_STARTING);
    const aborted = await egress.stopEgress(stuck.egressId);
    expect(aborted).toMatchObject({ status: EgressStatus.EGRESS_ABORTED, error: 'Start signal not received', errorCode: 412 });
    expect((await egress.listEgress({ egressId: failing.egressId }))[0]).toMatchObject({ status: EgressStatus.EGRESS_FAILED, error: 'pipeline failed: CPU exhausted' });

    emulator.injectWebhookFault('egress_ended', 'drop');
    await egress.stopEgress(healthy.egressId);
    await emulator.waitForEgressStatus(healthy.egressId, 'EGRESS_COMPLETE');
    await emulator.idle();
    expect((await egress.listEgress({ egressId: healthy.egressId }))[0]?.status).toBe(EgressStatus.EGRESS_COMPLETE);
    expect(emulator.webhooks.find((w) => w.egressId === healthy.egressId && w.event === 'egress_ended')?.dropped).toBe(true);
    expect(received.some((r) => r.body.includes(healthy.egressId) && r.body.includes('"egress_ended"'))).toBe(false);

    emulator.injectWebhookFault('egress_ended', 'duplicate');
    const limited = await egress.startRoomCompositeEgress('chemistry', out());
    await emulator.waitForEgressStatus(limited.egressId, 'EGRESS_ACTIVE');
    await emulator.endEgress(limited.egressId, 'limit-reached');
    emulator.setMediaSecondsOverride(undefined);
    const ended = (await verifiedEvents()).filter((e) => e.event === 'egress_ended' && e.egressInfo?.egressId === limited.egressId);
    expect(ended).toHaveLength(2);
    expect(ended[0]!.id).toBe(ended[1]!.id);
    expect(ended[0]!.egressInfo).toMatchObject({ status: EgressStatus.EGRESS_LIMIT_REACHED, errorCode: 413, details: 'End reason: Session limit reached' });
    expect(ended[0]!.egressInfo!.fileResults[0]!.size).toBeGreaterThan(0n);
  });

  it('sends room and participant webhooks the SDK accepts, and the SDK refuses a tampered or Bearer-prefixed one', async () => {
    emulator.joinParticipant('history', 'teacher-1', 'Ms Ada');
    emulator.joinParticipant('history', 'student-7', 'Ana');
    emulator.leaveParticipant('history', 'student-7');
    await emulator.finishRoom('history');
    const events = (await verifiedEvents()).filter((e) => e.room?.name === 'history');
    expect(events.map((e) => [e.event, e.participant?.identity ?? ''])).toEqual([
      ['room_started', ''], ['participant_joined', 'teacher-1'], ['participant_joined', 'student-7'], ['participant_left', 'student-7'], ['participant_left', 'teacher-1'], ['room_finished', ''],
    ]);
    const sample = received.find((r) => r.body.includes('"participant_joined"') && r.body.includes('student-7'))!;
    await expect(receiver.receive(sample.body.replace('Ana', 'Eve'), sample.authorization)).rejects.toThrow(/sha256/);
    await expect(receiver.receive(sample.body, `Bearer ${sample.authorization}`)).rejects.toThrow();
    await expect(new WebhookReceiver(API_KEY, 'another-secret-another-secret-0000').receive(sample.body, sample.authorization)).rejects.toThrow();
  });

  it('close() is idempotent and ends the FFmpeg it started', async () => {
    const own = await new LiveKitEmulator({ apiKey: API_KEY, apiSecret: API_SECRET, localOutputDir: path.join(root, 'own'), mediaSecondsOverride: 3600, autoCreateRooms: true }).start();
    const client = new EgressClient(own.url, API_KEY, API_SECRET);
    const info = await client.startRoomCompositeEgress('long-class', new EncodedFileOutput({ filepath: 'long.mp4' }));
    await own.waitForEgressStatus(info.egressId, 'EGRESS_ACTIVE');
    const spawned = new Promise<number>((resolve) => own.events.once('ffmpeg', (child) => resolve(child.pid ?? 0)));
    await client.stopEgress(info.egressId);
    const pid = await spawned;
    await Promise.all([own.close(), own.close()]);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

async function grantToken(): Promise<string> {
  const token = new AccessToken(API_KEY, API_SECRET, { ttl: '10m' });
  token.addGrant({ roomRecord: true });
  return token.toJwt();
}
