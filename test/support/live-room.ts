import type { Page } from 'playwright-core';
import type { seedSchool, TestAula } from './aula';
import type { launchChromium } from './browser';

type School = Awaited<ReturnType<typeof seedSchool>>;
type Chrome = Awaited<ReturnType<typeof launchChromium>>;

/** A native live class of the school's first batch and lesson, starting now. */
export async function createNativeClass(t: TestAula, school: School, opts: { title?: string; autoRecord?: boolean } = {}): Promise<string> {
  const r = await t.api<{ id: string }>('POST', '/api/v1/live-classes', {
    body: { title: opts.title ?? 'Live class', batchId: school.batches[0]!.id, lessonId: school.lessons[0]!.id, provider: 'native', startsAt: new Date().toISOString(), durationMinutes: 60, autoRecord: opts.autoRecord ?? false },
  });
  if (r.status !== 201) throw new Error(`creating a live class → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}

/** The live room page in a new tab, signed in the LMS way (?token=); confirmations are accepted. */
export async function openLive(chrome: Chrome, t: TestAula, classId: string, token: string): Promise<Page> {
  const page = await chrome.browser.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${t.url}/live/${classId}?token=${encodeURIComponent(token)}`);
  return page;
}

/** Video frames decoded so far on the page's subscribe connection, per mid. */
export function framesDecodedByMid(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const out: Record<string, number> = {};
    const report = await window.aulaLive?.subscriber?.getStats();
    report?.forEach((r: { type: string; kind?: string; mid?: string; framesDecoded?: number }) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video' && r.mid) out[r.mid] = r.framesDecoded ?? 0;
    });
    return out;
  });
}
