import { ConstraintViolation } from '../../domain/errors';

/** What a row of each table is called in a message. */
const ENTITY: Record<string, string> = {
  users: 'user', api_keys: 'API key', auth_tokens: 'token', courses: 'course', chapters: 'chapter', lessons: 'lesson', batches: 'batch',
  batch_courses: 'course of the batch', enrollments: 'enrolment', batch_instructors: 'instructor assignment', live_classes: 'live class',
  recordings: 'recording', provider_accounts: 'provider account',
};
const FIELD: Record<string, string> = { external_id: 'externalId', email: 'email', course_id: 'courseId', batch_id: 'batchId', lesson_id: 'lessonId', user_id: 'userId', chapter_id: 'chapterId', live_class_id: 'liveClassId', external_ref: 'externalRef' };

const entityOf = (table: string | undefined) => (table && ENTITY[table]) || 'record';
const fieldOf = (column: string) => FIELD[column] ?? column;

/**
 * The one translation of database constraint errors (SQLite and PostgreSQL) into a typed 409/422, so a race that
 * slips past a service's own check — two concurrent creates with one email — still answers with the field at fault.
 * Anything else is returned as null and stays an internal error.
 */
export function constraintViolationOf(err: unknown): ConstraintViolation | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { code?: unknown; message?: unknown; detail?: unknown; table?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  const detail = typeof e.detail === 'string' ? e.detail : '';
  const table = typeof e.table === 'string' ? e.table : undefined;

  // better-sqlite3: "UNIQUE constraint failed: users.email" (several columns for a composite key).
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const columns = /constraint failed: (.+)$/.exec(message)?.[1]?.split(',').map((c) => c.trim().split('.')) ?? [];
    const sqliteTable = columns[0]?.[0];
    const fields = columns.map(([, column]) => fieldOf(column ?? ''));
    return unique(sqliteTable, fields);
  }
  // SQLite does not say which key failed; the services check references first, this is the safety net.
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new ConstraintViolation('referenced', null, 'The change refers to a record that does not exist, or removes one that others still refer to');
  }
  // node-postgres: SQLSTATE with "Key (email)=(…) already exists." / "Key (id)=(…) is still referenced from table "x"."
  if (code === '23505') {
    const columns = /^Key \(([^)]+)\)=/.exec(detail)?.[1]?.split(',').map((c) => fieldOf(c.trim())) ?? [];
    return unique(table, columns);
  }
  if (code === '23503') {
    const column = /^Key \(([^)]+)\)=/.exec(detail)?.[1]?.trim();
    const referencedBy = /still referenced from table "([^"]+)"/.exec(detail)?.[1];
    if (referencedBy) return new ConstraintViolation('referenced', null, `This ${entityOf(table)} is still referred to by ${entityOf(referencedBy)} records; remove those first`);
    const field = column ? fieldOf(column) : null;
    return new ConstraintViolation('reference', field, field ? `${field} names a record that does not exist` : 'The change refers to a record that does not exist');
  }
  return null;
}

function unique(table: string | undefined, fields: string[]): ConstraintViolation {
  const field = fields.join(', ') || null;
  const what = entityOf(table);
  return new ConstraintViolation('unique', field, field ? `A ${what} with this ${field} already exists` : `This ${what} already exists`);
}
