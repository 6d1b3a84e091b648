import type { FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RecordingListItem } from '../../adapters/db/recording-repository';
import type { Principal } from '../../domain/identity';
import { LIVE_CLASS_STATUSES, PROVIDERS, RECORDING_STATUSES } from '../../domain/recording-state';
import type { RecordingDetail, StaffRecording } from '../../contracts/api/recordings';
import type { LiveClassService } from '../../services/live-classes';
import type { RecordingService } from '../../services/recordings';
import { recordingSummary } from '../../services/recording-summary';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';
import { MEDIA_CONTENT_TYPES, receiveUpload, safeFileName } from '../upload';
import { Id, IdParam, IsoDateTime, PageQuery } from '../schemas';
import { errorBody } from '../errors';

/** Chat logs and captions are small text files. */
const SIDECAR_CONTENT_TYPES = ['application/x-ndjson', 'application/jsonl', 'text/vtt', 'text/plain'];
const MAX_SIDECAR_BYTES = 5 * 1024 * 1024;

const LiveClassBody = z.strictObject({
  title: z.string().trim().min(1).max(300),
  batchId: Id,
  lessonId: Id.nullable().optional(),
  provider: z.enum(PROVIDERS).default('native'),
  startsAt: IsoDateTime,
  durationMinutes: z.number().int().min(1).max(24 * 60),
  autoRecord: z.boolean().optional(),
  providerAccountId: Id.nullable().optional(),
  providerOptions: z.record(z.string().max(100), z.unknown()).nullable().optional(),
});

const LiveClassPatch = z.strictObject({
  title: z.string().trim().min(1).max(300).optional(),
  lessonId: Id.nullable().optional(),
  startsAt: IsoDateTime.optional(),
  durationMinutes: z.number().int().min(1).max(24 * 60).optional(),
  autoRecord: z.boolean().optional(),
});

const ListQuery = PageQuery.extend({
  batchId: z.string().max(100).optional(),
  lessonId: z.string().max(100).optional(),
  status: z.enum(LIVE_CLASS_STATUSES).optional(),
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
});

const RecordingPage = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(300).optional() });

/** Adds what a viewer's list shows beside each recording: a signed poster URL and their own progress. */
export type RecordingPresenter = (viewer: Principal, page: { items: RecordingListItem[]; nextCursor: string | null }) => Promise<unknown>;

type LiveClassRouteDeps = {
  liveClasses: LiveClassService; recordings: RecordingService; present: RecordingPresenter; uploadDir: string; maxUploadBytes: number;
  /** Aula's address as people reach it, for the join URL an LMS hands its students. */
  publicUrl: string;
};

/**
 * A class as the API shows it: with `joinUrl`, the one page that takes anyone in (Aula's room, LiveKit's, or the
 * provider's link, whichever the class uses) — null for uploads, which have no live part.
 */
function withJoinUrl<T extends { id: string; provider: string }>(publicUrl: string, cls: T): T & { joinUrl: string | null } {
  return { ...cls, joinUrl: cls.provider === 'upload' ? null : `${publicUrl}/live/${encodeURIComponent(cls.id)}` };
}

/** A recording as `GET /api/v1/recordings/{id}` shows it: with its class, its job and its trim as people see it. */
export async function recordingDetail(recordings: Pick<RecordingService, 'get'>, viewer: Principal, id: string): Promise<RecordingDetail> {
  const { recording, liveClass, job } = await recordings.get(viewer, id);
  return {
    ...recordingSummary(recording),
    liveClass: { id: liveClass.id, title: liveClass.title, batchId: liveClass.batchId, lessonId: liveClass.lessonId, provider: liveClass.provider },
    job,
  };
}

export function registerLiveClassRoutes(app: HttpApp, deps: LiveClassRouteDeps) {
  registerClassRoutes(app, deps);
  registerUploadRoute(app, deps);
  registerSidecarRoutes(app, deps);
  registerRecordingRoutes(app, deps);
}

