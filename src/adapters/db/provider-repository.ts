import type { Db } from './database';

export interface ProviderAccountRow<S> {
  id: string;
  name: string;
  /** Non-secret settings, stored as JSON. */
  settings: S;
  secretsEncrypted: string;
  createdAt: string;
}

/** The rows a provider keeps: its accounts, and the webhook deliveries already handled. */
export interface ProviderStore<S> {
  insertAccount(row: ProviderAccountRow<S>): Promise<void>;
  listAccounts(): Promise<ProviderAccountRow<S>[]>;
  getAccount(id: string): Promise<ProviderAccountRow<S> | null>;
  deleteAccount(id: string): Promise<boolean>;
  /** True when this delivery is new; false when it was already received. */
  rememberDelivery(deliveryId: string, now: string): Promise<boolean>;
  forgetDelivery(deliveryId: string): Promise<void>;
  pruneDeliveries(receivedBefore: string): Promise<number>;
}

export function createProviderStore<S>(db: Db, provider: string): ProviderStore<S> {
  const toRow = (r: { id: string; name: string; settings: string; secrets_encrypted: string; created_at: string }): ProviderAccountRow<S> => ({
    id: r.id, name: r.name, settings: JSON.parse(r.settings) as S, secretsEncrypted: r.secrets_encrypted, createdAt: r.created_at,
  });
  const columns = ['id', 'name', 'settings', 'secrets_encrypted', 'created_at'] as const;
  return {
    async insertAccount(a) {
      await db.insertInto('provider_accounts').values({
        id: a.id, provider: provider, name: a.name, settings: JSON.stringify(a.settings), secrets_encrypted: a.secretsEncrypted, created_at: a.createdAt, updated_at: a.createdAt,
      }).execute();
    },
    async listAccounts() {
      return (await db.selectFrom('provider_accounts').select(columns).where('provider', '=', provider).orderBy('id').execute()).map(toRow);
    },
    async getAccount(id) {
      const r = await db.selectFrom('provider_accounts').select(columns).where('provider', '=', provider).where('id', '=', id).executeTakeFirst();
      return r ? toRow(r) : null;
    },
    async deleteAccount(id) {
      const r = await db.deleteFrom('provider_accounts').where('provider', '=', provider).where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    async rememberDelivery(deliveryId, now) {
      const r = await db
        .insertInto('webhook_deliveries')
        .values({ provider: provider, delivery_id: deliveryId, received_at: now })
        .onConflict((oc) => oc.columns(['provider', 'delivery_id']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    async forgetDelivery(deliveryId) {
      await db.deleteFrom('webhook_deliveries').where('provider', '=', provider).where('delivery_id', '=', deliveryId).execute();
    },
    async pruneDeliveries(receivedBefore) {
      const r = await db.deleteFrom('webhook_deliveries').where('provider', '=', provider).where('received_at', '<', receivedBefore).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
