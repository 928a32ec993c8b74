/**
 * What the Dashboard's and the portal's browser tests share: Debian's Chromium driven by
 * playwright-core, the one screenshots folder, the check that an app is built, the accessible-name
 * check and the token-authorized API calls. Node-only and
 * for tests: no app imports it, so it stays out of both Vite bundles.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/**
 * The controls matching `selector` that have no accessible name (from aria-labelledby, aria-label,
 * their labels, their text or their title), each as the start of its HTML; none is the goal.
 * @example
 * assert.deepEqual(await unnamedControls(page, 'button, input, select, textarea, a'), []);
 */
export async function unnamedControls(page: Page, selector: string): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const nameOf = (el) => {
      const by = el.getAttribute('aria-labelledby');
      if (by) return by.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
      return (el.getAttribute('aria-label') || (el.labels && [...el.labels].map((l) => l.textContent).join(' ')) ||
        el.textContent || el.getAttribute('title') || '').trim();
    };
    return [...document.querySelectorAll(${JSON.stringify(selector)})]
      .filter((el) => !nameOf(el)).map((el) => el.outerHTML.slice(0, 120));
  })()`)) as string[];
}

/**
 * A server's JSON API called with a bearer token (the CLI token of a test's data dir), to set up or check
 * what is behind a page. The body is parsed as JSON when it is JSON, else kept as text (a file).
 */
export function tokenApi(
  baseUrl: string,
  token: string,
): <T>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }> {
  return async (method, path, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // a file, not JSON
    }
    return { status: res.status, body: parsed as never };
  };
}

/** One axe-core finding, cut to what a failing assertion needs to say. */
export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  /** The first few offending elements, as CSS selectors. */
  targets: string[];
}

let axeSource: string | undefined;

/**
 * axe-core's violations of impact `serious` or `critical` on the page as it is now (WCAG 2.x A and AA
 * rules and axe's best practices). axe is evaluated through the DevTools protocol, which the apps'
 * Content-Security-Policy does not govern, so nothing is loosened for the test.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeFinding[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource);
  return (await page.evaluate(`(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.slice(0, 5).map((n) => String(n.target)) }));
  })()`)) as AxeFinding[];
}

/**
 * How much wider than the viewport the page is, in CSS pixels (0 when it does not scroll sideways), and the
 * outermost elements that stick out.
 */
export async function sidewaysOverflow(page: Page): Promise<{ px: number; widest: string[] }> {
  return (await page.evaluate(`(() => {
    const width = document.documentElement.clientWidth;
    const px = Math.max(0, document.documentElement.scrollWidth - width);
    // The outermost elements that stick out, to say what to fix.
    const widest = px === 0 ? [] : [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .filter((el) => !el.parentElement || el.parentElement.getBoundingClientRect().right <= width + 1)
      .slice(0, 5)
      .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : ''));
    return { px, widest };
  })()`)) as { px: number; widest: string[] };
}

/**
 * An instant as the UIs show it in a zone (web-kit's localTime run there): "2026-03-10 09:05 EST", for
 * checking a page opened with that `timezoneId` and the en-US locale.
 */
export function expectedLocalTime(iso: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}
