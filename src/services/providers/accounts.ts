import type { Logger } from 'pino';
import { type Clock, isoNow } from '../../adapters/clock';
import { decryptSecret, encryptSecret, newId } from '../../adapters/crypto';
import type { ProviderAccountRow, ProviderAccountStore } from '../../adapters/db/provider-repository';
import { NotFound } from '../../domain/errors';
import { type Principal, requireRole } from '../../domain/identity';
import type { PreparedAccount, ProviderAccount, ProviderAccountSpec, RemoteProvider } from './provider-module';

const ACCOUNT_CACHE_MS = 30_000;

export interface ProviderAccountView {
  id: string;
  provider: RemoteProvider;
  name: string;
  webhookUrl: string;
  createdAt: string;
  [setting: string]: unknown;
}

export interface ProviderAccountsDeps {
  store: ProviderAccountStore;
  clock: Clock;
  logger: Logger;
  /** Encrypts account secrets at rest. */
  secretKey: Buffer;
  publicUrl: string;
}

/** Every provider's accounts, stored the same way; modules load them (decrypted, briefly cached) by id. */
export function createProviderAccounts(deps: ProviderAccountsDeps) {
  const { store, clock } = deps;
  const cache = new Map<string, { account: ProviderAccount; until: number }>();

  function toAccount(row: ProviderAccountRow): ProviderAccount {
    return {
      id: row.id, provider: row.provider as RemoteProvider, name: row.name, settings: row.settings, createdAt: row.createdAt,
      secrets: JSON.parse(decryptSecret(deps.secretKey, row.secretsEncrypted)) as Record<string, string>,
    };
  }

  const webhookUrl = (provider: RemoteProvider, id: string) => `${deps.publicUrl}/webhooks/${provider}/${id}`;

  function view(spec: ProviderAccountSpec, account: ProviderAccount): ProviderAccountView {
    return { id: account.id, provider: account.provider, name: account.name, ...spec.view(account), webhookUrl: webhookUrl(account.provider, account.id), createdAt: account.createdAt };
  }

  /** An account of this provider, or null (unknown id, or an account of another provider). */
  async function load(provider: RemoteProvider, id: string): Promise<ProviderAccount | null> {
    const hit = cache.get(id);
    if (hit && hit.until > Date.now()) return hit.account.provider === provider ? hit.account : null;
    const row = await store.get(id);
    if (!row) {
      cache.delete(id);
      return null;
    }
    const account = toAccount(row);
    cache.set(id, { account, until: Date.now() + ACCOUNT_CACHE_MS });
    return account.provider === provider ? account : null;
  }

  return {
    load,
    webhookUrl,

    async create(actor: Principal, provider: RemoteProvider, spec: ProviderAccountSpec, body: Record<string, unknown>): Promise<ProviderAccountView> {
      requireRole(actor, 'admin');
      const prepared: PreparedAccount = await spec.prepare(body);
      const row: ProviderAccountRow = {
        id: newId(), provider, name: prepared.name, settings: prepared.settings,
        secretsEncrypted: encryptSecret(deps.secretKey, JSON.stringify(prepared.secrets)), createdAt: isoNow(clock),
      };
      await store.insert(row);
      deps.logger.info({ provider, accountId: row.id }, 'provider account added');
      return view(spec, toAccount(row));
    },

    async list(actor: Principal, provider: RemoteProvider, spec: ProviderAccountSpec): Promise<ProviderAccountView[]> {
      requireRole(actor, 'admin');
      return (await store.list(provider)).map((row) => view(spec, toAccount(row)));
    },

    async remove(actor: Principal, provider: RemoteProvider, spec: ProviderAccountSpec, label: string, id: string): Promise<void> {
      requireRole(actor, 'admin');
      const account = await load(provider, id);
      if (!account || !(await store.delete(provider, id))) throw new NotFound(`${label} account`, id);
      cache.delete(id);
      spec.forget?.(account);
      deps.logger.info({ provider, accountId: id }, 'provider account removed');
    },
  };
}

export type ProviderAccounts = ReturnType<typeof createProviderAccounts>;
