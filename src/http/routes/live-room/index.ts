import type { HttpApp } from '../../app';
import { registerAttendanceRoute } from './attendance';
import { registerAudienceRoute } from './audience';
import { registerSignalingRoute, type SignalingDeps } from './signaling';

export { attendanceCsv } from './attendance';
export { ClientCommandSchema } from './commands-schema';
export { createRoomGrants } from './grants';

/**
 * The live room's signaling WebSocket, its attendance report and the link to its live HLS. A browser cannot set headers on a
 * WebSocket, so the bearer token travels as `?token=`.
 */
export function registerLiveRoomRoutes(app: HttpApp, deps: SignalingDeps) {
  registerAttendanceRoute(app, deps.rooms, deps.grants);
  registerAudienceRoute(app, deps.rooms);
  registerSignalingRoute(app, deps);
}
