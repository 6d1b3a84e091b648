import type { UsersTable, ApiKeysTable, AuthTokensTable } from './identity';
import type { CoursesTable, ChaptersTable, LessonsTable, BatchesTable, BatchCoursesTable, EnrollmentsTable, BatchInstructorsTable } from './catalog';
import type { LiveClassesTable, RecordingsTable, RecordingEventsTable, ShareLinksTable, RoomHostsTable } from './recordings';
import type { JobsTable, AuditEventsTable } from './jobs-and-audit';
import type { WatchSessionsTable, WatchProgressTable, HomeVisitsTable } from './watch';
import type { ProviderInboxTable, ProviderAttendanceTable, ProviderAccountsTable } from './providers';
import type { LtiPlatformsTable, LtiToolKeysTable, LtiLoginStatesTable, LtiUsedNoncesTable, LtiUsersTable, LtiContextsTable, LtiResourceLinksTable, LtiScoresTable, LtiRegistrationLinksTable } from './lti';
import type { SearchCuesTable, SearchIndexedTable } from './search';
import type { OutboxEventsTable, EmailDeliveriesTable, NotificationSettingsTable, WebhookEndpointsTable, WebhookMessagesTable, WebhookAttemptsTable } from './notifications';

export type { UsersTable, ApiKeysTable, AuthTokensTable } from './identity';
export type { CoursesTable, ChaptersTable, LessonsTable, BatchesTable, BatchCoursesTable, EnrollmentsTable, BatchInstructorsTable } from './catalog';
export type { LiveClassesTable, RecordingsTable, RecordingEventsTable, ShareLinksTable, RoomHostsTable } from './recordings';
export type { JobsTable, AuditEventsTable } from './jobs-and-audit';
export type { WatchSessionsTable, WatchProgressTable, HomeVisitsTable } from './watch';
export type { ProviderInboxTable, ProviderAttendanceTable, ProviderAccountsTable } from './providers';
export type { LtiPlatformsTable, LtiToolKeysTable, LtiLoginStatesTable, LtiUsedNoncesTable, LtiUsersTable, LtiContextsTable, LtiResourceLinksTable, LtiScoresTable, LtiRegistrationLinksTable } from './lti';
export type { SearchCuesTable, SearchIndexedTable } from './search';
export type { OutboxEventsTable, EmailDeliveriesTable, NotificationSettingsTable, WebhookEndpointsTable, WebhookMessagesTable, WebhookAttemptsTable } from './notifications';

/**
 * Table shapes shared by SQLite and PostgreSQL. Times are ISO-8601 UTC strings (sortable text on both),
 * booleans are 0/1 integers, JSON is text: the same repository code runs on either database.
 */
export interface Database {
  users: UsersTable;
  api_keys: ApiKeysTable;
  auth_tokens: AuthTokensTable;
  courses: CoursesTable;
  chapters: ChaptersTable;
  lessons: LessonsTable;
  batches: BatchesTable;
  batch_courses: BatchCoursesTable;
  enrollments: EnrollmentsTable;
  batch_instructors: BatchInstructorsTable;
  live_classes: LiveClassesTable;
  recordings: RecordingsTable;
  recording_events: RecordingEventsTable;
  jobs: JobsTable;
  audit_events: AuditEventsTable;
  watch_sessions: WatchSessionsTable;
  watch_progress: WatchProgressTable;
  provider_inbox: ProviderInboxTable;
  provider_attendance: ProviderAttendanceTable;
  provider_accounts: ProviderAccountsTable;
  lti_platforms: LtiPlatformsTable;
  lti_tool_keys: LtiToolKeysTable;
  lti_login_states: LtiLoginStatesTable;
  lti_used_nonces: LtiUsedNoncesTable;
  lti_users: LtiUsersTable;
  lti_contexts: LtiContextsTable;
  lti_resource_links: LtiResourceLinksTable;
  lti_scores: LtiScoresTable;
  lti_registration_links: LtiRegistrationLinksTable;
  home_visits: HomeVisitsTable;
  search_cues: SearchCuesTable;
  search_indexed: SearchIndexedTable;
  outbox_events: OutboxEventsTable;
  email_deliveries: EmailDeliveriesTable;
  notification_settings: NotificationSettingsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_messages: WebhookMessagesTable;
  webhook_attempts: WebhookAttemptsTable;
  share_links: ShareLinksTable;
  room_hosts: RoomHostsTable;
}
