import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[]; failureSummary?: string }[] }
export type ImpactCounts = Record<'minor' | 'moderate' | 'serious' | 'critical', number>;

const WCAG_AA_AND_BEST_PRACTICE = { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] };
/** The rules a palette decides: what a change of theme alone can break. */
export const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];

/** Runs axe-core inside the page against WCAG 2.x A/AA (2.2 included) and best practices, or only the rules named. */
export async function runAxe(page: Page, rules?: string[]): Promise<{ violations: AxeViolation[]; counts: ImpactCounts }> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: axePath });
  const runOnly = rules ? { type: 'rule', values: rules } : WCAG_AA_AND_BEST_PRACTICE;
  const violations = await page.evaluate(async (only) => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: only, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  }, runOnly);
  const counts: ImpactCounts = { minor: 0, moderate: 0, serious: 0, critical: 0 };
  for (const v of violations) if (v.impact && v.impact in counts) counts[v.impact as keyof ImpactCounts] += 1;
  return { violations, counts };
}
