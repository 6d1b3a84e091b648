import { execFileSync } from 'node:child_process';
import { type Browser, chromium } from 'playwright-core';

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
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args });
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
