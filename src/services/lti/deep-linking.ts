import { type Clock } from '../../adapters/clock';
import { randomToken } from '../../adapters/crypto';
import type { CatalogRepository } from '../../adapters/db/catalog-repository';
import type { LtiRepository } from '../../adapters/db/lti-repository';
import type { RecordingRepository } from '../../adapters/db/recording-repository';
import { AccessDenied, NotFound, Unprocessable } from '../../domain/errors';
import type { Principal } from '../../domain/identity';
import { deepLinkingResponseClaims } from '../../domain/lti/messages';
import type { LtiLaunchService } from './launch';
import type { ToolKeys } from './tool-keys';

/**
 * Deep Linking: the instructor picks a lesson (or one of its recordings) from the courses of the LMS course's
 * batch; Aula answers with a signed LtiDeepLinkingResponse for the platform's return URL.
 */
export function createLtiDeepLinking(deps: {
  launch: Pick<LtiLaunchService, 'deepLinkRequest'>;
  repo: Pick<LtiRepository, 'getPlatform'>;
  catalog: Pick<CatalogRepository, 'getBatch' | 'listCourses' | 'listLessonsOfCourse' | 'getLesson' | 'getCourse'>;
  recordings: Pick<RecordingRepository, 'list' | 'getForAccess'>;
  keys: Pick<ToolKeys, 'sign'>;
  clock: Clock;
  publicUrl: string;
}) {
  async function mustRequest(state: string, viewer: Principal) {
    const request = await deps.launch.deepLinkRequest(state, viewer);
    if (!request || request.kind !== 'deep-link') throw new AccessDenied('This content picker belongs to another launch; open it again from the LMS');
    return request;
  }

  async function courseIdsOf(batchId: string | null): Promise<string[]> {
    if (batchId) return (await deps.catalog.getBatch(batchId))?.courseIds ?? [];
    return (await deps.catalog.listCourses(null, { limit: 200 })).items.map((c) => c.id);
  }

  return {
    /** Lessons of the batch's courses, each with its ready recordings newest first. */
    async options(state: string, viewer: Principal) {
      const request = await mustRequest(state, viewer);
      const courses = [];
      for (const courseId of await courseIdsOf(request.batchId)) {
        const course = await deps.catalog.getCourse(courseId);
        if (!course) continue;
        const lessons = await deps.catalog.listLessonsOfCourse(courseId);
        courses.push({
          id: course.id,
          title: course.title,
          lessons: await Promise.all(lessons.map(async (l) => ({
            id: l.id,
            title: l.title,
            recordings: (await deps.recordings.list({ lessonId: l.id, batchIds: null, statuses: ['ready'], limit: 50 })).map((r) => ({ id: r.id, title: r.liveClass.title, startedAt: r.startedAt })),
          }))),
        });
      }
      return { courses };
    },

    /** The signed response and where the browser posts it. */
    async respond(state: string, viewer: Principal, pick: { lessonId?: string | undefined; recordingId?: string | undefined }) {
      const request = await mustRequest(state, viewer);
      const platform = await deps.repo.getPlatform(request.platformId);
      if (!platform) throw new NotFound('LTI platform', request.platformId);
      let item: { title: string; url: string; custom: Record<string, string> };
      const allowed = new Set(await courseIdsOf(request.batchId));
      if (pick.recordingId) {
        const rec = await deps.recordings.getForAccess(pick.recordingId);
        if (!rec || rec.status !== 'ready' || !rec.lessonId) throw new NotFound('Recording', pick.recordingId);
        const lesson = await deps.catalog.getLesson(rec.lessonId);
        if (!lesson || !allowed.has(lesson.courseId)) throw new Unprocessable('This recording is not in a course of this LMS course\'s batch');
        item = { title: `${lesson.title}: ${rec.title}`, url: `${deps.publicUrl}/lti/launch`, custom: { aula_lesson_id: lesson.id, aula_recording_id: rec.id } };
      } else if (pick.lessonId) {
        const lesson = await deps.catalog.getLesson(pick.lessonId);
        if (!lesson) throw new NotFound('Lesson', pick.lessonId);
        if (!allowed.has(lesson.courseId)) throw new Unprocessable('This lesson is not in a course of this LMS course\'s batch');
        item = { title: lesson.title, url: `${deps.publicUrl}/lti/launch`, custom: { aula_lesson_id: lesson.id } };
      } else {
        throw new Unprocessable('Pick a lessonId or a recordingId');
      }
      const jwt = await deps.keys.sign(deepLinkingResponseClaims({
        clientId: platform.clientId, issuer: platform.issuer, deploymentId: request.deploymentId, nonce: randomToken(16),
        data: request.data, items: [item], nowSeconds: Math.floor(deps.clock.now().getTime() / 1000),
      }));
      return { returnUrl: request.returnUrl, jwt, item };
    },
  };
}

export type LtiDeepLinking = ReturnType<typeof createLtiDeepLinking>;
