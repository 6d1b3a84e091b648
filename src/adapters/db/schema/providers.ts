/** Verified provider webhook deliveries, kept until handled and for a week after (deduplication). */
export interface ProviderInboxTable {
  id: string;
  provider: string;
  account_id: string;
  delivery_id: string;
  event_type: string;
  body_encrypted: string;
  status: 'received' | 'done' | 'failed';
  attempts: number;
  claimed_until: string | null;
  /** JSON: what handling the event did, as answered to the provider. */
  outcome: string | null;
  received_at: string;
  handled_at: string | null;
}

/** Time present in a provider's room (LiveKit), per participant session. */
export interface ProviderAttendanceTable {
  live_class_id: string;
  session_id: string;
  user_id: string | null;
  identity: string;
  name: string;
  joined_at: string;
  left_at: string | null;
}

export interface ProviderAccountsTable {
  id: string;
  provider: string;
  name: string;
  /** Non-secret settings as JSON. */
  settings: string;
  /** Secrets as AES-GCM ciphertext (base64url) keyed from AULA_SECRET. */
  secrets_encrypted: string;
  created_at: string;
  updated_at: string;
}
