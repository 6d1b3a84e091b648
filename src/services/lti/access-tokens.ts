import { z } from 'zod';
import type { Clock } from '../../adapters/clock';
import { randomToken } from '../../adapters/crypto';
import type { LtiPlatformRecord } from '../../adapters/db/lti-repository';
import type { PlatformHttp } from '../../adapters/lti/platform-http';
import { clientAssertionClaims } from '../../domain/lti/messages';
import type { ToolKeys } from './tool-keys';

const TokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().optional(), scope: z.string().optional() });

/** OAuth2 client-credentials tokens for LTI Advantage services, signed client assertion, cached until shortly before expiry. */
export function createAccessTokens(deps: { http: Pick<PlatformHttp, 'requestToken'>; keys: Pick<ToolKeys, 'sign'>; clock: Clock }) {
  const cache = new Map<string, { token: string; until: number }>();
  return {
    async tokenFor(platform: LtiPlatformRecord, scopes: string[]): Promise<string> {
      const key = `${platform.id} ${scopes.join(' ')}`;
      const now = deps.clock.now().getTime();
      const hit = cache.get(key);
      if (hit && hit.until > now) return hit.token;
      const assertion = await deps.keys.sign(clientAssertionClaims(platform.clientId, platform.tokenEndpoint, randomToken(16), Math.floor(now / 1000)));
      const answer = TokenAnswer.parse(await deps.http.requestToken(platform.tokenEndpoint, {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope: scopes.join(' '),
      }));
      const lifetimeMs = (answer.expires_in ?? 3600) * 1000;
      cache.set(key, { token: answer.access_token, until: now + Math.max(0, lifetimeMs - 60_000) });
      return answer.access_token;
    },
    forget(platformId: string) {
      for (const k of cache.keys()) if (k.startsWith(`${platformId} `)) cache.delete(k);
    },
  };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;
