import type { Principal } from '../../../domain/identity';
import type { LiveRoomService } from '../../../services/live-room';
import type { HttpApp } from '../../app';
import { registerAttendanceRoute } from './attendance';
import { registerAudienceRoute } from './audience';
import { registerSignalingRoute } from './signaling';

export { attendanceCsv } from './attendance';
export { ClientCommandSchema } from './commands-schema';

/**
 * The live room's signaling WebSocket, its attendance report and the link to its live HLS. A browser cannot set headers on a
 * WebSocket, so the bearer token travels as `?token=`.
 */
export function registerLiveRoomRoutes(app: HttpApp, deps: { rooms: LiveRoomService; authenticate(bearer: string): Promise<Principal> }) {
  registerAttendanceRoute(app, deps.rooms);
  registerAudienceRoute(app, deps.rooms);
  registerSignalingRoute(app, deps);
}
