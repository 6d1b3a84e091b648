import { z } from 'zod';
import type { CloudflareApi, CloudflareCredentials } from '../../../adapters/providers/cloudflare-api';
import { CloudflareApiError } from '../../../domain/providers/cloudflare/api-error';
import { Unprocessable } from '../../../domain/errors';
import { isUsablePublicKey } from '../../../domain/providers/cloudflare/signatures';
import type { ProviderAccount, ProviderAccountSpec } from '../provider-module';

const Secret = z.string().min(8).max(500);

/** What an admin sends to connect a Cloudflare account (Stream, and optionally a RealtimeKit app). */
export const CloudflareAccountInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  accountId: z.string().trim().regex(/^[0-9a-f]{32}$/i, 'a Cloudflare account id is 32 hexadecimal characters'),
  apiToken: z.string().trim().min(20).max(500),
  /** The secret Cloudflare returned when the Stream webhook URL was set (`PUT /stream/webhook`). */
  streamWebhookSecret: Secret,
  /** The secret of the Notifications webhook destination that receives live input events (`cf-webhook-auth`). */
  notificationSecret: Secret,
  realtimeKit: z.strictObject({
    appId: z.string().trim().min(1).max(100),
    /** PEM; when absent, Cloudflare's published key is fetched once and kept with the account. */
    webhookPublicKey: z.string().trim().max(10_000).optional(),
    hostPreset: z.string().trim().min(1).max(100).default('group_call_host'),
    participantPreset: z.string().trim().min(1).max(100).default('group_call_participant'),
  }).optional(),
  /** `import`: Aula copies each video and serves it; `keep`: the video stays on Cloudflare, played with signed URLs. */
  storage: z.enum(['import', 'keep']).default('import'),
  /** Cloudflare deletes a live input's recordings this many days after they are made (30–1096); unset keeps them. */
  deleteRecordingAfterDays: z.number().int().min(30).max(1096).nullable().default(null),
});

export interface CloudflareAccount {
  id: string;
  credentials: CloudflareCredentials;
  streamWebhookSecret: string;
  notificationSecret: string;
  realtimeKit: { appId: string; webhookPublicKey: string; hostPreset: string; participantPreset: string } | null;
  storage: 'import' | 'keep';
  deleteRecordingAfterDays: number | null;
  /** Keep storage: the Stream signing key Aula made for this account. */
  signingKey: { id: string; pemBase64: string } | null;
}

type Settings = {
  accountId: string; storage: 'import' | 'keep'; deleteRecordingAfterDays: number | null; signingKeyId: string | null;
  realtimeKit: { appId: string; webhookPublicKey: string; keySource: 'given' | 'published'; hostPreset: string; participantPreset: string } | null;
};

export function cloudflareAccount(account: ProviderAccount): CloudflareAccount {
  const s = account.settings as Settings;
  const secret = (k: string) => account.secrets[k] ?? '';
  return {
    id: account.id, credentials: { accountId: s.accountId, apiToken: secret('apiToken') }, streamWebhookSecret: secret('streamWebhookSecret'), notificationSecret: secret('notificationSecret'),
    realtimeKit: s.realtimeKit && { appId: s.realtimeKit.appId, webhookPublicKey: s.realtimeKit.webhookPublicKey, hostPreset: s.realtimeKit.hostPreset, participantPreset: s.realtimeKit.participantPreset },
    storage: s.storage, deleteRecordingAfterDays: s.deleteRecordingAfterDays,
    signingKey: s.signingKeyId && account.secrets.signingKeyPem ? { id: s.signingKeyId, pemBase64: account.secrets.signingKeyPem } : null,
  };
}

function refusal(err: unknown, what: string): never {
  if (!(err instanceof CloudflareApiError)) throw err;
  throw new Unprocessable(err.kind === 'unauthorized' ? `Cloudflare refused this API token for account ${what}: ${err.message}` : `Could not ${what} with Cloudflare: ${err.message}`);
}

export function cloudflareAccountSpec(api: CloudflareApi): ProviderAccountSpec {
  return {
    input: CloudflareAccountInput,
    async prepare(body) {
      const input = CloudflareAccountInput.parse(body);
      const credentials = { accountId: input.accountId, apiToken: input.apiToken };
      await api.checkCredentials(credentials).catch((err: unknown) => refusal(err, 'check the API token'));
      let realtimeKit: Settings['realtimeKit'] = null;
      if (input.realtimeKit) {
        const given = input.realtimeKit.webhookPublicKey;
        const key = given ?? (await api.fetchRealtimeKitPublicKey().catch((err: unknown) => refusal(err, 'fetch RealtimeKit\'s webhook public key')));
        if (!isUsablePublicKey(key)) throw new Unprocessable('realtimeKit.webhookPublicKey is not an RSA public key in PEM form');
        realtimeKit = { appId: input.realtimeKit.appId, webhookPublicKey: key, keySource: given ? 'given' : 'published', hostPreset: input.realtimeKit.hostPreset, participantPreset: input.realtimeKit.participantPreset };
      }
      // Keep storage plays videos from Cloudflare with signed URLs: Aula makes its own signing key once.
      const signingKey = input.storage === 'keep' ? await api.createSigningKey(credentials).catch((err: unknown) => refusal(err, 'create a Stream signing key')) : null;
      const settings: Settings = { accountId: input.accountId, storage: input.storage, deleteRecordingAfterDays: input.deleteRecordingAfterDays, signingKeyId: signingKey?.id ?? null, realtimeKit };
      return {
        name: input.name, settings,
        secrets: { apiToken: input.apiToken, streamWebhookSecret: input.streamWebhookSecret, notificationSecret: input.notificationSecret, ...(signingKey && { signingKeyPem: signingKey.pem }) },
      };
    },
    view(account) {
      const s = account.settings as Settings;
      return {
        accountId: s.accountId, storage: s.storage, deleteRecordingAfterDays: s.deleteRecordingAfterDays, signingKeyId: s.signingKeyId,
        realtimeKit: s.realtimeKit && { appId: s.realtimeKit.appId, webhookPublicKeySource: s.realtimeKit.keySource, hostPreset: s.realtimeKit.hostPreset, participantPreset: s.realtimeKit.participantPreset },
      };
    },
  };
}
