import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { LiveKitApi, LiveKitCredentials } from '../../../adapters/providers/livekit-api';
import { LiveKitApiError } from '../../../domain/providers/livekit/api-error';
import { Unprocessable } from '../../../domain/errors';
import type { ProviderAccount, ProviderAccountSpec } from '../provider-module';

const WsUrl = z.url({ protocol: /^wss?$/ }).max(500);
const HttpUrl = z.url({ protocol: /^https?$/ }).max(500);
const AbsolutePath = z.string().trim().min(1).max(1000).refine((p) => path.isAbsolute(p) && !p.split(/[\\/]/).includes('..'), 'must be an absolute path without ..');

/** What an admin sends to connect a LiveKit server (self-hosted or LiveKit Cloud). */
export const LiveKitAccountInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  /** Where browsers connect (ws:// or wss://). */
  serverUrl: WsUrl,
  /** The server's HTTP API base; by default the server URL with http(s). */
  apiUrl: HttpUrl.optional(),
  apiKey: z.string().trim().min(1).max(200),
  apiSecret: z.string().min(1).max(500),
  /**
   * Where egress writes: Aula's own S3 bucket (with STORAGE=s3), or a directory this machine shares with the egress
   * host (with local storage), given as Aula sees it and as the egress host sees it.
   */
  egress: z.discriminatedUnion('storage', [
    z.strictObject({ storage: z.literal('s3') }),
    z.strictObject({ storage: z.literal('directory'), directory: AbsolutePath, directoryOnEgressHost: AbsolutePath.optional() }),
  ]),
});

export interface LiveKitAccount {
  id: string;
  serverUrl: string;
  credentials: LiveKitCredentials;
  egress: { storage: 's3' } | { storage: 'directory'; directory: string; directoryOnEgressHost: string };
}

export function liveKitAccount(account: ProviderAccount): LiveKitAccount {
  const s = account.settings as { serverUrl: string; apiUrl: string; apiKey: string; egress: LiveKitAccount['egress'] };
  return { id: account.id, serverUrl: s.serverUrl, egress: s.egress, credentials: { apiUrl: s.apiUrl, apiKey: s.apiKey, apiSecret: account.secrets.apiSecret ?? '' } };
}

export function liveKitAccountSpec(deps: { api: LiveKitApi; storageKind: 'local' | 's3' }): ProviderAccountSpec {
  return {
    input: LiveKitAccountInput,
    async prepare(body) {
      const input = LiveKitAccountInput.parse(body);
      if (input.egress.storage === 's3' && deps.storageKind !== 's3') throw new Unprocessable('egress.storage "s3" writes into Aula\'s bucket, but Aula runs with STORAGE=local; use "directory"');
      if (input.egress.storage === 'directory') {
        try {
          await access(input.egress.directory, constants.R_OK | constants.W_OK);
        } catch {
          throw new Unprocessable(`egress.directory ${input.egress.directory} is not a directory Aula can read and write`);
        }
      }
      const apiUrl = (input.apiUrl ?? input.serverUrl.replace(/^ws/, 'http')).replace(/\/$/, '');
      try {
        await deps.api.checkCredentials({ apiUrl, apiKey: input.apiKey, apiSecret: input.apiSecret });
      } catch (err) {
        if (!(err instanceof LiveKitApiError)) throw err;
        throw new Unprocessable(err.kind === 'unauthorized' ? `LiveKit refused this API key and secret: ${err.message}` : `Could not check the credentials with LiveKit: ${err.message}`);
      }
      const egress = input.egress.storage === 's3' ? { storage: 's3' as const } : { storage: 'directory' as const, directory: input.egress.directory, directoryOnEgressHost: input.egress.directoryOnEgressHost ?? input.egress.directory };
      return { name: input.name, settings: { serverUrl: input.serverUrl, apiUrl, apiKey: input.apiKey, egress }, secrets: { apiSecret: input.apiSecret } };
    },
    view(account) {
      const s = account.settings;
      return { serverUrl: s.serverUrl, apiUrl: s.apiUrl, apiKey: s.apiKey, egress: s.egress };
    },
  };
}
