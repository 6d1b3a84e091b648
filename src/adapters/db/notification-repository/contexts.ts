import type { Db } from '../database';
import type { ClassContext, Recipient, RecordingContext } from './records';

/** What a mail shows about a recording or a class, and the people it goes to. */
export function createContextQueries(db: Db) {
  const classQuery = () =>
    db
      .selectFrom('live_classes as c')
      .innerJoin('batches as b', 'b.id', 'c.batch_id')
      .leftJoin('lessons as l', 'l.id', 'c.lesson_id')
      .leftJoin('courses as co', 'co.id', 'l.course_id')
      .select([
        'c.id as liveClassId', 'c.title as liveClassTitle', 'c.provider', 'c.started_at as startedAt', 'c.ended_at as endedAt', 'b.id as batchId', 'b.name as batchName',
        'b.external_id as batchExternalId', 'l.id as lessonId', 'l.title as lessonTitle', 'l.external_id as lessonExternalId', 'co.id as courseId',
        'co.title as courseTitle', 'co.external_id as courseExternalId',
      ]);

  async function recipients(userIds: string[]): Promise<Recipient[]> {
    if (userIds.length === 0) return [];
    const rows = await db
      .selectFrom('users as u')
      .leftJoin('notification_settings as s', 's.user_id', 'u.id')
      .select(['u.id', 'u.name', 'u.email', 'u.role', 's.email_enabled', 's.email_refused_at'])
      .where('u.id', 'in', userIds)
      .orderBy('u.id')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, email: r.email, role: r.role, emailEnabled: r.email_enabled !== 0, refusedAt: r.email_refused_at }));
  }

  return {
    async recordingContext(recordingId: string): Promise<RecordingContext | null> {
      const r = await classQuery()
        .innerJoin('recordings as r', 'r.live_class_id', 'c.id')
        .select(['r.id as recordingId', 'r.title', 'r.status', 'r.duration_seconds as durationSeconds', 'r.media', 'r.processing_error as processingError'])
        .where('r.id', '=', recordingId)
        .executeTakeFirst();
      return r ?? null;
    },
    async classContext(liveClassId: string): Promise<ClassContext | null> {
      return (await classQuery().where('c.id', '=', liveClassId).executeTakeFirst()) ?? null;
    },
    /** The people a recording's mail goes to: its batch's instructors and students, or instructors and admins. */
    async recipientsOf(batchId: string, who: 'class' | 'staff'): Promise<Recipient[]> {
      const instructors = await db.selectFrom('batch_instructors').select('user_id').where('batch_id', '=', batchId).execute();
      const others = who === 'class'
        ? await db.selectFrom('enrollments').select('user_id').where('batch_id', '=', batchId).execute()
        : await db.selectFrom('users').select('id as user_id').where('role', '=', 'admin').execute();
      return recipients([...new Set([...instructors, ...others].map((r) => r.user_id))]);
    },
  };
}
