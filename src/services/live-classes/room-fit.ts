import { NotFound } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import type { RoomFit } from '../../contracts/api/live-classes';
import type { LiveClassServiceDeps } from './types';

/**
 * Whether a batch's class fits Aula's own room, asked before it is scheduled: the instructor and the first students
 * take its WebRTC seats, everyone else watches the class's live stream a few seconds behind (and moves to a seat when
 * let to speak). A class where everyone is to be on video beyond that runs on LiveKit.
 */
export function createRoomFit(deps: Pick<LiveClassServiceDeps, 'catalog' | 'access' | 'nativeSeats'>) {
  return {
    async roomFit(viewer: Principal, batchId: string): Promise<RoomFit> {
      const batch = await deps.catalog.getBatch(batchId);
      if (!batch) throw new NotFound('Batch', batchId);
      await deps.access.assertCanManage(viewer, batchId);
      const students = await deps.catalog.countMembers('enrollments', batchId);
      // The instructor holds one seat.
      const studentSeats = Math.max(0, deps.nativeSeats - 1);
      return { batchId, students, nativeSeats: deps.nativeSeats, watchOnlyStudents: Math.max(0, students - studentSeats) };
    },
  };
}
