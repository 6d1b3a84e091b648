import type { Logger } from 'pino';
import type { Clock } from '../../../adapters/clock';
import type { LiveClassRecord, LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { ProviderAttendanceRepository } from '../../../adapters/db/provider-attendance-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import { liveClassIdOfRoom } from '../../../domain/providers/livekit/egress';
import type { LiveKitEvent } from '../../../domain/providers/livekit/webhook';
import { type ClassMover, moveClassQuietly } from '../class-moves';
import type { LiveKitAccount } from './account';
import { ACTOR } from './egress-context';
import type { EgressJobs } from './egress-jobs';

export interface LiveKitEventsDeps {
  egress: Pick<EgressJobs, 'applyEgress'>;
  liveClasses: ClassMover;
  liveClassesRepo: Pick<LiveClassRepository, 'get'>;
  recordingsRepo: Pick<RecordingRepository, 'getByExternalRef'>;
  attendance: ProviderAttendanceRepository;
  clock: Clock;
  log: Logger;
}

/**
 * When an event happened: LiveKit stamps whole seconds, so an event delivered at once keeps the precise time it
 * arrived; one delivered late (a retry) keeps LiveKit's time.
 */
function eventTime(createdAt: string | undefined, nowMs: number): string {
  const seconds = Number(createdAt);
  if (!Number.isFinite(seconds) || seconds <= 0 || Math.abs(nowMs - seconds * 1000) < 2_000) return new Date(nowMs).toISOString();
  return new Date(seconds * 1000).toISOString();
}

/** What each LiveKit event does in Aula: egress states move recordings, rooms move classes, participants are attendance. */
export function liveKitEvents(deps: LiveKitEventsDeps) {
  async function classOfRoom(account: LiveKitAccount, roomName: string): Promise<LiveClassRecord | null> {
    const id = liveClassIdOfRoom(roomName);
    const cls = id ? await deps.liveClassesRepo.get(id) : null;
    return cls && !cls.deletedAt && cls.provider === 'livekit' && cls.providerAccountId === account.id ? cls : null;
  }

  return async function dispatch(account: LiveKitAccount, event: LiveKitEvent): Promise<Record<string, unknown>> {
    switch (event.event) {
      case 'egress_started':
      case 'egress_updated':
      case 'egress_ended': {
        const rec = await deps.recordingsRepo.getByExternalRef(`livekit:${event.egressInfo.egressId}`);
        if (!rec) return { ignored: 'no Aula recording uses this egress' };
        const cls = await deps.liveClassesRepo.get(rec.liveClassId);
        if (cls?.providerAccountId !== account.id) return { ignored: 'the egress belongs to another account' };
        return { recordingId: rec.id, outcome: await deps.egress.applyEgress(rec.id, event.egressInfo) };
      }
      case 'room_started':
      case 'room_finished': {
        const cls = await classOfRoom(account, event.room.name);
        if (!cls) return { ignored: 'no Aula class uses this room' };
        return moveClassQuietly(deps.liveClasses, ACTOR, cls, event.event === 'room_started' ? 'live' : 'ended');
      }
      case 'participant_joined':
      case 'participant_left':
      case 'participant_connection_aborted': {
        const cls = await classOfRoom(account, event.room.name);
        if (!cls) return { ignored: 'no Aula class uses this room' };
        const p = event.participant;
        // The egress recorder is a participant too, but not a person in the class.
        if (p.kind === 'EGRESS' || p.kind === 'AGENT' || p.kind === 'INGRESS') return { ignored: `a ${p.kind.toLowerCase()} participant` };
        const at = eventTime(event.createdAt, deps.clock.now().getTime());
        const sessionId = p.sid ?? `${p.identity}:${at}`;
        if (event.event === 'participant_joined') {
          await deps.attendance.joined(cls.id, { sessionId, userId: p.identity.startsWith('user:') ? p.identity.slice(5) : null, identity: p.identity, name: p.name ?? p.identity, joinedAt: at });
          return { liveClassId: cls.id, joined: p.identity };
        }
        await deps.attendance.left(cls.id, sessionId, at);
        return { liveClassId: cls.id, left: p.identity };
      }
    }
  };
}
