import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { lowerChildPriority } from '../../src/adapters/media/process-priority';

function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
}

/** Debian's Chromium, headless; Playwright gives every launch a fresh temporary profile. `media` adds fake camera/mic and loopback ICE. */
export async function launchChromium(opts: { media?: boolean; args?: string[] } = {}): Promise<{ browser: Browser; closePages(): Promise<void>; close(): Promise<void> }> {
  const args = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
  ];
  if (opts.args) args.push(...opts.args);
  if (opts.media) args.push('--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection');
  const known = new Set(childPids());
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args });
  // Chromium runs in a session of its own: a test run at low priority keeps its browser there too.
  for (const pid of childPids()) if (!known.has(pid)) lowerChildPriority(pid, 0);
  return {
    browser,
    /** Closes every page left open, e.g. by a test that failed half-way, so that it no longer publishes or plays. */
    async closePages() {
      for (const context of browser.contexts()) for (const page of context.pages()) await page.close();
    },
    async close() {
      await browser.close();
    },
  };
}

/** The processes this one started that still run (Linux; none elsewhere). */
function childPids(): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return out;
  }
  for (const e of entries) {
    try {
      // The fields after the command name, which is in parentheses and may hold spaces: state, then the parent.
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) out.push(Number(e));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}
