import { readFile } from 'node:fs/promises';
import type { TestAula } from './aula';

/** Schedules a class through the API and returns its id. */
export async function scheduleClass(t: TestAula, body: Record<string, unknown>): Promise<string> {
  const r = await t.api<{ id: string }>('POST', '/api/v1/live-classes', { body: { durationMinutes: 30, provider: 'upload', startsAt: new Date().toISOString(), ...body } });
  if (r.status !== 201) throw new Error(`schedule → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}

/** Uploads a media file into a class as the raw body, as an LMS or the console does. */
export async function uploadRecording(t: TestAula, liveClassId: string, file: string, opts: { startedAt?: string; title?: string } = {}): Promise<string> {
  const q = new URLSearchParams({ filename: file.split('/').at(-1)! });
  if (opts.startedAt) q.set('startedAt', opts.startedAt);
  if (opts.title) q.set('title', opts.title);
  const r = await t.api<{ id: string }>('POST', `/api/v1/live-classes/${liveClassId}/uploads?${q}`, { rawBody: await readFile(file), headers: { 'content-type': 'video/mp4' } });
  if (r.status !== 201) throw new Error(`upload → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}

/** Waits (bounded) until every rung, thumbnail and the MP4 of the recordings are done. */
export async function waitUntilProcessed(t: TestAula, ids: string[], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const id of ids) {
    for (;;) {
      const r = await t.api<{ status: string; progress: { stage: string } | null }>('GET', `/api/v1/recordings/${id}`);
      if (r.body.status === 'ready' && r.body.progress?.stage === 'done') break;
      if (r.body.status === 'failed' || Date.now() > deadline) throw new Error(`recording ${id} did not become ready: ${JSON.stringify(r.body)}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }
}
