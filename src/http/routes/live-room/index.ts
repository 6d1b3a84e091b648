import type { HttpApp } from '../../app';
import { registerAttendanceRoute } from './attendance';
import { registerSignalingRoute, type SignalingDeps } from './signaling';

export { attendanceCsv } from './attendance';
export { ClientCommandSchema } from './commands-schema';
export { createRoomGrants } from './grants';

/**
 * The live room's signaling WebSocket and its attendance report. A browser cannot set headers on a
 * WebSocket, so the bearer token travels as `?token=`.
 */
export function registerLiveRoomRoutes(app: HttpApp, deps: SignalingDeps) {
  registerAttendanceRoute(app, deps.rooms, deps.grants);
  registerSignalingRoute(app, deps);
}
