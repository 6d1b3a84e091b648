export interface LtiPlatformsTable {
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_url: string;
  /** JSON array of the platform's deployment ids that may launch. */
  deployment_ids: string;
  /** The course a context's new batch takes; null creates a course per context. */
  course_id: string | null;
  administrator_role: 'admin' | 'instructor' | 'student';
  created_at: string;
  updated_at: string;
}

export interface LtiToolKeysTable {
  kid: string;
  public_jwk: string;
  /** AES-GCM ciphertext of the private JWK, keyed from AULA_SECRET. */
  private_jwk_encrypted: string;
  created_at: string;
  /** Set when a newer key took over signing; still published during the overlap. */
  retired_at: string | null;
}

export interface LtiLoginStatesTable {
  state: string;
  platform_id: string;
  nonce: string;
  /** SHA-256 of the secret kept in the browser that started the login. */
  binding_hash: string;
  created_at: string;
  expires_at: string;
  verified_at: string | null;
  /** JSON: where the verified launch lands (user, redirect). */
  outcome: string | null;
  session_issued_at: string | null;
}

export interface LtiUsedNoncesTable {
  platform_id: string;
  nonce: string;
  expires_at: string;
}

export interface LtiUsersTable {
  platform_id: string;
  subject: string;
  user_id: string;
}

export interface LtiContextsTable {
  id: string;
  platform_id: string;
  context_id: string;
  batch_id: string;
  title: string;
  memberships_url: string | null;
  last_synced_at: string | null;
  created_at: string;
}

export interface LtiResourceLinksTable {
  id: string;
  context_row_id: string;
  link_id: string;
  lesson_id: string | null;
  line_item_url: string | null;
  created_at: string;
  updated_at: string;
}

export interface LtiScoresTable {
  id: string;
  resource_link_row_id: string;
  user_id: string;
  subject: string;
  posted_percent: number | null;
  posted_timestamp: string | null;
  created_at: string;
}

export interface LtiRegistrationLinksTable {
  id: string;
  token_hash: string;
  name: string;
  course_id: string | null;
  administrator_role: 'admin' | 'instructor' | 'student';
  created_at: string;
  expires_at: string;
  used_at: string | null;
}
