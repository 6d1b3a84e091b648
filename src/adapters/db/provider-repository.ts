import type { Db } from './database';

export interface ProviderAccountRow {
  id: string;
  provider: string;
  name: string;
  /** Non-secret settings, stored as JSON. */
  settings: Record<string, unknown>;
  secretsEncrypted: string;
  createdAt: string;
}

/** Provider accounts of every provider, stored the same way: settings in the clear, secrets encrypted beside them. */
export interface ProviderAccountStore {
  insert(row: ProviderAccountRow): Promise<void>;
  list(provider: string): Promise<ProviderAccountRow[]>;
  get(id: string): Promise<ProviderAccountRow | null>;
  delete(provider: string, id: string): Promise<boolean>;
}

export function createProviderAccountStore(db: Db): ProviderAccountStore {
  const toRow = (r: { id: string; provider: string; name: string; settings: string; secrets_encrypted: string; created_at: string }): ProviderAccountRow => ({
    id: r.id, provider: r.provider, name: r.name, settings: JSON.parse(r.settings) as Record<string, unknown>, secretsEncrypted: r.secrets_encrypted, createdAt: r.created_at,
  });
  const columns = ['id', 'provider', 'name', 'settings', 'secrets_encrypted', 'created_at'] as const;
  return {
    async insert(a) {
      await db.insertInto('provider_accounts').values({
        id: a.id, provider: a.provider, name: a.name, settings: JSON.stringify(a.settings), secrets_encrypted: a.secretsEncrypted, created_at: a.createdAt, updated_at: a.createdAt,
      }).execute();
    },
    async list(provider) {
      return (await db.selectFrom('provider_accounts').select(columns).where('provider', '=', provider).orderBy('id').execute()).map(toRow);
    },
    async get(id) {
      const r = await db.selectFrom('provider_accounts').select(columns).where('id', '=', id).executeTakeFirst();
      return r ? toRow(r) : null;
    },
    async delete(provider, id) {
      const r = await db.deleteFrom('provider_accounts').where('provider', '=', provider).where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
