import type { LiveClassRecord, LiveClassRepository } from '../../adapters/db/live-class-repository';
import type { RoomRole } from '../../contracts/live-signaling';
import { CLOSE_CODES } from '../../domain/live-close-codes';
import type { Principal } from '../../domain/identity';
import type { ViewerAccess } from '../viewer-access';
import type { Admission, LiveRoom } from './room';
import { RoomRefusal } from './room-refusal';

export interface AdmissionDeps {
  liveClassRepo: Pick<LiveClassRepository, 'get'>;
  access: Pick<ViewerAccess, 'tiesOf'>;
  openRoom(cls: LiveClassRecord): Promise<LiveRoom>;
  isClosing(): boolean;
}

/** Authorises a principal for a class's room (opening the room), or throws RoomRefusal. */
export function createAdmission(deps: AdmissionDeps): (principal: Principal, liveClassId: string) => Promise<Admission> {
  return async (principal, liveClassId) => {
    if (deps.isClosing()) throw new RoomRefusal('closing', CLOSE_CODES.serverClosing, 'Aula is restarting; this page reconnects by itself');
    const cls = await deps.liveClassRepo.get(liveClassId);
    if (!cls || cls.deletedAt) throw new RoomRefusal('not_found', CLOSE_CODES.notFound, 'This live class does not exist');
    if (cls.provider !== 'native') {
      throw new RoomRefusal('not_native', CLOSE_CODES.notFound, `This class is held on ${cls.provider}, not in Aula's own room`);
    }
    const role = await roleIn(deps, principal, cls);
    if (cls.status === 'ended' || cls.status === 'cancelled') {
      throw new RoomRefusal('ended', CLOSE_CODES.classOver, cls.status === 'ended' ? 'This class has ended; its recording appears on the lesson page' : 'This class was cancelled');
    }
    if (role === 'student' && cls.status !== 'live') {
      throw new RoomRefusal('not_started', CLOSE_CODES.notStarted, 'The class has not started yet; this page joins as soon as the instructor starts it');
    }
    const room = await deps.openRoom(cls);
    return { room, role, principal };
  };
}

/** Admins and the batch's instructors host; the batch's students attend; nobody else has a role (null). */
export async function roomRoleOf(access: AdmissionDeps['access'], principal: Principal, cls: Pick<LiveClassRecord, 'batchId'>): Promise<RoomRole | null> {
  const ties = await access.tiesOf(principal);
  if (principal.role === 'admin' || (principal.role === 'instructor' && ties.instructedBatchIds.has(cls.batchId))) return 'host';
  if (principal.role === 'student' && ties.enrolledBatchIds.has(cls.batchId)) return 'student';
  return null;
}

async function roleIn(deps: Pick<AdmissionDeps, 'access'>, principal: Principal, cls: LiveClassRecord): Promise<RoomRole> {
  const role = await roomRoleOf(deps.access, principal, cls);
  if (role) return role;
  throw new RoomRefusal(
    'forbidden',
    CLOSE_CODES.forbidden,
    principal.role === 'student' ? 'You are not enrolled in the batch of this class, so you cannot join it' : 'Only the instructors of this batch can host this class',
  );
}
