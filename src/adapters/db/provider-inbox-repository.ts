import type { Db } from './database';

export interface InboxDelivery {
  id: string;
  provider: string;
  accountId: string;
  deliveryId: string;
  eventType: string;
  bodyEncrypted: string;
  status: 'received' | 'done' | 'failed';
  attempts: number;
  outcome: Record<string, unknown> | null;
  receivedAt: string;
}

/** The provider inbox: every verified webhook delivery, once, until it is handled (and a week after, for dedupe). */
export function createProviderInboxRepository(db: Db) {
  return {
    /** False when the provider sent this delivery before. */
    async insert(d: Pick<InboxDelivery, 'id' | 'provider' | 'accountId' | 'deliveryId' | 'eventType' | 'bodyEncrypted' | 'receivedAt'>): Promise<boolean> {
      const r = await db
        .insertInto('provider_inbox')
        .values({
          id: d.id, provider: d.provider, account_id: d.accountId, delivery_id: d.deliveryId, event_type: d.eventType, body_encrypted: d.bodyEncrypted,
          status: 'received', attempts: 0, claimed_until: null, outcome: null, received_at: d.receivedAt, handled_at: null,
        })
        .onConflict((oc) => oc.columns(['provider', 'delivery_id']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    async get(id: string): Promise<InboxDelivery | null> {
      const r = await db.selectFrom('provider_inbox').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) return null;
      return {
        id: r.id, provider: r.provider, accountId: r.account_id, deliveryId: r.delivery_id, eventType: r.event_type, bodyEncrypted: r.body_encrypted,
        status: r.status, attempts: r.attempts, outcome: r.outcome ? (JSON.parse(r.outcome) as Record<string, unknown>) : null, receivedAt: r.received_at,
      };
    },

    /** Takes the delivery for handling until `until`, unless it is handled or someone else holds it. */
    async claim(id: string, now: string, until: string): Promise<boolean> {
      const r = await db
        .updateTable('provider_inbox')
        .set((eb) => ({ claimed_until: until, attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id)
        .where('status', '=', 'received')
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async release(id: string): Promise<void> {
      await db.updateTable('provider_inbox').set({ claimed_until: null }).where('id', '=', id).execute();
    },

    async finish(id: string, status: 'done' | 'failed', outcome: Record<string, unknown>, now: string): Promise<void> {
      await db.updateTable('provider_inbox').set({ status, outcome: JSON.stringify(outcome), claimed_until: null, handled_at: now }).where('id', '=', id).execute();
    },

    /** Deliveries still waiting that arrived before `receivedBefore` and nobody holds. */
    async listUnhandled(receivedBefore: string, limit: number): Promise<string[]> {
      const rows = await db.selectFrom('provider_inbox').select('id').where('status', '=', 'received').where('received_at', '<', receivedBefore)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', receivedBefore)])).orderBy('received_at').limit(limit).execute();
      return rows.map((r) => r.id);
    },

    async prune(receivedBefore: string): Promise<number> {
      const r = await db.deleteFrom('provider_inbox').where('received_at', '<', receivedBefore).where('status', '!=', 'received').executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export type ProviderInboxRepository = ReturnType<typeof createProviderInboxRepository>;
