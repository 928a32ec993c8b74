/**
 * What the Dashboard's and the portal's browser tests share: Debian's Chromium driven by
 * playwright-core, the one screenshots folder, and the check that an app is built. Node-only and
 * for tests: no app imports it, so it stays out of both Vite bundles.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;
/** `.artifacts/screenshots/`: where the browser tests leave what a person may want to look at. */
export const SCREENSHOTS = join(REPO_ROOT, '.artifacts', 'screenshots');
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Debian's Chromium; a missing browser fails the test (it is installed by CI), never skips it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run apt-get install -y chromium (the browser tests need it)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * Throws unless `dist` holds a built app: the tests run against what ships.
 * @param app the app in the message, e.g. "the portal"
 * @param dist its Vite build's folder, ending in `/`
 */
export function assertBuilt(app: string, dist: string): void {
  if (!existsSync(join(dist, 'index.html'))) {
    throw new Error(`${app} is not built (${dist}index.html is missing): run npm run build first`);
  }
}

/**
 * Saves `.artifacts/screenshots/FILE.png` of the whole page and returns its path.
 * @param o.scrollToTop first scroll to the top, where sticky bars would land mid-page in a shot taken while scrolled
 */
export async function saveScreenshot(page: Page, file: string, o: { scrollToTop?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${file}.png`);
  if (o.scrollToTop) await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path, fullPage: true });
  return path;
}
