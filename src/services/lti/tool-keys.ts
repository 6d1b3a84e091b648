import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { type Clock, isoNow } from '../../adapters/clock';
import { decryptSecret, encryptSecret, newId } from '../../adapters/crypto';
import type { LtiRepository } from '../../adapters/db/lti-repository';

/** A retired key stays in the JWKS this long, so platforms that cached it still verify what it signed. */
export const KEY_OVERLAP_MS = 7 * 24 * 3600_000;

type SigningKey = { kid: string; key: CryptoKey | Uint8Array };

/**
 * Aula's RS256 key pairs for LTI: the newest signs; retired ones are published until the overlap ends. Private keys
 * are stored encrypted with a key derived from AULA_SECRET.
 */
export function createToolKeys(deps: { repo: Pick<LtiRepository, 'listToolKeys' | 'insertToolKey' | 'retireToolKeys' | 'deleteToolKeysRetiredBefore'>; clock: Clock; encryptionKey: Buffer }) {
  let signing: SigningKey | null = null;
  let creating: Promise<SigningKey> | null = null;

  async function create(): Promise<SigningKey> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const kid = newId();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256' };
    await deps.repo.insertToolKey({ kid, publicJwk: JSON.stringify(publicJwk), privateJwkEncrypted: encryptSecret(deps.encryptionKey, JSON.stringify(privateJwk)), now: isoNow(deps.clock) });
    return { kid, key: privateKey };
  }

  async function current(): Promise<SigningKey> {
    if (signing) return signing;
    creating ??= (async () => {
      const newest = (await deps.repo.listToolKeys()).find((k) => k.retired_at === null);
      const key = newest
        ? { kid: newest.kid, key: await importJWK(JSON.parse(decryptSecret(deps.encryptionKey, newest.private_jwk_encrypted)) as JWK, 'RS256') }
        : await create();
      signing = key;
      return key;
    })().finally(() => {
      creating = null;
    });
    return creating;
  }

  return {
    /** Signs claims with the current key, `kid` in the header. */
    async sign(claims: Record<string, unknown>, typ = 'JWT'): Promise<string> {
      const { kid, key } = await current();
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ }).sign(key);
    },
    /** The published key set: the signing key and those retired within the overlap. */
    async jwks(): Promise<{ keys: JWK[] }> {
      await current();
      const cutoff = new Date(deps.clock.now().getTime() - KEY_OVERLAP_MS).toISOString();
      const keys = (await deps.repo.listToolKeys()).filter((k) => k.retired_at === null || k.retired_at > cutoff);
      return { keys: keys.map((k) => JSON.parse(k.public_jwk) as JWK) };
    },
    /** A new key signs from now on; the old one stays published for the overlap, keys older than that go. */
    async rotate(): Promise<{ kid: string }> {
      const fresh = await create();
      const now = isoNow(deps.clock);
      await deps.repo.retireToolKeys(fresh.kid, now);
      await deps.repo.deleteToolKeysRetiredBefore(new Date(deps.clock.now().getTime() - KEY_OVERLAP_MS).toISOString());
      signing = fresh;
      return { kid: fresh.kid };
    },
  };
}

export type ToolKeys = ReturnType<typeof createToolKeys>;
