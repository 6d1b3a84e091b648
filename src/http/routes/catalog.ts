import { z } from 'zod';
import type { CatalogService } from '../../services/catalog';
import type { HttpApp } from '../app';
import { principalOf } from '../auth';
import { ExternalId, Id, IdParam, PageQuery } from '../schemas';

const Title = z.string().trim().min(1).max(300);
const Description = z.string().trim().max(20_000);
const Position = z.number().int().min(0).max(1_000_000);
const CourseBody = z.strictObject({ title: Title, description: Description.optional(), externalId: ExternalId });
const ChapterBody = z.strictObject({ title: Title, position: Position.optional(), externalId: ExternalId });
const LessonBody = z.strictObject({ title: Title, description: Description.optional(), position: Position.optional(), externalId: ExternalId });
const BatchBody = z.strictObject({ name: Title, courseIds: z.array(Id).max(500).optional(), externalId: ExternalId });
const MemberBody = z.strictObject({ userId: Id });
const MemberParams = z.object({ id: Id, userId: Id });
const ExternalLookup = PageQuery.extend({ externalId: z.string().trim().min(1).max(200).optional() });

export function registerCatalogRoutes(app: HttpApp, catalog: CatalogService) {
  // ---- courses
  app.post('/api/v1/courses', { schema: { tags: ['catalog'], summary: 'Create a course (admin)', body: CourseBody } }, async (req, reply) => {
    reply.status(201);
    return catalog.createCourse(principalOf(req), req.body);
  });
  app.get('/api/v1/courses', { schema: { tags: ['catalog'], summary: 'Courses visible to the caller; ?externalId= looks one up', querystring: ExternalLookup } }, async (req) => {
    const p = principalOf(req);
    if (req.query.externalId) return { items: [await catalog.getCourseByExternalId(p, req.query.externalId)], nextCursor: null };
    return catalog.listCourses(p, req.query);
  });
  app.get('/api/v1/courses/:id', { schema: { tags: ['catalog'], summary: 'A course with its chapters and lessons', params: IdParam } }, async (req) =>
    catalog.getCourseOutline(principalOf(req), req.params.id),
  );
  app.patch('/api/v1/courses/:id', { schema: { tags: ['catalog'], params: IdParam, body: CourseBody.partial() } }, async (req) =>
    catalog.updateCourse(principalOf(req), req.params.id, req.body),
  );
  app.delete('/api/v1/courses/:id', { schema: { tags: ['catalog'], params: IdParam } }, async (req, reply) => {
    await catalog.deleteCourse(principalOf(req), req.params.id);
    return reply.status(204).send();
  });

  // ---- chapters
  app.post('/api/v1/courses/:id/chapters', { schema: { tags: ['catalog'], summary: 'Add a chapter to a course (admin)', params: IdParam, body: ChapterBody } }, async (req, reply) => {
    reply.status(201);
    return catalog.createChapter(principalOf(req), req.params.id, req.body);
  });
  app.get('/api/v1/courses/:id/chapters', { schema: { tags: ['catalog'], params: IdParam } }, async (req) => ({ items: await catalog.listChapters(principalOf(req), req.params.id) }));
  app.get('/api/v1/chapters/:id', { schema: { tags: ['catalog'], params: IdParam } }, async (req) => catalog.getChapter(principalOf(req), req.params.id));
  app.patch('/api/v1/chapters/:id', { schema: { tags: ['catalog'], params: IdParam, body: ChapterBody.partial() } }, async (req) =>
    catalog.updateChapter(principalOf(req), req.params.id, req.body),
  );
  app.delete('/api/v1/chapters/:id', { schema: { tags: ['catalog'], params: IdParam } }, async (req, reply) => {
    await catalog.deleteChapter(principalOf(req), req.params.id);
    return reply.status(204).send();
  });

  // ---- lessons
  app.post('/api/v1/chapters/:id/lessons', { schema: { tags: ['catalog'], summary: 'Add a lesson to a chapter (admin)', params: IdParam, body: LessonBody } }, async (req, reply) => {
    reply.status(201);
    return catalog.createLesson(principalOf(req), req.params.id, req.body);
  });
  app.get('/api/v1/chapters/:id/lessons', { schema: { tags: ['catalog'], params: IdParam } }, async (req) => ({ items: await catalog.listLessons(principalOf(req), req.params.id) }));
  app.get('/api/v1/lessons', { schema: { tags: ['catalog'], summary: 'Look a lesson up by externalId', querystring: z.object({ externalId: z.string().trim().min(1).max(200) }) } }, async (req) => ({
    items: [await catalog.getLessonByExternalId(principalOf(req), req.query.externalId)],
    nextCursor: null,
  }));
  app.get('/api/v1/lessons/:id', { schema: { tags: ['catalog'], params: IdParam } }, async (req) => catalog.getLesson(principalOf(req), req.params.id));
  app.patch('/api/v1/lessons/:id', { schema: { tags: ['catalog'], params: IdParam, body: LessonBody.partial() } }, async (req) =>
    catalog.updateLesson(principalOf(req), req.params.id, req.body),
  );
  app.delete('/api/v1/lessons/:id', { schema: { tags: ['catalog'], params: IdParam } }, async (req, reply) => {
    await catalog.deleteLesson(principalOf(req), req.params.id);
    return reply.status(204).send();
  });

  // ---- batches
  app.post('/api/v1/batches', { schema: { tags: ['batches'], summary: 'Create a batch (cohort) linked to courses (admin)', body: BatchBody } }, async (req, reply) => {
    reply.status(201);
    return catalog.createBatch(principalOf(req), req.body);
  });
  app.get('/api/v1/batches', { schema: { tags: ['batches'], summary: 'Batches visible to the caller; ?externalId= looks one up', querystring: ExternalLookup } }, async (req) => {
    const p = principalOf(req);
    if (req.query.externalId) return { items: [await catalog.getBatchByExternalId(p, req.query.externalId)], nextCursor: null };
    return catalog.listBatches(p, req.query);
  });
  app.get('/api/v1/batches/:id', { schema: { tags: ['batches'], params: IdParam } }, async (req) => catalog.getBatch(principalOf(req), req.params.id));
  app.patch('/api/v1/batches/:id', { schema: { tags: ['batches'], params: IdParam, body: BatchBody.partial() } }, async (req) =>
    catalog.updateBatch(principalOf(req), req.params.id, req.body),
  );
  app.delete('/api/v1/batches/:id', { schema: { tags: ['batches'], params: IdParam } }, async (req, reply) => {
    await catalog.deleteBatch(principalOf(req), req.params.id);
    return reply.status(204).send();
  });

  for (const which of ['students', 'instructors'] as const) {
    const add = which === 'students' ? catalog.enroll : catalog.assignInstructor;
    const remove = which === 'students' ? catalog.unenroll : catalog.unassignInstructor;
    app.post(`/api/v1/batches/:id/${which}`, { schema: { tags: ['batches'], summary: which === 'students' ? 'Enroll a student (admin)' : 'Assign an instructor (admin)', params: IdParam, body: MemberBody } }, async (req, reply) => {
      const { created } = await add.call(catalog, principalOf(req), req.params.id, req.body.userId);
      reply.status(created ? 201 : 200);
      return { batchId: req.params.id, userId: req.body.userId, created };
    });
    app.get(`/api/v1/batches/:id/${which}`, { schema: { tags: ['batches'], params: IdParam } }, async (req) => ({ items: await catalog.listMembers(principalOf(req), req.params.id, which) }));
    app.delete(`/api/v1/batches/:id/${which}/:userId`, { schema: { tags: ['batches'], params: MemberParams } }, async (req, reply) => {
      await remove.call(catalog, principalOf(req), req.params.id, req.params.userId);
      return reply.status(204).send();
    });
  }
}
