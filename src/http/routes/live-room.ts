import websocket from '@fastify/websocket';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DomainError } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import { type AttendanceRow, CLOSE_CODES, type ClientCommand, type LiveRoomService, type RoomMember, RoomRefusal, type ServerMessage } from '../../services/live-room';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';
import { IdParam } from '../schemas';

const Description = z.strictObject({ type: z.enum(['offer', 'answer']), sdp: z.string().min(1).max(200_000) });
const Mid = z.string().min(1).max(32);
const Source = z.enum(['camera', 'microphone', 'screen']);

/** Every message a client may send on the signaling socket. */
export const ClientCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('publish'), description: Description, sources: z.record(Mid, Source) }),
  z.strictObject({ type: z.literal('sources'), sources: z.record(Mid, Source.nullable()) }),
  z.strictObject({ type: z.literal('subscriber-answer'), description: Description }),
  z.strictObject({ type: z.literal('resubscribe'), iceRestart: z.boolean().optional() }),
  z.strictObject({ type: z.literal('chat'), text: z.string().min(1).max(2000) }),
  z.strictObject({ type: z.literal('raise-hand'), raised: z.boolean() }),
  z.strictObject({ type: z.literal('start-class') }),
  z.strictObject({ type: z.literal('end-class') }),
  z.strictObject({ type: z.literal('record'), action: z.enum(['start', 'stop']) }),
  z.strictObject({ type: z.literal('allow-speak'), participantId: z.string().min(1).max(200), allowed: z.boolean() }),
  z.strictObject({ type: z.literal('mute'), participantId: z.string().min(1).max(200) }),
  z.strictObject({ type: z.literal('set-muted'), muted: z.boolean() }),
  z.strictObject({ type: z.literal('remove'), participantId: z.string().min(1).max(200) }),
]);

// Compile-time check that the schema and the room's command type agree.
const _commandsAgree: (c: z.infer<typeof ClientCommandSchema>) => ClientCommand = (c) => c;
void _commandsAgree;

/** The part of a `ws` socket this route uses. */
interface SignalSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): void;
  on(event: 'close', listener: (code: number) => void): void;
  on(event: 'pong', listener: () => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
}

const OPEN = 1;
const MAX_MESSAGE_BYTES = 256 * 1024;
const HEARTBEAT_MS = 15_000;

function toText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

export function attendanceCsv(items: AttendanceRow[]): string {
  const esc = (v: string | number | boolean | null) => {
    const s = v === null ? '' : String(v);
    return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/^([=+\-@])/, "'$1").replace(/"/g, '""')}"` : s;
  };
  const header = ['user_id', 'name', 'email', 'enrolled', 'first_joined_at', 'last_left_at', 'seconds_present', 'sessions', 'recording_watched_seconds', 'recording_watched_percent'];
  const lines = items.map((r) =>
    [r.userId, r.name, r.email, r.enrolled, r.firstJoinedAt, r.lastLeftAt, r.secondsPresent, r.sessions.length, r.recordingWatch.watchedSeconds, r.recordingWatch.watchedPercent].map(esc).join(','),
  );
  return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
}

/**
 * The live room's signaling WebSocket and its attendance report. A browser cannot set headers on a
 * WebSocket, so the bearer token travels as `?token=`.
 */
export function registerLiveRoomRoutes(app: HttpApp, deps: { rooms: LiveRoomService; authenticate(bearer: string): Promise<Principal> }) {
  const { rooms } = deps;

  app.get(
    '/api/v1/live-classes/:id/attendance',
    {
      schema: {
        tags: ['live-classes'],
        summary: 'Per-student time present in a native live class, next to their watch time of its recordings (instructors of the batch and admins); ?format=csv for a spreadsheet',
        params: IdParam,
        querystring: z.object({ format: z.enum(['json', 'csv']).default('json') }),
      },
    },
    async (req, reply) => {
      const report = await rooms.attendance(principalOf(req), req.params.id);
      if (req.query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="attendance-${report.liveClass.id}.csv"`)
          .send(attendanceCsv(report.items));
      }
      return report;
    },
  );

  // The websocket plugin lives in this scope only, so it handles upgrades for the signaling route alone.
  app.register(async (plain) => {
    // The rooms close their sockets before the server closes; the plugin's own pre-close step is not needed
    // (and, finishing twice, it kept the server from closing its idle keep-alive connections).
    await plain.register(websocket, { options: { maxPayload: MAX_MESSAGE_BYTES }, preClose: async () => undefined });
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    scope.get('/api/v1/live-classes/:id/signal', { websocket: true, schema: { hide: true } }, (raw: SignalSocket, req) => {
      const socket = raw;
      const log = req.log.child({ room: (req.params as { id?: string }).id });
      const send = (message: ServerMessage) => {
        if (socket.readyState === OPEN) socket.send(JSON.stringify(message));
      };
      const refuse = (code: string, closeCode: number, message: string) => {
        send({ type: 'error', code, message });
        socket.close(closeCode, message.slice(0, 120));
      };

      // Messages that arrive before admission finishes are kept, not lost.
      const early: string[] = [];
      let member: RoomMember | null = null;
      let gone = false;
      let alive = true;
      const heartbeat = setInterval(() => {
        if (!alive) {
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
      }, HEARTBEAT_MS);
      socket.on('pong', () => {
        alive = true;
      });
      socket.on('error', (err) => log.debug({ err }, 'signaling socket error'));
      socket.on('close', () => {
        gone = true;
        clearInterval(heartbeat);
        member?.leave();
      });

      let chain: Promise<void> = Promise.resolve();
      const dispatch = (text: string) => {
        alive = true;
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          send({ type: 'error', code: 'malformed_json', message: 'Messages must be JSON' });
          return;
        }
        const parsed = ClientCommandSchema.safeParse(json);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          send({ type: 'error', code: 'validation_failed', message: `Invalid message${issue ? ` at ${issue.path.join('.') || 'root'}: ${issue.message}` : ''}` });
          return;
        }
        const current = member;
        if (!current) return;
        // One command at a time per participant: an answer never overtakes the offer it answers.
        chain = chain
          .then(() => current.handle(parsed.data))
          .catch((err: unknown) => {
            log.error({ err, command: parsed.data.type }, 'live room command failed');
            send({ type: 'error', code: 'internal', message: 'Something went wrong on our side; the error has been logged' });
          });
      };
      socket.on('message', (data) => {
        const text = toText(data);
        if (member) dispatch(text);
        else if (early.length < 50) early.push(text);
      });

      void (async () => {
        const query = req.query as { token?: unknown };
        const token = typeof query.token === 'string' ? query.token : '';
        const id = String((req.params as { id?: unknown }).id ?? '');
        if (!token) return refuse('unauthenticated', CLOSE_CODES.unauthenticated, 'Sign in first: the page passes your token as ?token=');
        let principal: Principal;
        try {
          principal = await deps.authenticate(token);
        } catch (err) {
          return refuse('unauthenticated', CLOSE_CODES.unauthenticated, err instanceof DomainError ? err.message : 'Your sign-in is not valid');
        }
        try {
          const admission = await rooms.admit(principal, id);
          if (gone) return;
          const joined = admission.room.join(admission, {
            send,
            close: (code, reason) => socket.close(code, reason),
          });
          member = joined;
          for (const text of early.splice(0)) dispatch(text);
        } catch (err) {
          if (err instanceof RoomRefusal) return refuse(err.code, err.closeCode, err.message);
          log.error({ err }, 'could not admit a participant');
          return refuse('internal', 1011, 'Something went wrong on our side; the error has been logged');
        }
      })();
    });
  });
}
