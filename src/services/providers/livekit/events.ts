import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../../adapters/clock';
import type { LiveClassRecord, LiveClassRepository } from '../../../adapters/db/live-class-repository';
import type { ProviderAttendanceRepository } from '../../../adapters/db/provider-attendance-repository';
import type { RecordingRepository } from '../../../adapters/db/recording-repository';
import { liveClassIdOfRoom } from '../../../domain/providers/livekit/egress';
import type { LiveKitEvent } from '../../../domain/providers/livekit/webhook';
import { type ClassMover, moveClassQuietly } from '../class-moves';
import type { LiveKitAccount } from './account';
import { ACTOR, type EgressJobs } from './egress-jobs';

export interface LiveKitEventsDeps {
  egress: Pick<EgressJobs, 'applyEgress'>;
  liveClasses: ClassMover;
  liveClassesRepo: Pick<LiveClassRepository, 'get'>;
  recordingsRepo: Pick<RecordingRepository, 'getByExternalRef'>;
  attendance: ProviderAttendanceRepository;
  clock: Clock;
  log: Logger;
}

/** Nanoseconds or seconds since the epoch, as LiveKit's protojson carries them, to an ISO time. */
function isoFromUnix(value: string | undefined, fallback: string): string {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) return fallback;
  return new Date(n > 1e14 ? n / 1e6 : n * 1000).toISOString();
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
        const at = isoFromUnix(event.createdAt, isoNow(deps.clock));
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
