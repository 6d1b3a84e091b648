import type { Db } from '../database';

/** OIDC login states and used nonces: each launch is verified once. */
export function createLoginQueries(db: Db) {
  return {
    async insertLoginState(s: { state: string; platformId: string; nonce: string; bindingHash: string; now: string; expiresAt: string }) {
      await db.insertInto('lti_login_states').values({
        state: s.state, platform_id: s.platformId, nonce: s.nonce, binding_hash: s.bindingHash, created_at: s.now, expires_at: s.expiresAt, verified_at: null, outcome: null, session_issued_at: null,
      }).execute();
    },
    async getLoginState(state: string) {
      return db.selectFrom('lti_login_states').selectAll().where('state', '=', state).executeTakeFirst();
    },
    /** Records the verified launch's outcome once; false when the state was already used. */
    async markLoginVerified(state: string, outcome: string, now: string) {
      const r = await db.updateTable('lti_login_states').set({ verified_at: now, outcome }).where('state', '=', state).where('verified_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async markSessionIssued(state: string, now: string) {
      const r = await db.updateTable('lti_login_states').set({ session_issued_at: now }).where('state', '=', state).where('session_issued_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    /** True the first time a platform's nonce is seen; false for a replay. */
    async useNonce(platformId: string, nonce: string, expiresAt: string) {
      const r = await db.insertInto('lti_used_nonces').values({ platform_id: platformId, nonce, expires_at: expiresAt }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async pruneLoginRecords(now: string) {
      await db.deleteFrom('lti_login_states').where('expires_at', '<', now).execute();
      await db.deleteFrom('lti_used_nonces').where('expires_at', '<', now).execute();
    },
  };
}
