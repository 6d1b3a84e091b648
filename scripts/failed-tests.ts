// Prints, after all parts of `npm test` have run, every test that failed in any part, with the first lines of why,
// so the end of a long run's output says what failed without searching the interleaved logs above it.
// Usage: tsx scripts/failed-tests.ts <vitest JSON report>...
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { z } from 'zod';

const assertionSchema = z.object({
  fullName: z.string(),
  status: z.string(),
  failureMessages: z.array(z.string()).default([]),
});
const reportSchema = z.object({
  numFailedTests: z.number().default(0),
  testResults: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      message: z.string().default(''),
      assertionResults: z.array(assertionSchema).default([]),
    }),
  ),
});

const FIRST_LINES = 6;
const excerpt = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, FIRST_LINES)
    .map((line) => `      ${line.slice(0, 300)}`)
    .join('\n');

let failed = 0;
const lines: string[] = [];
for (const path of process.argv.slice(2)) {
  if (!existsSync(path)) {
    lines.push(`  ${path}: no report (that part did not finish)`);
    failed += 1;
    continue;
  }
  const report = reportSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  for (const file of report.testResults) {
    const name = relative(process.cwd(), file.name);
    const failures = file.assertionResults.filter((test) => test.status === 'failed');
    if (file.status === 'failed' && failures.length === 0) {
      failed += 1;
      lines.push(`  ✗ ${name} (the file failed outside its tests)`, excerpt(file.message));
    }
    for (const test of failures) {
      failed += 1;
      lines.push(`  ✗ ${name} > ${test.fullName}`, excerpt(test.failureMessages.join('\n')));
    }
  }
}
console.log(failed === 0 ? '\naula: every test passed' : `\naula: ${failed} failed:\n${lines.join('\n')}`);
