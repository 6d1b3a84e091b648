import type { Clock } from '../../../adapters/clock';
import type { Principal } from '../../../domain/identity';
import { type RoomGrantCheck, signRoomGrant, verifyRoomGrant } from '../../../domain/room-grant';

/** The header a forwarding process sets with its signed room grant. */
export const ROOM_GRANT_HEADER = 'x-aula-room-grant';

/** A grant only has to outlive the forwarding process's request or connection attempt. */
const GRANT_SECONDS = 30;

export interface RoomGrants {
  /** A grant for `host` to act for `principal` in the class's room. */
  issue(liveClassId: string, host: string, principal: Principal): string;
  /** The principal of a grant meant for this process and this class, or why there is none. */
  check(header: string | string[], liveClassId: string): { ok: true; principal: Principal } | { ok: false; reason: string };
}

export function createRoomGrants(deps: { key: Buffer; clock: Clock; self: string }): RoomGrants {
  const nowUnix = () => Math.floor(deps.clock.now().getTime() / 1000);
  return {
    issue: (liveClassId, host, principal) => signRoomGrant({ liveClassId, host, principal, expiresAtUnix: nowUnix() + GRANT_SECONDS }, deps.key),
    check(header, liveClassId) {
      if (typeof header !== 'string') return { ok: false, reason: 'malformed' };
      const check: RoomGrantCheck = verifyRoomGrant(header, deps.key, deps.self, nowUnix());
      if (!check.ok) return check;
      if (check.grant.liveClassId !== liveClassId) return { ok: false, reason: 'other-class' };
      return { ok: true, principal: check.grant.principal };
    },
  };
}
