import type { Clock } from '../clock';
import type { Db } from '../db/database';
import type { RoomClaim, RoomHosts } from './room-hosts';

/** Room claims as rows with an expiry, for several Aula processes on one PostgreSQL database without Redis. */
export function createDatabaseRoomHosts(input: { db: Db; clock: Clock; self: string; leaseSeconds: number }): RoomHosts {
  const { db, clock, self } = input;

  /** Takes the row when it is free, lapsed or already ours (one statement, so two processes never both win); returns the holder. */
  async function take(liveClassId: string): Promise<string> {
    const now = clock.now();
    const nowIso = now.toISOString();
    const until = new Date(now.getTime() + input.leaseSeconds * 1000).toISOString();
    // A row deleted between the two statements (released meanwhile) is simply taken again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const won = await db
        .insertInto('room_hosts')
        .values({ live_class_id: liveClassId, host: self, expires_at: until })
        .onConflict((oc) =>
          oc
            .column('live_class_id')
            .doUpdateSet({ host: self, expires_at: until })
            .where((eb) => eb.or([eb('room_hosts.host', '=', self), eb('room_hosts.expires_at', '<=', nowIso)])),
        )
        .returning('host')
        .executeTakeFirst();
      if (won) return self;
      const row = await db.selectFrom('room_hosts').select('host').where('live_class_id', '=', liveClassId).executeTakeFirst();
      if (row) return row.host;
    }
    throw new Error(`could not read or take the claim of live class ${liveClassId}`);
  }

  return {
    self,
    async claim(liveClassId): Promise<RoomClaim> {
      const holder = await take(liveClassId);
      return holder === self ? { ours: true } : { ours: false, host: holder };
    },
    async holder(liveClassId) {
      const row = await db.selectFrom('room_hosts').select('host').where('live_class_id', '=', liveClassId).where('expires_at', '>', clock.now().toISOString()).executeTakeFirst();
      return row?.host ?? null;
    },
    async renew(liveClassIds) {
      const lost: string[] = [];
      for (const id of liveClassIds) if ((await take(id)) !== self) lost.push(id);
      return lost;
    },
    async release(liveClassId) {
      await db.deleteFrom('room_hosts').where('live_class_id', '=', liveClassId).where('host', '=', self).execute();
    },
    async evict(liveClassId, host) {
      await db.deleteFrom('room_hosts').where('live_class_id', '=', liveClassId).where('host', '=', host).execute();
    },
    close: async () => undefined,
  };
}
