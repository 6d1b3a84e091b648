import type { Generated } from 'kysely';

export interface JobsTable {
  id: string;
  name: string;
  data: string;
  /** Deduplicates: an enqueue with a key already queued or running is a no-op. */
  dedupe_key: string | null;
  status: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  max_attempts: number;
  run_at: string;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: string;
  actor_user_id: string | null;
  actor_kind: string;
  recording_id: string | null;
  action: string;
  outcome: 'allowed' | 'denied';
  ip: string | null;
  user_agent: string | null;
  detail: string | null;
}
