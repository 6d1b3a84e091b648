import type { Kysely } from 'kysely';
import type { SqlDialectName } from './index';

/**
 * One provider path: every verified webhook delivery lands in the inbox (deduplicated by the provider's delivery id)
 * before anything acts on it; recordings captured by a provider (LiveKit egress) keep the provider's state beside
 * them; participants seen by a provider's room feed attendance.
 */
export async function providerInbox(db: Kysely<unknown>, _dialect: SqlDialectName): Promise<void> {
  await db.schema
    .createTable('provider_inbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    /** The verified raw body, encrypted: provider bodies may carry download tokens. */
    .addColumn('body_encrypted', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('claimed_until', 'text')
    .addColumn('outcome', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('handled_at', 'text')
    .addUniqueConstraint('provider_inbox_delivery', ['provider', 'delivery_id'])
    .execute();
  await db.schema.createIndex('provider_inbox_waiting').on('provider_inbox').columns(['status', 'received_at']).execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.alterTable('recordings').addColumn('provider_state', 'text').execute();
  await db.schema
    .createTable('provider_attendance')
    .addColumn('live_class_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('identity', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('joined_at', 'text', (c) => c.notNull())
    .addColumn('left_at', 'text')
    .addPrimaryKeyConstraint('provider_attendance_pk', ['live_class_id', 'session_id'])
    .execute();
}
