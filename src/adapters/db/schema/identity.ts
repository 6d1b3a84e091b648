export interface UsersTable {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'instructor' | 'student';
  password_hash: string | null;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  key_prefix: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface AuthTokensTable {
  id: string;
  user_id: string;
  token_hash: string;
  kind: 'login' | 'lms';
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}
