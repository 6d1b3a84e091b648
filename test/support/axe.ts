import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[]; failureSummary?: string }[] }
export type ImpactCounts = Record<'minor' | 'moderate' | 'serious' | 'critical', number>;

/** Runs axe-core inside the page against WCAG 2.x A/AA (2.2 included) and best practices. */
export async function runAxe(page: Page): Promise<{ violations: AxeViolation[]; counts: ImpactCounts }> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  const counts: ImpactCounts = { minor: 0, moderate: 0, serious: 0, critical: 0 };
  for (const v of violations) if (v.impact && v.impact in counts) counts[v.impact as keyof ImpactCounts] += 1;
  return { violations, counts };
}
