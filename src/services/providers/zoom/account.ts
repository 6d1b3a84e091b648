import { z } from 'zod';
import type { ZoomApi, ZoomCredentials } from '../../../adapters/providers/zoom-api';
import { ZoomApiError } from '../../../domain/providers/zoom/api-error';
import { Unprocessable } from '../../../domain/errors';
import type { ProviderAccount, ProviderAccountSpec } from '../provider-module';

const Secret = z.string().min(1).max(500);

/** What an admin sends to connect a Server-to-Server OAuth app. */
export const ZoomAccountInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  accountId: z.string().trim().min(1).max(200),
  clientId: z.string().trim().min(1).max(200),
  clientSecret: Secret,
  webhookSecretToken: Secret,
  /** The Zoom user whose meetings Aula creates and whose recordings it syncs; `me` by default. */
  hostUser: z.string().trim().min(1).max(320).optional(),
});

/** A Zoom account as the module uses it. */
export interface ZoomAccount {
  id: string;
  accountId: string;
  hostUser: string;
  credentials: ZoomCredentials;
  webhookSecretToken: string;
}

export function zoomAccount(account: ProviderAccount): ZoomAccount {
  const s = account.settings as { accountId: string; clientId: string; hostUser: string };
  return {
    id: account.id, accountId: s.accountId, hostUser: s.hostUser,
    credentials: { accountId: s.accountId, clientId: s.clientId, clientSecret: account.secrets.clientSecret ?? '' },
    webhookSecretToken: account.secrets.webhookSecretToken ?? '',
  };
}

export function zoomAccountSpec(api: ZoomApi): ProviderAccountSpec {
  return {
    input: ZoomAccountInput,
    async prepare(body) {
      const input = ZoomAccountInput.parse(body);
      const credentials: ZoomCredentials = { accountId: input.accountId, clientId: input.clientId, clientSecret: input.clientSecret };
      try {
        await api.checkCredentials(credentials);
      } catch (err) {
        if (!(err instanceof ZoomApiError)) throw err;
        throw new Unprocessable(err.kind === 'unauthorized' ? `Zoom refused these credentials: ${err.message}` : `Could not check the credentials with Zoom: ${err.message}`);
      }
      return {
        name: input.name,
        settings: { accountId: input.accountId, clientId: input.clientId, hostUser: input.hostUser ?? 'me' },
        secrets: { clientSecret: input.clientSecret, webhookSecretToken: input.webhookSecretToken },
      };
    },
    view(account) {
      const s = account.settings;
      return { accountId: s.accountId, clientId: s.clientId, hostUser: s.hostUser };
    },
    forget(account) {
      api.forget(zoomAccount(account).credentials);
    },
  };
}
