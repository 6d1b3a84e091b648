import { type Kysely } from 'kysely';

/** Which Aula process hosts each open native room, as a lease, for processes that share no Redis. */
export async function roomHosts(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('room_hosts')
    .addColumn('live_class_id', 'text', (c) => c.primaryKey())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}
