import type { Generated } from 'kysely';

/** Something that happened which people or the LMS are told about; written in the transaction of the change. */
export interface OutboxEventsTable {
  id: string;
  type: string;
  subject_id: string;
  /** JSON: the ids the event names, fixed when it happened. */
  data: string;
  occurred_at: string;
  dispatched_at: string | null;
  locked_until: string | null;
}

export interface EmailDeliveriesTable {
  id: string;
  event_id: string;
  /** One mail per kind, subject and user: a recording's retries and renditions never mail twice. */
  kind: string;
  subject_id: string;
  user_id: string;
  to_address: string;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';
  attempts: number;
  next_attempt_at: string;
  locked_until: string | null;
  last_error: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface NotificationSettingsTable {
  user_id: string;
  email_enabled: number;
  /** Set when the mail server refused the address for good; mails to it are skipped. */
  email_refused_at: string | null;
  email_refused_reason: string | null;
  updated_at: string;
}

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  description: string;
  /** JSON array of event types. */
  event_types: string;
  secret_encrypted: string;
  /** The secret before the last rotation, still signing until `previous_secret_expires_at`. */
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: string | null;
  status: 'active' | 'disabled';
  disabled_reason: string | null;
  throttled_until: string | null;
  created_at: string;
  updated_at: string;
}

/** One event for one endpoint: the `webhook-id` and the exact body every attempt sends. */
export interface WebhookMessagesTable {
  id: string;
  endpoint_id: string;
  event_id: string | null;
  event_type: string;
  payload: string;
  status: 'pending' | 'sending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  next_attempt_at: string;
  locked_until: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  message_id: string;
  endpoint_id: string;
  attempted_at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}
