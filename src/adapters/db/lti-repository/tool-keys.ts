import type { Db } from '../database';

/** Aula's signing keys for LTI, newest first; retired keys stay published for a while. */
export function createToolKeyQueries(db: Db) {
  return {
    async listToolKeys() {
      return db.selectFrom('lti_tool_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid', 'desc').execute();
    },
    async insertToolKey(k: { kid: string; publicJwk: string; privateJwkEncrypted: string; now: string }) {
      await db.insertInto('lti_tool_keys').values({ kid: k.kid, public_jwk: k.publicJwk, private_jwk_encrypted: k.privateJwkEncrypted, created_at: k.now, retired_at: null }).execute();
    },
    async retireToolKeys(exceptKid: string, now: string) {
      await db.updateTable('lti_tool_keys').set({ retired_at: now }).where('kid', '!=', exceptKid).where('retired_at', 'is', null).execute();
    },
    async deleteToolKeysRetiredBefore(before: string) {
      await db.deleteFrom('lti_tool_keys').where('retired_at', '<', before).execute();
    },
  };
}
