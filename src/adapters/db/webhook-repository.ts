import type { Db } from './database';
import type { WebhookEndpointsTable, WebhookMessagesTable } from './schema';

export interface WebhookEndpointRecord {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  secretEncrypted: string;
  previousSecretEncrypted: string | null;
  previousSecretExpiresAt: string | null;
  status: 'active' | 'disabled';
  disabledReason: string | null;
  throttledUntil: string | null;
  createdAt: string;
  updatedAt: string;
}

function toEndpoint(r: WebhookEndpointsTable): WebhookEndpointRecord {
  return {
    id: r.id, url: r.url, description: r.description, eventTypes: JSON.parse(r.event_types) as string[], secretEncrypted: r.secret_encrypted,
    previousSecretEncrypted: r.previous_secret_encrypted, previousSecretExpiresAt: r.previous_secret_expires_at, status: r.status,
    disabledReason: r.disabled_reason, throttledUntil: r.throttled_until, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export type WebhookMessageRecord = WebhookMessagesTable;

const DUE = 'pending';

/** Endpoints admins register, the message of each event for each endpoint, and every attempt. */
export function createWebhookRepository(db: Db) {
  return {
    async insertEndpoint(e: { id: string; url: string; description: string; eventTypes: string[]; secretEncrypted: string; now: string }) {
      await db.insertInto('webhook_endpoints').values({
        id: e.id, url: e.url, description: e.description, event_types: JSON.stringify(e.eventTypes), secret_encrypted: e.secretEncrypted,
        previous_secret_encrypted: null, previous_secret_expires_at: null, status: 'active', disabled_reason: null, throttled_until: null, created_at: e.now, updated_at: e.now,
      }).execute();
    },

    async getEndpoint(id: string): Promise<WebhookEndpointRecord | null> {
      const r = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toEndpoint(r) : null;
    },

    async listEndpoints(): Promise<WebhookEndpointRecord[]> {
      return (await db.selectFrom('webhook_endpoints').selectAll().orderBy('id').execute()).map(toEndpoint);
    },

    async activeEndpointsFor(eventType: string): Promise<WebhookEndpointRecord[]> {
      const rows = (await db.selectFrom('webhook_endpoints').selectAll().where('status', '=', 'active').execute()).map(toEndpoint);
      return rows.filter((e) => e.eventTypes.includes(eventType));
    },

    async updateEndpoint(id: string, patch: Partial<{ url: string; description: string; eventTypes: string[]; status: 'active' | 'disabled'; disabledReason: string | null; throttledUntil: string | null; secretEncrypted: string; previousSecretEncrypted: string | null; previousSecretExpiresAt: string | null }> & { now: string }) {
      await db.updateTable('webhook_endpoints').set({
        ...(patch.url !== undefined && { url: patch.url }),
        ...(patch.description !== undefined && { description: patch.description }),
        ...(patch.eventTypes !== undefined && { event_types: JSON.stringify(patch.eventTypes) }),
        ...(patch.status !== undefined && { status: patch.status }),
        ...(patch.disabledReason !== undefined && { disabled_reason: patch.disabledReason }),
        ...(patch.throttledUntil !== undefined && { throttled_until: patch.throttledUntil }),
        ...(patch.secretEncrypted !== undefined && { secret_encrypted: patch.secretEncrypted }),
        ...(patch.previousSecretEncrypted !== undefined && { previous_secret_encrypted: patch.previousSecretEncrypted }),
        ...(patch.previousSecretExpiresAt !== undefined && { previous_secret_expires_at: patch.previousSecretExpiresAt }),
        updated_at: patch.now,
      }).where('id', '=', id).execute();
    },

    async deleteEndpoint(id: string) {
      return Number((await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0;
    },

    /**
     * Takes due messages of active endpoints that are not being throttled; a message stays with this worker until
     * `leaseUntil`, after which another worker may take it (its first worker died mid-attempt).
     */
    async claimDueMessages(limit: number, now: string, leaseUntil: string): Promise<WebhookMessageRecord[]> {
      const candidates = await db
        .selectFrom('webhook_messages as m')
        .innerJoin('webhook_endpoints as e', 'e.id', 'm.endpoint_id')
        .select('m.id')
        .where('e.status', '=', 'active')
        .where((eb) => eb.or([eb('e.throttled_until', 'is', null), eb('e.throttled_until', '<=', now)]))
        .where((eb) => eb.or([eb.and([eb('m.status', '=', DUE), eb('m.next_attempt_at', '<=', now)]), eb.and([eb('m.status', '=', 'sending'), eb('m.locked_until', '<', now)])]))
        .orderBy('m.next_attempt_at')
        .limit(limit)
        .execute();
      if (candidates.length === 0) return [];
      return db
        .updateTable('webhook_messages')
        .set((eb) => ({ status: 'sending', locked_until: leaseUntil, attempts: eb('attempts', '+', 1), updated_at: now }))
        .where('id', 'in', candidates.map((c) => c.id))
        .where((eb) => eb.or([eb.and([eb('status', '=', DUE), eb('next_attempt_at', '<=', now)]), eb.and([eb('status', '=', 'sending'), eb('locked_until', '<', now)])]))
        .returningAll()
        .execute();
    },

    /** One attempt's outcome: the log row and the message's new state together. */
    async recordAttempt(a: { messageId: string; endpointId: string; at: string; statusCode: number | null; error: string | null; durationMs: number }, next: { status: WebhookMessageRecord['status']; nextAttemptAt?: string; now: string }) {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('webhook_attempts').values({ message_id: a.messageId, endpoint_id: a.endpointId, attempted_at: a.at, status_code: a.statusCode, error: a.error, duration_ms: a.durationMs }).execute();
        await trx.updateTable('webhook_messages').set({
          status: next.status, locked_until: null, last_status_code: a.statusCode, last_error: a.error, updated_at: next.now,
          ...(next.status === 'delivered' && { delivered_at: next.now }),
          ...(next.nextAttemptAt && { next_attempt_at: next.nextAttemptAt }),
        }).where('id', '=', a.messageId).execute();
      });
    },

    async listMessages(endpointId: string, page: { limit: number; before?: string | undefined; status?: WebhookMessageRecord['status'] | undefined }) {
      let q = db.selectFrom('webhook_messages').selectAll().where('endpoint_id', '=', endpointId).orderBy('id', 'desc').limit(page.limit + 1);
      if (page.before) q = q.where('id', '<', page.before);
      if (page.status) q = q.where('status', '=', page.status);
      return q.execute();
    },

    async getMessage(id: string): Promise<WebhookMessageRecord | null> {
      return (await db.selectFrom('webhook_messages').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
    },

    async attemptsOf(messageIds: string[]) {
      if (messageIds.length === 0) return [];
      return db.selectFrom('webhook_attempts').select(['message_id as messageId', 'attempted_at as at', 'status_code as statusCode', 'error', 'duration_ms as durationMs'])
        .where('message_id', 'in', messageIds).orderBy('id').execute();
    },

    /** Redelivery: the same message (same `webhook-id` and body) starts a new round of attempts now. */
    async requeueMessage(id: string, now: string) {
      await db.updateTable('webhook_messages').set({ status: 'pending', attempts: 0, next_attempt_at: now, locked_until: null, updated_at: now }).where('id', '=', id).where('status', '!=', 'sending').execute();
    },

    /** Messages waiting on an endpoint that was disabled are not sent. */
    async cancelPending(endpointId: string, now: string) {
      await db.updateTable('webhook_messages').set({ status: 'cancelled', locked_until: null, updated_at: now }).where('endpoint_id', '=', endpointId).where('status', '=', 'pending').execute();
    },

    async insertMessage(m: { id: string; endpointId: string; eventType: string; payload: string; now: string }) {
      await db.insertInto('webhook_messages').values({
        id: m.id, endpoint_id: m.endpointId, event_id: null, event_type: m.eventType, payload: m.payload, status: 'pending', attempts: 0, next_attempt_at: m.now,
        locked_until: null, last_status_code: null, last_error: null, delivered_at: null, created_at: m.now, updated_at: m.now,
      }).execute();
    },
  };
}

export type WebhookRepository = ReturnType<typeof createWebhookRepository>;
