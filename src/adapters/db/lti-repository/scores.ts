import type { Db } from '../database';
import { getPlatform } from './platforms';
import type { ScoreTarget } from './records';

/** Resource links and the watch-time scores posted for them. */
export function createScoreQueries(db: Db) {
  return {
    async getResourceLink(contextRowId: string, linkId: string) {
      return db.selectFrom('lti_resource_links').selectAll().where('context_row_id', '=', contextRowId).where('link_id', '=', linkId).executeTakeFirst();
    },
    async insertResourceLink(l: { id: string; contextRowId: string; linkId: string; lessonId: string | null; lineItemUrl: string | null; now: string }) {
      await db.insertInto('lti_resource_links').values({
        id: l.id, context_row_id: l.contextRowId, link_id: l.linkId, lesson_id: l.lessonId, line_item_url: l.lineItemUrl, created_at: l.now, updated_at: l.now,
      }).onConflict((oc) => oc.columns(['context_row_id', 'link_id']).doNothing()).execute();
    },
    async updateResourceLink(id: string, patch: { lessonId: string | null; lineItemUrl: string | null; now: string }) {
      await db.updateTable('lti_resource_links').set({ lesson_id: patch.lessonId, line_item_url: patch.lineItemUrl, updated_at: patch.now }).where('id', '=', id).execute();
    },
    async ensureScore(s: { id: string; resourceLinkRowId: string; userId: string; subject: string; now: string }) {
      await db.insertInto('lti_scores').values({
        id: s.id, resource_link_row_id: s.resourceLinkRowId, user_id: s.userId, subject: s.subject, posted_percent: null, posted_timestamp: null, created_at: s.now,
      }).onConflict((oc) => oc.columns(['resource_link_row_id', 'user_id']).doNothing()).execute();
    },
    /** Scores a viewer's watching of this recording feeds: graded links of the recording's lesson in its batch. */
    async scoreIdsForWatch(userId: string, recordingId: string) {
      const rows = await db.selectFrom('recordings as r').innerJoin('live_classes as c', 'c.id', 'r.live_class_id')
        .innerJoin('lti_resource_links as k', 'k.lesson_id', 'c.lesson_id').innerJoin('lti_contexts as x', (j) => j.onRef('x.id', '=', 'k.context_row_id').onRef('x.batch_id', '=', 'c.batch_id'))
        .innerJoin('lti_scores as s', (j) => j.onRef('s.resource_link_row_id', '=', 'k.id').on('s.user_id', '=', userId))
        .select('s.id').where('r.id', '=', recordingId).where('k.line_item_url', 'is not', null).execute();
      return rows.map((r) => r.id);
    },
    async getScoreTarget(scoreId: string): Promise<ScoreTarget | null> {
      const r = await db.selectFrom('lti_scores as s').innerJoin('lti_resource_links as k', 'k.id', 's.resource_link_row_id').innerJoin('lti_contexts as x', 'x.id', 'k.context_row_id')
        .select(['s.id', 's.subject', 's.user_id', 's.posted_percent', 's.posted_timestamp', 'k.line_item_url', 'k.lesson_id', 'x.batch_id', 'x.platform_id'])
        .where('s.id', '=', scoreId).executeTakeFirst();
      if (!r || !r.line_item_url || !r.lesson_id) return null;
      const platform = await getPlatform(db, r.platform_id);
      if (!platform) return null;
      return {
        scoreId: r.id, subject: r.subject, userId: r.user_id, postedPercent: r.posted_percent, postedTimestamp: r.posted_timestamp,
        lineItemUrl: r.line_item_url, lessonId: r.lesson_id, batchId: r.batch_id, platform,
      };
    },
    async markScorePosted(scoreId: string, percent: number, timestamp: string) {
      await db.updateTable('lti_scores').set({ posted_percent: percent, posted_timestamp: timestamp }).where('id', '=', scoreId).execute();
    },
    /** Seconds watched and seconds available over the lesson's ready recordings in one batch. */
    async lessonWatch(lessonId: string, batchId: string, userId: string) {
      const recs = await db.selectFrom('recordings as r').innerJoin('live_classes as c', 'c.id', 'r.live_class_id')
        .leftJoin('watch_progress as w', (j) => j.onRef('w.recording_id', '=', 'r.id').on('w.user_id', '=', userId))
        .select(['r.duration_seconds', 'w.watched_seconds'])
        .where('c.lesson_id', '=', lessonId).where('c.batch_id', '=', batchId).where('r.status', '=', 'ready').execute();
      return {
        totalSeconds: recs.reduce((s, r) => s + (r.duration_seconds ?? 0), 0),
        watchedSeconds: recs.reduce((s, r) => s + Math.min(r.watched_seconds ?? 0, r.duration_seconds ?? 0), 0),
      };
    },
  };
}