/** Scheduling, starting, ending and joining classes, their speakers, and recording one by hand. */
function registerClassRoutes(app: HttpApp, { liveClasses, recordings, publicUrl }: Pick<LiveClassRouteDeps, 'liveClasses' | 'recordings' | 'publicUrl'>) {
  const shown = <T extends { id: string; provider: string }>(cls: T) => withJoinUrl(publicUrl, cls);
  app.post('/api/v1/live-classes', { schema: { tags: ['live-classes'], summary: 'Schedule a live class (admin or the batch\'s instructor)', body: LiveClassBody } }, async (req, reply) => {
    reply.status(201);
    return shown(await liveClasses.create(principalOf(req), req.body));
  });
  app.get('/api/v1/live-classes', { schema: { tags: ['live-classes'], summary: 'Live classes visible to the caller, filtered by batch, lesson, status and start time', querystring: ListQuery } }, async (req) => {
    const { limit, cursor, from, to, ...filter } = req.query;
    const page = await liveClasses.list(principalOf(req), { ...filter, from: from && new Date(from).toISOString(), to: to && new Date(to).toISOString() }, { limit, cursor });
    return { ...page, items: page.items.map(shown) };
  });
  app.get('/api/v1/batches/:id/room-fit', { schema: { tags: ['live-classes'], summary: 'How a class of the batch fits Aula\'s own room: its students, the room\'s WebRTC seats, and how many would watch the live stream instead (admin or the batch\'s instructor)', params: IdParam } }, async (req) =>
    liveClasses.roomFit(principalOf(req), req.params.id),
  );
  app.get('/api/v1/live-classes/:id', { schema: { tags: ['live-classes'], params: IdParam } }, async (req) => shown(await liveClasses.get(principalOf(req), req.params.id)));
  app.patch('/api/v1/live-classes/:id', { schema: { tags: ['live-classes'], params: IdParam, body: LiveClassPatch } }, async (req) => shown(await liveClasses.update(principalOf(req), req.params.id, req.body)));
  app.delete('/api/v1/live-classes/:id', { schema: { tags: ['live-classes'], params: IdParam } }, async (req, reply) => {
    await liveClasses.remove(principalOf(req), req.params.id);
    return reply.status(204).send();
  });
  app.post('/api/v1/live-classes/:id/start', { schema: { tags: ['live-classes'], summary: 'Start the class (and its recording when auto-record is on)', params: IdParam } }, async (req) =>
    liveClasses.start(principalOf(req), req.params.id).then((r) => ({ liveClass: shown(r.liveClass), recording: r.recording && recordingSummary(r.recording) })),
  );
  app.post('/api/v1/live-classes/:id/end', { schema: { tags: ['live-classes'], summary: 'End the class; running recordings stop and are processed', params: IdParam } }, async (req) =>
    liveClasses.end(principalOf(req), req.params.id).then((r) => ({ liveClass: shown(r.liveClass), stoppedRecordings: r.stoppedRecordings.map(recordingSummary) })),
  );
  app.get('/api/v1/live-classes/:id/join', { schema: { tags: ['live-classes'], summary: 'How the caller joins the class: Aula\'s room page, the provider\'s meeting link, or a LiveKit token for this viewer only', params: IdParam } }, async (req) =>
    liveClasses.join(principalOf(req), req.params.id),
  );
  app.post('/api/v1/live-classes/:id/speakers', { schema: { tags: ['live-classes'], summary: 'Let a student of the batch publish audio and video in a LiveKit class (staff)', params: IdParam, body: z.strictObject({ userId: z.string().trim().min(1).max(100) }) } }, async (req) =>
    liveClasses.setSpeaker(principalOf(req), req.params.id, req.body.userId, true),
  );
  app.delete('/api/v1/live-classes/:id/speakers/:userId', { schema: { tags: ['live-classes'], summary: 'Take a student\'s permission to publish back (staff)', params: z.object({ id: z.string().min(1).max(100), userId: z.string().min(1).max(100) }) } }, async (req) =>
    liveClasses.setSpeaker(principalOf(req), req.params.id, req.params.userId, false),
  );
  app.post('/api/v1/live-classes/:id/recordings', { schema: { tags: ['recordings'], summary: 'Start recording a live class by hand', params: IdParam } }, async (req, reply) => {
    reply.status(201);
    return recordingSummary(await recordings.start(principalOf(req), req.params.id, 'started by hand'));
  });
}

