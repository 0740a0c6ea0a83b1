/**
 * Browser helpers for the dashboard e2e suites: Debian's Chromium driven by
 * playwright-core, a fresh profile per run, console-error capture, screenshots
 * under test-artifacts/screenshots/, and a build of the SPA when it is stale.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, ConsoleMessage, Locator, Page } from 'playwright-core';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-artifacts', 'screenshots');
const DIST_INDEX = join(ROOT, 'frontend', 'dist', 'index.html');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser suite cannot run here, or null when it can. */
export function browserSkipReason(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)`;
  if (!process.env.FLAREVAULT_URL) return 'FLAREVAULT_URL is not set (jest globalSetup test/setup/global-setup.ts did not start the local stack)';
  return null;
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const name of readdirSync(path)) max = Math.max(max, newestMtime(join(path, name)));
  return max;
}

function spaStale(): boolean {
  const sources = [join(ROOT, 'frontend', 'src'), join(ROOT, 'frontend', 'index.html'), join(ROOT, 'frontend', 'vite.config.ts'), join(ROOT, 'frontend', 'public')];
  const newest = Math.max(...sources.filter(existsSync).map(newestMtime));
  return !existsSync(DIST_INDEX) || statSync(DIST_INDEX).mtimeMs < newest;
}

/**
 * Build frontend/dist when it is missing or older than any source file (the gateway serves it from disk).
 * Suites run in parallel workers: one builds while the others wait on a lock directory (mkdir is atomic),
 * since Vite empties dist/ first and a second build would pull files from under a running suite.
 */
export function ensureSpaBuilt(): void {
  if (!spaStale()) return;
  const lock = join(tmpdir(), `flarevault-spa-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed run (a build takes well under a minute) is taken over.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 180_000) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(sleep, 0, 0, 200);
    }
  }
  try {
    if (!spaStale()) return;
    console.log('e2e: frontend/dist is missing or stale; running the Vite build…');
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'frontend/vite.config.ts', '--logLevel', 'warn'], {
      cwd: ROOT,
      stdio: 'inherit',
      // jest sets NODE_ENV=test, which would make Vite ship React's development build.
      env: { ...process.env, NODE_ENV: 'production' },
    });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Build @flarevault/sdk (frontend/sdk/dist) when it is missing or older than its sources: the example app serves it. */
export function ensureSdkBuilt(): void {
  const dist = join(ROOT, 'frontend', 'sdk', 'dist', 'index.js');
  const newest = Math.max(...[join(ROOT, 'frontend', 'sdk', 'src'), join(ROOT, 'frontend', 'core')].map(newestMtime));
  if (existsSync(dist) && statSync(dist).mtimeMs >= newest) return;
  console.log('e2e: frontend/sdk/dist is missing or stale; building the SDK…');
  execFileSync(process.execPath, [join(ROOT, 'frontend', 'sdk', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launch(viewport = { width: 1280, height: 900 }): Promise<Browser> {
  // Required lazily so the suite can be skipped without loading playwright.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'flarevault-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale: 'en-US',
    reducedMotion: 'reduce', // screenshots show final states, not mid-transition
    timezoneId: 'UTC',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface ConsoleProblem {
  kind: 'console' | 'pageerror';
  text: string;
  url?: string;
}

/**
 * Collects console errors and uncaught exceptions. Chromium also logs every
 * non-2xx fetch as "Failed to load resource"; answers the SPA expects and
 * handles (listed in `allow`) are not errors of the page.
 */
export class ConsoleWatch {
  private problems: ConsoleProblem[] = [];
  allow: Array<{ status: number; path: RegExp }> = [];

  constructor(page: Page) {
    page.on('console', (msg: ConsoleMessage) => {
      if (msg.type() !== 'error') return;
      const url = msg.location().url;
      const m = /status of (\d{3})/.exec(msg.text());
      if (m && url) {
        const status = Number(m[1]);
        const path = new URL(url).pathname;
        if (this.allow.some((a) => a.status === status && a.path.test(path))) return;
      }
      this.problems.push({ kind: 'console', text: msg.text(), url });
    });
    page.on('pageerror', (err) => this.problems.push({ kind: 'pageerror', text: String(err?.stack ?? err) }));
  }

  /** Returns and clears what was collected since the last call. */
  take(): ConsoleProblem[] {
    const p = this.problems;
    this.problems = [];
    return p;
  }
}

const shots = new Map<string, number>();
/** Empties a screenshot folder (default test-artifacts/screenshots/, its own files only: suites in sub-folders keep theirs) so a run's files are numbered from 01. */
export function resetScreenshots(dir = SCREENSHOTS): void {
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isFile()) rmSync(join(dir, entry.name), { force: true });
  shots.set(dir, 0);
}

export async function screenshot(page: Page, name: string, dir = SCREENSHOTS): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const n = (shots.get(dir) ?? 0) + 1;
  shots.set(dir, n);
  const file = join(dir, `${String(n).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/* playwright-core has no web-first assertions (those live in @playwright/test); these few poll the same way. */

/** Waits until the (first) element is visible. */
export async function seen(locator: Locator, timeout?: number): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout });
}

/** Polls `probe` until it returns true, or throws with `what` after `timeout` ms. */
export async function eventually(what: string, probe: () => Promise<boolean>, timeout = 15_000): Promise<void> {
  const end = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function countIs(locator: Locator, n: number, timeout?: number): Promise<void> {
  let got = -1;
  await eventually(`${n} elements`, async () => (got = await locator.count()) === n, timeout).catch((e) => {
    throw new Error(`${(e as Error).message} (last count ${got})`);
  });
}

export async function textIs(locator: Locator, expected: string | RegExp, timeout?: number): Promise<void> {
  let got: string | null = null;
  await eventually(`text ${String(expected)}`, async () => {
    got = (await locator.first().textContent())?.trim() ?? null;
    return got !== null && (typeof expected === 'string' ? got === expected : expected.test(got));
  }, timeout).catch((e) => {
    throw new Error(`${(e as Error).message} (last text ${JSON.stringify(got)})`);
  });
}

/** A suite's browser: the SPA built if stale, the suite's screenshot folder emptied, Chromium launched, its console watched. */
export async function openSuiteBrowser(shotsDir: string): Promise<Browser & { watch: ConsoleWatch; shot: (name: string) => Promise<string> }> {
  ensureSpaBuilt();
  resetScreenshots(shotsDir);
  const browser = await launch();
  return { ...browser, watch: new ConsoleWatch(browser.page), shot: (name) => screenshot(browser.page, name, shotsDir) };
}

/** A verification URI names the public URL (PUBLIC_URL); the test browser reaches the same page through the local gateway. */
export function viaGateway(uri: string): string {
  const u = new URL(uri);
  return `${process.env.FLAREVAULT_URL ?? ''}${u.pathname}${u.search}`;
}

/** Fills the login form (the page must be showing it) and submits it. */
export async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/**
 * WCAG 2.1 A/AA violations axe-core finds on the page as it is now (axe is the engine of
 * Lighthouse's accessibility category, which test/e2e/lighthouse.test.ts holds at 100 on /login;
 * axe-core is a devDependency). Each as `rule: selectors`.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') refuses an injected <script>.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  return violations;
}
