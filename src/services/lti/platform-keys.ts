import { compactVerify, createLocalJWKSet, errors, type JSONWebKeySet } from 'jose';
import type { PlatformHttp } from '../../adapters/lti/platform-http';
import { LtiRefusal } from '../../domain/lti/refusal';
import { errorMessage } from '../../domain/error-text';

/** How long a platform's key set is trusted before it is fetched again even when every kid is known. */
const JWKS_TTL_MS = 3600_000;

/**
 * Verifies a platform's RS256 signatures with its JWKS, cached per URL. A `kid` missing from the cached set fetches
 * the set again (the platform rotated its key) once; still missing is a refusal. Concurrent fetches share one request.
 */
export function createPlatformKeys(deps: { http: Pick<PlatformHttp, 'getJson'> }) {
  const cache = new Map<string, { set: ReturnType<typeof createLocalJWKSet>; at: number }>();
  const inflight = new Map<string, Promise<ReturnType<typeof createLocalJWKSet>>>();

  function fetchSet(url: string) {
    let p = inflight.get(url);
    if (!p) {
      p = (async () => {
        let body: unknown;
        try {
          body = await deps.http.getJson(url);
        } catch (err) {
          throw new LtiRefusal('lti_platform_error', `Could not fetch the platform's keys from ${url}: ${errorMessage(err)}`);
        }
        if (!body || typeof body !== 'object' || !Array.isArray((body as JSONWebKeySet).keys)) throw new LtiRefusal('lti_platform_error', `${url} did not answer a JSON Web Key Set`);
        const set = createLocalJWKSet(body as JSONWebKeySet);
        cache.set(url, { set, at: Date.now() });
        return set;
      })().finally(() => inflight.delete(url));
      inflight.set(url, p);
    }
    return p;
  }

  async function verifyWith(set: ReturnType<typeof createLocalJWKSet>, jwt: string): Promise<Record<string, unknown>> {
    const { payload } = await compactVerify(jwt, set, { algorithms: ['RS256'] });
    const claims = JSON.parse(new TextDecoder().decode(payload)) as unknown;
    if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw new LtiRefusal('lti_bad_request', 'The id_token payload is not a JSON object');
    return claims as Record<string, unknown>;
  }

  return {
    /** The verified payload of a compact JWS signed by the platform, or an LtiRefusal saying why not. */
    async verify(jwksUrl: string, jwt: string): Promise<Record<string, unknown>> {
      const hit = cache.get(jwksUrl);
      let set = hit && Date.now() - hit.at < JWKS_TTL_MS ? hit.set : await fetchSet(jwksUrl);
      for (let attempt = 0; ; attempt++) {
        try {
          return await verifyWith(set, jwt);
        } catch (err) {
          if (err instanceof errors.JWKSNoMatchingKey && attempt === 0 && set === hit?.set) {
            set = await fetchSet(jwksUrl);
            continue;
          }
          if (err instanceof LtiRefusal) throw err;
          if (err instanceof errors.JWKSNoMatchingKey) throw new LtiRefusal('lti_unknown_key', 'The id_token is signed with a key (kid) the platform does not publish');
          if (err instanceof errors.JWSSignatureVerificationFailed) throw new LtiRefusal('lti_bad_signature', 'The id_token\'s signature does not verify with the platform\'s key');
          if (err instanceof errors.JOSEAlgNotAllowed) throw new LtiRefusal('lti_bad_signature', 'The id_token must be signed with RS256');
          if (err instanceof errors.JWKSMultipleMatchingKeys) throw new LtiRefusal('lti_unknown_key', 'The id_token has no kid and the platform publishes several keys');
          throw new LtiRefusal('lti_bad_request', `The id_token is not a valid JWT: ${errorMessage(err)}`);
        }
      }
    },
  };
}

export type PlatformKeys = ReturnType<typeof createPlatformKeys>;