/** A recording made elsewhere, uploaded as the raw request body. */
function registerUploadRoute(app: HttpApp, deps: Pick<LiveClassRouteDeps, 'liveClasses' | 'recordings' | 'uploadDir' | 'maxUploadBytes'>) {
  const { liveClasses, recordings } = deps;
  // Uploads arrive as the raw request body so a 2 GB file streams to disk without being held in memory.
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    scope.addContentTypeParser(MEDIA_CONTENT_TYPES, (_req, _payload, done) => done(null));
    scope.post(
      '/api/v1/live-classes/:id/uploads',
      {
        bodyLimit: deps.maxUploadBytes,
        schema: {
          tags: ['recordings'],
          summary: 'Upload a recording made elsewhere: send the media file as the raw body (Content-Type video/* or audio/*)',
          params: IdParam,
          querystring: z.object({ title: z.string().trim().min(1).max(300).optional(), filename: z.string().max(300).optional(), startedAt: IsoDateTime.optional() }),
        },
      },
      async (req, reply) => {
        const principal = principalOf(req);
        // Check the class and the caller's rights before reading a single byte of a large body.
        const cls = await liveClasses.get(principal, req.params.id);
        if (principal.role === 'student') return reply.status(403).send({ error: { code: 'forbidden', message: 'Students cannot upload recordings' } });
        if (!MEDIA_CONTENT_TYPES.test(req.headers['content-type'] ?? '')) {
          return reply.status(415).send({ error: { code: 'unsupported_media_type', message: 'Send the media file as the raw body with Content-Type video/*, audio/* or application/octet-stream' } });
        }
        const file = await receiveUpload(req, deps.uploadDir, deps.maxUploadBytes);
        try {
          const rec = await recordings.createFromFile(principal, cls.id, {
            title: req.query.title, localPath: file.path, sizeBytes: file.sizeBytes,
            fileName: safeFileName(req.query.filename, 'upload.mp4'), startedAt: req.query.startedAt && new Date(req.query.startedAt).toISOString(),
          });
          reply.status(201);
          return recordingSummary(rec);
        } finally {
          await file.discard();
        }
      },
    );
  });
}

function registerSidecarRoutes(app: HttpApp, { recordings }: Pick<LiveClassRouteDeps, 'recordings'>) {
  // Sidecar text files of a recording made elsewhere: a chat log (JSON lines) and captions (WebVTT), as raw bodies.
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    // Kept as bytes: decoding and checking happen on the sidecar worker thread, not here.
    scope.addContentTypeParser(SIDECAR_CONTENT_TYPES, { parseAs: 'buffer', bodyLimit: MAX_SIDECAR_BYTES }, (_req, body, done) => done(null, body));
    const notText = (reply: FastifyReply) =>
      reply.status(415).send(errorBody('unsupported_media_type', `Send the file as the raw body with Content-Type ${SIDECAR_CONTENT_TYPES.join(' or ')}`));
    scope.put(
      '/api/v1/recordings/:id/chat',
      { bodyLimit: MAX_SIDECAR_BYTES, schema: { tags: ['recordings'], summary: 'Attach the chat log of the class (JSON lines of {"t": seconds, "author", "text"}); it replays beside the video', params: IdParam } },
      async (req, reply) => (Buffer.isBuffer(req.body) ? recordings.attachChatLog(principalOf(req), req.params.id, req.body) : notText(reply)),
    );
    scope.put(
      '/api/v1/recordings/:id/captions',
      { bodyLimit: MAX_SIDECAR_BYTES, schema: { tags: ['recordings'], summary: 'Attach or replace the captions (WebVTT) the player offers', params: IdParam } },
      async (req, reply) => (Buffer.isBuffer(req.body) ? recordings.attachCaptionsText(principalOf(req), req.params.id, req.body) : notText(reply)),
    );
  });
}

/** Lists of recordings, one recording, and what staff do to it. */
function registerRecordingRoutes(app: HttpApp, deps: Pick<LiveClassRouteDeps, 'recordings' | 'present'>) {
  const { recordings } = deps;
  app.get('/api/v1/lessons/:id/recordings', { schema: { tags: ['recordings'], summary: 'Every ready recording of the lesson the caller may see, newest first', params: IdParam, querystring: RecordingPage } }, async (req) => {
    const viewer = principalOf(req);
    return deps.present(viewer, await recordings.listForLesson(viewer, req.params.id, req.query));
  });
  app.get('/api/v1/batches/:id/recordings', { schema: { tags: ['recordings'], summary: 'Every ready recording of the batch, newest first', params: IdParam, querystring: RecordingPage } }, async (req) => {
    const viewer = principalOf(req);
    return deps.present(viewer, await recordings.listForBatch(viewer, req.params.id, req.query));
  });
  app.get(
    '/api/v1/recordings',
    {
      schema: {
        tags: ['recordings'],
        summary: 'Recordings in every state (instructors and admins)',
        querystring: RecordingPage.extend({ liveClassId: z.string().max(100).optional(), batchId: z.string().max(100).optional(), lessonId: z.string().max(100).optional(), status: z.enum(RECORDING_STATUSES).optional() }),
      },
    },
    async (req) => {
      const page = await recordings.listForStaff(principalOf(req), req.query);
      return { ...page, items: page.items.map((r): StaffRecording => ({ ...recordingSummary(r), liveClass: r.liveClass })) };
    },
  );
  app.get('/api/v1/recordings/:id', { schema: { tags: ['recordings'], params: IdParam } }, async (req) => recordingDetail(recordings, principalOf(req), req.params.id));
  app.patch('/api/v1/recordings/:id', { schema: { tags: ['recordings'], params: IdParam, body: z.strictObject({ title: z.string().trim().min(1).max(300) }) } }, async (req) =>
    recordings.rename(principalOf(req), req.params.id, req.body.title).then(recordingSummary),
  );
  app.get('/api/v1/recordings/:id/events', { schema: { tags: ['recordings'], summary: 'State history: who, when, why', params: IdParam } }, async (req) => ({ items: await recordings.events(principalOf(req), req.params.id) }));
  app.post('/api/v1/recordings/:id/stop', { schema: { tags: ['recordings'], params: IdParam } }, async (req) => recordingSummary(await recordings.stop(principalOf(req), req.params.id, 'stopped by hand')));
  app.post('/api/v1/recordings/:id/pause', { schema: { tags: ['recordings'], summary: "Pause a native class's recording (staff): it stays one recording and the paused part is left out", params: IdParam } }, async (req) =>
    recordings.setPaused(principalOf(req), req.params.id, true, 'paused by hand').then(recordingSummary),
  );
  app.post('/api/v1/recordings/:id/resume', { schema: { tags: ['recordings'], summary: 'Resume a paused recording (staff): it goes on where it paused', params: IdParam } }, async (req) =>
    recordings.setPaused(principalOf(req), req.params.id, false, 'resumed by hand').then(recordingSummary),
  );
  app.post('/api/v1/recordings/:id/retry', { schema: { tags: ['recordings'], summary: 'Process a failed recording again (admin)', params: IdParam } }, async (req) => recordingSummary(await recordings.retry(principalOf(req), req.params.id)));
  app.delete('/api/v1/recordings/:id', { schema: { tags: ['recordings'], summary: 'Soft-delete a recording (admin); media is purged after the retention period', params: IdParam } }, async (req) =>
    recordings.softDelete(principalOf(req), req.params.id, 'deleted by admin').then(recordingSummary),
  );
  app.post('/api/v1/recordings/:id/restore', { schema: { tags: ['recordings'], summary: 'Restore a soft-deleted recording (admin)', params: IdParam } }, async (req) => recordingSummary(await recordings.restore(principalOf(req), req.params.id)));
}
