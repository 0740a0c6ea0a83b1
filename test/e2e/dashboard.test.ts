/**
 * The dashboard walk of issue 7, as a new user, in a real browser against the
 * local stack (jest globalSetup): sign up → enable MFA → log in again with a
 * recovery code → add a sandbox account → zones and DNS → find-and-replace
 * across zones → progress to done → new values in the DNS table → revert →
 * values restored; a plan over the safety threshold needing the typed
 * confirmation; then jobs, security, outbox, session expiry and 375 px.
 *
 * Steps whose API routes are not in functions/platform/manifest.ts yet are skipped
 * (reported as skipped, with the missing routes named in the test title).
 * Screenshots: test-artifacts/screenshots/. Every step asserts no console
 * errors and no uncaught exceptions.
 */
import { TOTP, Secret } from 'otpauth';
import type { Page } from 'playwright-core';
import { routes } from '../../functions/platform/manifest';
import { ConsoleWatch, browserSkipReason, countIs, ensureSpaBuilt, eventually, launch, resetScreenshots, screenshot, seen, textIs, type Browser } from './support/browser';
import { SESSION_COOKIE } from '../../functions/platform/names';
import { call } from '../support/http';
import { authorizeQuery, exchange, pkcePair } from '../support/hosted-login';

const skipReason = browserSkipReason();
if (skipReason) console.warn(`\n[e2e] dashboard suite skipped: ${skipReason}\n`);

const have = new Set(routes.map((r) => `${r.method} ${r.path}`));
const AUTH = ['POST /api/v1/auth/signup', 'POST /api/v1/auth/login', 'GET /api/v1/me', 'POST /api/v1/auth/logout'];
const MFA = ['POST /api/v1/auth/mfa/totp/enroll', 'POST /api/v1/auth/mfa/totp/confirm'];
const CF = ['POST /api/v1/cloudflare/accounts', 'GET /api/v1/cloudflare/accounts', 'GET /api/v1/cloudflare/accounts/{id}/zones', 'GET /api/v1/cloudflare/accounts/{id}/zones/{zoneId}/dns-records'];
const JOBS = ['POST /api/v1/jobs', 'GET /api/v1/jobs/{id}', 'GET /api/v1/jobs/{id}/items', 'POST /api/v1/jobs/{id}/apply', 'GET /api/v1/jobs/{id}/events'];

/** A test that runs only when its routes exist; otherwise skipped with the missing routes in its title. */
let onFailure: (name: string) => Promise<void> = async () => undefined;
function step(name: string, needs: string[], fn: () => Promise<void>, timeout = 90_000): void {
  const missing = needs.filter((k) => !have.has(k));
  if (skipReason || missing.length) {
    test.skip(missing.length ? `${name} (needs ${missing.join(', ')})` : name, fn);
    return;
  }
  test(
    name,
    async () => {
      try {
        await fn();
      } catch (e) {
        await onFailure(name).catch(() => undefined);
        throw e;
      }
    },
    timeout,
  );
}

/** API paths of routes the manifest does not have yet: the SPA gets 404 there (e.g. the overview asks for jobs). */
const notYetRoutes = routes.length
  ? [...new Set([...AUTH, ...MFA, ...CF, ...JOBS, 'GET /api/v1/jobs', 'GET /api/v1/audit-events', 'GET /api/v1/dev/outbox'])]
      .filter((k) => !have.has(k))
      .map((k) => new RegExp(`^${k.split(' ')[1]!.replace(/\{[^}]+\}/g, '[^/]+')}$`))
  : [];

const describeBrowser = skipReason ? describe.skip : describe;

describeBrowser('dashboard (browser e2e)', () => {
  let b: Browser;
  let page: Page;
  let watch: ConsoleWatch;
  const base = process.env.FLAREVAULT_URL ?? '';
  const email = `e2e-${Date.now().toString(36)}@example.com`;
  const password = 'correct horse battery staple 42';
  let recoveryCodes: string[] = [];
  let accountId = '';
  let zoneId = '';
  let zoneName = '';
  let originalContent = '';
  const NEW_CONTENT = '203.0.113.77';
  let jobId = '';

  const url = (path: string) => `${base}${path}`;
  const go = async (path: string) => {
    await page.goto(url(path));
  };
  const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
  const expectClean = () => expect(watch.take()).toEqual([]);

  async function logIn(code?: { recovery: string }): Promise<void> {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    if (code) {
      await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
      await page.getByLabel('Recovery code').fill(code.recovery);
      await page.getByRole('button', { name: 'Verify and log in' }).click();
    }
  }

  async function waitForJobDone(id: string): Promise<void> {
    await page.waitForURL(`**/jobs/${id}`);
    await page.getByText(/^(done|partially-failed|failed)$/).first().waitFor({ timeout: 60_000 });
    await seen(page.locator('h1').getByText('done', { exact: true }));
  }

  beforeAll(async () => {
    ensureSpaBuilt();
    resetScreenshots();
    b = await launch();
    page = b.page;
    page.setDefaultTimeout(15_000);
    watch = new ConsoleWatch(page);
    // Answers the SPA asks for and handles: the MFA step, the outbox outside local mode.
    // (Signed-out first loads ask the public /auth/session, which answers 200.)
    watch.allow = [
      { status: 401, path: /^\/api\/v1\/auth\/login$/ },
      { status: 404, path: /^\/api\/v1\/dev\/outbox$/ },
      ...notYetRoutes.map((path) => ({ status: 404, path })),
    ];
    onFailure = async (name) => {
      await screenshot(page, `FAILED-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`);
    };
  }, 120_000);

  afterAll(async () => {
    await b?.close();
  });


  step('signed out: / goes to log in; sign up creates the account, lands on the overview and verifies the email from the outbox', [...AUTH, 'GET /api/v1/dev/outbox', 'POST /api/v1/auth/email/verify'], async () => {
    await go('/');
    await page.waitForURL('**/login');
    await seen(heading('Log in'));
    await screenshot(page, 'login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await seen(heading('Create your account'));
    // Server-side validation lands next to the field (the 400 is expected).
    watch.allow.push({ status: 400, path: /^\/api\/v1\/auth\/signup$/ });
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await seen(page.locator('[data-field-error="password"]'));
    await screenshot(page, 'signup-field-error');
    watch.allow.pop();
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await seen(heading('Overview'));
    await screenshot(page, 'overview-new-user');
    // Connecting Cloudflare accounts (a later step) waits for a verified email: open the mailed link.
    await go('/outbox');
    const verifyLink = page.locator('a[href*="/verify-email#token="]').first();
    await seen(verifyLink, 20_000);
    await verifyLink.click();
    await page.getByRole('button', { name: 'Verify my email' }).click();
    await seen(page.getByText(`${email} is verified.`));
    expectClean();
  });

  step('security: enable TOTP MFA with the QR code; recovery codes shown once', [...AUTH, ...MFA], async () => {
    await go('/security?tab=mfa');
    await page.getByRole('button', { name: 'Set up two-factor' }).click();
    const secret = (await page.locator('[data-totp-secret]').textContent())!.trim();
    await seen(page.getByRole('img', { name: /QR code/ }));
    await screenshot(page, 'mfa-enrol');
    const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate();
    await page.getByLabel('6-digit code from the app').fill(code);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('[data-recovery-codes]').waitFor();
    recoveryCodes = await page.locator('[data-recovery-codes] li').allTextContents();
    expect(recoveryCodes.length).toBeGreaterThanOrEqual(2);
    await screenshot(page, 'mfa-recovery-codes');
    await page.getByRole('button', { name: 'I saved them' }).click();
    await seen(page.getByText('Two-factor authentication is on.'));
    expectClean();
  });

  step('log out, then log in: the MFA step asks for a code; a recovery code works', [...AUTH, ...MFA], async () => {
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL('**/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await seen(page.getByLabel('Code from your authenticator app'));
    await screenshot(page, 'login-mfa-step');
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify and log in' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await seen(heading('Overview'));
    expectClean();
  });

  step('Cloudflare: add a sandbox account, browse and search its zones', [...AUTH, ...CF], async () => {
    await go('/accounts');
    await seen(heading('Cloudflare accounts'));
    await screenshot(page, 'accounts-empty');
    await page.getByRole('button', { name: 'Add sandbox account' }).first().click();
    await seen(page.getByText('sandbox', { exact: true }), 30_000);
    await screenshot(page, 'accounts');
    await page.getByRole('link', { name: 'Zones', exact: true }).first().click();
    await page.waitForURL(/\/accounts\/[^/]+\/zones$/);
    accountId = new URL(page.url()).pathname.split('/')[2]!;
    const links = page.getByRole('table', { name: 'Zones' }).getByRole('link');
    await links.first().waitFor();
    const count = await links.count();
    expect(count).toBeGreaterThanOrEqual(2);
    const names = await links.allTextContents();
    await screenshot(page, 'zones');
    // Search narrows the list (debounced, in the URL).
    await page.getByLabel('Search zones').fill(names[1]!);
    await page.waitForURL(/search=/);
    await countIs(links, 1);
    await page.getByLabel('Search zones').fill('');
    await page.waitForURL((u) => !u.search.includes('search='));
    await countIs(links, count);
    zoneName = names[0]!;
    await links.first().click();
    await page.waitForURL(/\/zones\/[0-9a-f]{32}/);
    zoneId = new URL(page.url()).pathname.split('/')[4]!;
    expectClean();
  });

  step('DNS table: filters, inline edit, BIND export', [...AUTH, ...CF, 'GET /api/v1/cloudflare/accounts/{id}/zones/{zoneId}/export', 'PATCH /api/v1/cloudflare/accounts/{id}/zones/{zoneId}/dns-records/{recordId}'], async () => {
    await go(`/accounts/${accountId}/zones/${zoneId}?zone=${encodeURIComponent(zoneName)}`);
    const table = page.getByRole('table', { name: 'DNS records' });
    await table.waitFor();
    await screenshot(page, 'dns');
    // The apex A record's content is what the job will replace.
    await page.getByLabel('Type').selectOption('A');
    await page.waitForURL(/type=A/);
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? '')));
    const apex = rows.find((r) => r[1] === zoneName) ?? rows[0]!;
    originalContent = apex[2]!;
    expect(originalContent).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await screenshot(page, 'dns-filtered');

    // Inline edit of a TXT record's TTL, then back.
    await page.getByLabel('Type').selectOption('TXT');
    await page.waitForURL(/type=TXT/);
    const editBtn = table.getByRole('button', { name: /^Edit TXT/ }).first();
    await editBtn.click();
    await page.getByLabel('TTL').selectOption('600');
    await screenshot(page, 'dns-inline-edit');
    await page.getByRole('button', { name: 'Save' }).click();
    await seen(table.getByText('600s').first());

    // BIND export downloads a file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export BIND' }).click()]);
    expect(download.suggestedFilename()).toBe(`${zoneName}.zone`);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    expectClean();
  });

  step('job builder: find-and-replace across zones → plan preview with per-zone diff → apply → progress to done', [...AUTH, ...CF, ...JOBS], async () => {
    await go(`/jobs/new?account=${accountId}`);
    await seen(heading('New bulk job'));
    await page.getByRole('button', { name: 'Select this page' }).click();
    await page.getByRole('checkbox', { name: 'A', exact: true }).check();
    await page.getByLabel('Content', { exact: true }).fill(originalContent);
    await page.getByLabel('New content').fill(NEW_CONTENT);
    await screenshot(page, 'job-builder');
    await page.getByRole('button', { name: 'Plan and preview' }).click();
    await page.waitForURL(/\/jobs\/(?!new)[^/]+$/);
    jobId = new URL(page.url()).pathname.split('/')[2]!;
    await seen(page.getByRole('heading', { name: 'Plan preview' }));
    const changes = Number(await page.locator('[data-count="Changes"]').textContent());
    expect(changes).toBeGreaterThanOrEqual(2);
    // Expand one zone's diff.
    await page.getByRole('button', { name: zoneName, exact: true }).click();
    await seen(page.getByRole('list', { name: 'Diff' }).getByText(NEW_CONTENT).first());
    await screenshot(page, 'job-plan-preview');
    const confirm = page.getByLabel(/Type the number of zones/);
    if (await confirm.isVisible()) {
      const word = /\((\d+)\)/.exec((await page.getByText(/Type the number of zones/).textContent()) ?? '')![1]!;
      await confirm.fill(word);
    }
    await page.getByRole('button', { name: /^Apply (with force|\d+ changes)$/ }).click();
    await seen(page.getByRole('progressbar', { name: 'Job progress' }));
    await screenshot(page, 'job-running');
    await waitForJobDone(jobId);
    await textIs(page.locator('[data-progress]'), `${changes} of ${changes} changes (100%)`);
    await screenshot(page, 'job-done');
    expectClean();
  }, 120_000);

  step('DNS table shows the new values', [...AUTH, ...CF, ...JOBS], async () => {
    await go(`/accounts/${accountId}/zones/${zoneId}?zone=${encodeURIComponent(zoneName)}&content=${NEW_CONTENT}`);
    const table = page.getByRole('table', { name: 'DNS records' });
    await seen(table.getByText(NEW_CONTENT).first());
    await screenshot(page, 'dns-after-job');
    await go(`/accounts/${accountId}/zones/${zoneId}?zone=${encodeURIComponent(zoneName)}&content=${originalContent}&type=A`);
    await seen(page.getByText('No record matches these filters'));
    expectClean();
  });

  step('revert: the inverse job restores the old values', [...AUTH, ...CF, ...JOBS, 'POST /api/v1/jobs/{id}/revert'], async () => {
    await go(`/jobs/${jobId}`);
    await page.getByRole('button', { name: 'Revert' }).click();
    await page.waitForURL((u) => /^\/jobs\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith(jobId));
    const revertId = new URL(page.url()).pathname.split('/')[2]!;
    await seen(page.getByRole('heading', { name: 'Plan preview' }));
    await seen(page.getByRole('link', { name: /^Reverts job/ }));
    await screenshot(page, 'revert-plan');
    const confirm = page.getByLabel(/Type the number of zones/);
    if (await confirm.isVisible()) {
      const word = /\((\d+)\)/.exec((await page.getByText(/Type the number of zones/).textContent()) ?? '')![1]!;
      await confirm.fill(word);
    }
    await page.getByRole('button', { name: /^Apply (with force|\d+ changes)$/ }).click();
    await waitForJobDone(revertId);
    await screenshot(page, 'revert-done');
    await go(`/accounts/${accountId}/zones/${zoneId}?zone=${encodeURIComponent(zoneName)}&content=${originalContent}&type=A`);
    await seen(page.getByRole('table', { name: 'DNS records' }).getByText(originalContent).first());
    await go(`/accounts/${accountId}/zones/${zoneId}?zone=${encodeURIComponent(zoneName)}&content=${NEW_CONTENT}`);
    await seen(page.getByText('No record matches these filters'));
    await screenshot(page, 'dns-after-revert');
    expectClean();
  }, 120_000);

  step('browser-paced: a small find-and-replace applied chunk by chunk from this browser', [...AUTH, ...CF, ...JOBS, 'POST /api/v1/jobs/{id}/chunks/{n}/apply'], async () => {
    const BROWSER_CONTENT = '203.0.113.78';
    await go(`/jobs/new?account=${accountId}`);
    await page.getByRole('button', { name: 'Select this page' }).click();
    await page.getByRole('checkbox', { name: 'A', exact: true }).check();
    await page.getByLabel('Content', { exact: true }).fill(originalContent);
    await page.getByLabel('New content').fill(BROWSER_CONTENT);
    await page.getByRole('button', { name: 'Plan and preview' }).click();
    await page.waitForURL(/\/jobs\/(?!new)[^/]+$/);
    const id = new URL(page.url()).pathname.split('/')[2]!;
    await seen(page.getByRole('heading', { name: 'Plan preview' }));
    const changes = Number(await page.locator('[data-count="Changes"]').textContent());
    expect(changes).toBeGreaterThanOrEqual(1);
    const confirm = page.getByLabel(/Type the number of zones/);
    if (await confirm.isVisible()) {
      const word = /\((\d+)\)/.exec((await page.getByText(/Type the number of zones/).textContent()) ?? '')![1]!;
      await confirm.fill(word);
    }
    await page.getByRole('button', { name: 'Apply in this browser' }).click();
    await seen(page.locator('[data-browser-progress]'));
    await screenshot(page, 'job-browser-running');
    await waitForJobDone(id);
    await textIs(page.locator('[data-browser-progress]'), /^Applied in this browser: (\d+) of \1 chunks$/, 30_000);
    await textIs(page.locator('[data-count="Done"]'), String(changes));
    await textIs(page.locator('[data-progress]'), `${changes} of ${changes} changes (100%)`);
    await seen(page.getByText('Mode browser'));
    await screenshot(page, 'job-browser-done');
    await go(`/accounts/${accountId}/zones/${zoneId}?zone=${encodeURIComponent(zoneName)}&content=${BROWSER_CONTENT}`);
    await seen(page.getByRole('table', { name: 'DNS records' }).getByText(BROWSER_CONTENT).first());
    await screenshot(page, 'dns-after-browser-job');
    expectClean();
  }, 120_000);

  step('safety threshold: a plan over it needs the typed confirmation, then applies with force', [...AUTH, ...CF, ...JOBS], async () => {
    await go(`/jobs/new?account=${accountId}`);
    await page.getByRole('button', { name: 'Select this page' }).click();
    await page.getByRole('checkbox', { name: 'TXT', exact: true }).check();
    await page.getByLabel('New TTL').selectOption('3600');
    await page.getByLabel('Safety threshold (%)').fill('1');
    await page.getByRole('button', { name: 'Plan and preview' }).click();
    await page.waitForURL(/\/jobs\/(?!new)[^/]+$/);
    const id = new URL(page.url()).pathname.split('/')[2]!;
    await seen(page.getByText('over threshold'));
    const apply = page.getByRole('button', { name: 'Apply with force' });
    expect(await apply.isDisabled()).toBe(true);
    const label = (await page.getByText(/Type the number of zones/).textContent()) ?? '';
    const word = /\((\d+)\)/.exec(label)![1]!;
    await page.getByLabel(/Type the number of zones/).fill('0');
    expect(await apply.isDisabled()).toBe(true);
    await page.getByLabel(/Type the number of zones/).fill(word);
    expect(await apply.isDisabled()).toBe(false);
    await screenshot(page, 'job-needs-force');
    await apply.click();
    await waitForJobDone(id);
    await screenshot(page, 'job-forced-done');
    expectClean();
  }, 120_000);

  step('record quota: a create plan past the Free zone\'s 200 records shows it and cannot be applied', [...AUTH, ...CF, ...JOBS], async () => {
    await go(`/jobs/new?account=${accountId}`);
    await page.getByRole('radio', { name: /Bulk create records/ }).check();
    await page.getByRole('button', { name: 'Select this page' }).click();
    // The sandbox account's Free zone holds about 150 records: 60 more pass its 200-record quota.
    const csv = ['type,name,content,ttl,proxied', ...Array.from({ length: 60 }, (_, i) => `A,quota-${i},198.51.100.${i + 1},300,false`)].join('\n');
    await page.getByLabel('Records (CSV)').fill(csv);
    await page.getByRole('button', { name: 'Plan and preview' }).click();
    await page.waitForURL(/\/jobs\/(?!new)[^/]+$/);
    await seen(page.getByRole('heading', { name: 'Plan preview' }));
    await seen(page.getByText('over record quota'));
    await seen(page.getByText(/Cloudflare would refuse this plan for 1 zone; it cannot be applied, even with force/));
    await seen(page.getByText(/would hold \d+ records, its plan allows 200/));
    expect(await page.getByRole('button', { name: /^Apply/ }).first().isDisabled()).toBe(true);
    await screenshot(page, 'job-over-quota');
    expectClean();
  });

  step('jobs list', [...AUTH, 'GET /api/v1/jobs'], async () => {
    await go('/jobs');
    await seen(heading('Jobs'));
    await page.getByRole('table', { name: 'Jobs' }).waitFor();
    await screenshot(page, 'jobs');
    expectClean();
  });

  step('security: sessions, API key (secret once), password form, audit log', [...AUTH, 'GET /api/v1/auth/sessions', 'POST /api/v1/api-keys', 'GET /api/v1/api-keys', 'GET /api/v1/audit-events'], async () => {
    await go('/security');
    await seen(page.getByText('this device'));
    await screenshot(page, 'security-sessions');
    await page.getByRole('tab', { name: 'API keys' }).click();
    await page.getByLabel('Name').fill('e2e key');
    await page.getByRole('button', { name: 'Create key' }).click();
    await textIs(page.locator('[data-api-key-secret]'), /^fv_key_/);
    await seen(page.getByRole('table', { name: 'API keys' }).getByText('e2e key'));
    await screenshot(page, 'security-api-keys');
    await page.getByRole('tab', { name: 'Password' }).click();
    await screenshot(page, 'security-password');
    await page.getByRole('tab', { name: 'Audit log' }).click();
    await page.getByRole('table', { name: 'Audit events' }).waitFor();
    await seen(page.getByText('hash chain intact'));
    await screenshot(page, 'security-audit');
    expectClean();
  });

  step('mail outbox (local mode): a password-reset mail shows up', [...AUTH, 'GET /api/v1/dev/outbox', 'POST /api/v1/auth/password/reset-request'], async () => {
    await go('/forgot');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await seen(page.getByText(/a reset link is on its way/));
    await go('/outbox');
    await seen(heading('Mail outbox'));
    await seen(page.getByText(`to ${email}`).first(), 20_000);
    await screenshot(page, 'outbox');
    expectClean();
  });

  step('session expiry (410): the SPA sends the user to log in and back to where they were', [...AUTH, ...CF], async () => {
    // The server's idle/absolute expiry is hours away; answer one request as an expired session would.
    const target = `/accounts/${accountId}/zones?search=${encodeURIComponent(zoneName.slice(0, 6))}`;
    let served = false;
    await page.route('**/api/v1/cloudflare/accounts', async (route) => {
      if (served || route.request().method() !== 'GET') return route.fallback();
      served = true;
      await route.fulfill({
        status: 410,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'https://flarevault.dev/problems/session-expired', title: 'Gone', status: 410, detail: 'The session expired.', requestId: 'e2e' }),
      });
    });
    watch.allow.push({ status: 410, path: /^\/api\/v1\/cloudflare\/accounts$/ });
    await go(target);
    await page.waitForURL('**/login?expired=1');
    await seen(page.getByText('Your session expired.'));
    await screenshot(page, 'session-expired');
    await page.unroute('**/api/v1/cloudflare/accounts');
    await logIn(have.has(MFA[0]!) ? { recovery: recoveryCodes[1]! } : undefined);
    await page.waitForURL((u) => u.pathname + u.search === target);
    await seen(heading(/^Zones/));
    watch.allow.pop();
    expectClean();
  });

  step('375 px wide: no horizontal overflow on the main pages', [...AUTH, ...CF], async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    const pages: Array<[string, string]> = [
      ['/', 'overview'],
      ['/accounts', 'accounts'],
      [`/accounts/${accountId}/zones`, 'zones'],
      [`/accounts/${accountId}/zones/${zoneId}?zone=${encodeURIComponent(zoneName)}`, 'dns'],
      ['/jobs/new', 'job-builder'],
      ['/security', 'security'],
    ];
    if (jobId) pages.push([`/jobs/${jobId}`, 'job-detail'], ['/jobs', 'jobs']);
    for (const [path, name] of pages) {
      await go(path);
      await page.locator('h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect({ path, overflow }).toEqual({ path, overflow: 0 });
      await screenshot(page, `mobile-${name}`);
    }
    // The menu opens and navigates.
    await page.getByRole('button', { name: 'Open menu' }).click();
    await page.locator('#mobile-nav').getByRole('link', { name: 'Jobs', exact: true }).click();
    await seen(heading('Jobs'));
    await page.setViewportSize({ width: 1280, height: 900 });
    expectClean();
  }, 120_000);

  step('password reset from the mailed link (outbox), then log in with the new password', [...AUTH, 'GET /api/v1/dev/outbox', 'POST /api/v1/auth/password/reset-request', 'POST /api/v1/auth/password/reset'], async () => {
    await go('/outbox');
    // The outbox is shared by every test of the run: take the newest mail addressed to this user.
    const link = page.locator('li').filter({ hasText: `to ${email}` }).locator('a[href*="reset-password"]').first();
    await seen(link, 20_000);
    await link.click();
    await page.waitForURL((u) => u.pathname === '/reset-password' && !u.hash);
    await seen(page.getByRole('heading', { name: 'Choose a new password' }));
    await page.getByLabel('New password').fill(`${password} new`);
    await screenshot(page, 'password-reset');
    await page.getByRole('button', { name: 'Set password' }).click();
    await seen(page.getByText(/Password changed/));
    // Every session was revoked. A per-container session cache may keep the old decision for a few seconds,
    // so a page may first load and then get 401s (which send it to log in): expected here.
    watch.allow.push({ status: 401, path: /^\/api\// });
    await eventually(
      'the reset to revoke this session',
      async () => {
        await go('/');
        await page.waitForLoadState('networkidle');
        return new URL(page.url()).pathname === '/login';
      },
      20_000,
    );
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(`${password} new`);
    await page.getByRole('button', { name: 'Log in' }).click();
    if (have.has(MFA[0]!)) {
      await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
      await page.getByLabel('Recovery code').fill(recoveryCodes[2]!);
      await page.getByRole('button', { name: 'Verify and log in' }).click();
    }
    await page.waitForURL((u) => u.pathname === '/');
    await seen(heading('Overview'));
    watch.allow.pop();
    expectClean();
  });

  // Workspaces (issue 12): one user, two workspaces. The switcher activates a workspace and every page
  // shows its data; the Workspace page lists members with roles and gates rename/delete by role.
  const WS = ['GET /api/v1/workspaces', 'POST /api/v1/workspaces', 'POST /api/v1/workspaces/{workspaceId}/activate', 'GET /api/v1/workspaces/{workspaceId}/members'];
  const TEAM = `E2E team ${Date.now().toString(36)}`;
  const switcher = () => page.getByLabel('Workspace', { exact: true });
  const activeName = () => page.locator('[data-active-workspace]').first();
  async function switchTo(optionText: string): Promise<void> {
    const value = await switcher().locator('option', { hasText: optionText }).first().getAttribute('value');
    await switcher().selectOption(value!);
    // The select follows the server: it shows the new workspace once `activate` has answered.
    await eventually(`${optionText} to be active`, async () => ((await switcher().locator('option:checked').textContent()) ?? '').includes(optionText));
  }

  step('workspaces: the switcher shows the personal workspace (OWNER); create a team workspace, which becomes active and empty', [...AUTH, ...CF, ...WS], async () => {
    await go('/');
    await seen(heading('Overview'));
    await textIs(activeName(), /Acting in .+ as OWNER/);
    expect(await switcher().locator('option:checked').textContent()).toMatch(/\(OWNER\) · personal/);
    await screenshot(page, 'workspace-1-switcher-personal');
    await page.getByRole('button', { name: 'New workspace' }).click();
    await page.getByLabel('Workspace name').fill(TEAM);
    await screenshot(page, 'workspace-2-create-dialog');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await textIs(activeName(), new RegExp(`Acting in ${TEAM} as OWNER`));
    // Cloudflare accounts belong to the workspace: the new one has none (the sandbox stays in the personal one).
    await go('/accounts');
    await seen(page.getByText('No Cloudflare accounts yet'));
    await screenshot(page, 'workspace-3-team-active-no-accounts');
    expectClean();
  });

  step('workspace page: members with roles, rename (OWNER), switching back shows the personal data; the personal workspace cannot be deleted', [...AUTH, ...CF, ...WS, 'PATCH /api/v1/workspaces/{workspaceId}'], async () => {
    await go('/workspace');
    await seen(heading(TEAM));
    const rows = page.getByRole('table', { name: 'Members' }).locator('tbody tr');
    await countIs(rows, 1);
    await seen(rows.first().getByText('you'));
    await seen(rows.first().getByText('OWNER', { exact: true }));
    await expect(page.getByRole('button', { name: 'Delete workspace' }).isEnabled()).resolves.toBe(true);
    await screenshot(page, 'workspace-4-members');
    await page.getByLabel('Workspace name').fill(`${TEAM} renamed`);
    await page.getByRole('button', { name: 'Rename' }).click();
    await seen(heading(`${TEAM} renamed`));
    await textIs(activeName(), new RegExp(`Acting in ${TEAM} renamed`));
    await screenshot(page, 'workspace-5-renamed');
    // Back to the personal workspace: its sandbox account is there again.
    await switchTo('personal');
    await eventually('the personal workspace page', () => page.getByRole('button', { name: 'Delete workspace' }).isDisabled());
    await seen(page.getByText('Your personal workspace cannot be deleted or left').first());
    await screenshot(page, 'workspace-6-personal-not-deletable');
    await go('/accounts');
    await seen(page.getByRole('link', { name: 'Zones' }).first());
    await screenshot(page, 'workspace-7-personal-accounts');
    expectClean();
  });

  const INVITES = ['POST /api/v1/workspaces/{workspaceId}/invites', 'GET /api/v1/workspaces/{workspaceId}/invites', 'POST /api/v1/invites/preview', 'POST /api/v1/invites/accept'];
  const memberEmail = `e2e-member-${Date.now().toString(36)}@example.com`;
  let teamAccountId = '';
  let memberJobId = '';

  step('invite: the owner adds a sandbox account to the team workspace, invites a member as USER and turns the two-person rule on', [...AUTH, ...CF, ...WS, ...INVITES, 'PATCH /api/v1/workspaces/{workspaceId}/settings'], async () => {
    await switchTo(TEAM);
    await go('/accounts');
    await page.getByRole('button', { name: 'Add sandbox account' }).first().click();
    await page.getByRole('link', { name: 'Zones' }).first().click();
    await page.waitForURL(/\/accounts\/[^/]+\/zones/);
    teamAccountId = new URL(page.url()).pathname.split('/')[2]!;
    await go('/workspace');
    await page.getByLabel('Email to invite').fill(memberEmail);
    await page.getByLabel('Role', { exact: true }).selectOption('USER');
    await page.getByRole('button', { name: 'Send invite' }).click();
    await seen(page.getByText(`Invite sent to ${memberEmail}`));
    await seen(page.getByRole('list', { name: 'Pending invites' }).getByText(memberEmail));
    // The two-person rule: a job is applied only after an ADMIN/OWNER other than its planner approves it.
    // A controlled checkbox: it shows the saved setting, so click and wait rather than check().
    await page.getByRole('checkbox', { name: /Two-person rule/ }).click();
    await eventually('the rule to be saved', () => page.getByRole('checkbox', { name: /Two-person rule/ }).isChecked());
    await screenshot(page, 'workspace-8-invite-sent');
    expectClean();
  });

  step('invite: the member signs up, opens the mailed link, accepts, and acts in the team workspace as USER', [...AUTH, ...CF, ...WS, ...INVITES, 'GET /api/v1/dev/outbox'], async () => {
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL('**/login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Email').fill(memberEmail);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await go('/outbox');
    const link = page.locator('li').filter({ hasText: `to ${memberEmail}` }).locator('a[href*="invites/accept"]').first();
    await seen(link, 20_000);
    await screenshot(page, 'workspace-9-member-outbox');
    await link.click();
    await page.waitForURL((u) => u.pathname === '/invites/accept' && !u.hash);
    await seen(page.locator('[data-invite-preview]').getByText(`${TEAM} renamed`));
    await screenshot(page, 'workspace-10-accept-page');
    await page.getByRole('button', { name: 'Accept invite' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await textIs(activeName(), new RegExp(`Acting in ${TEAM} renamed as USER`));
    // The shared account is there; connecting or removing accounts needs ADMIN.
    await go('/accounts');
    await seen(page.getByRole('link', { name: 'Zones' }).first());
    expect(await page.getByRole('button', { name: 'Add account' }).isDisabled()).toBe(true);
    await seen(page.getByText('Needs ADMIN to connect or remove accounts'));
    await screenshot(page, 'workspace-11-member-accounts-disabled');
    await go('/workspace');
    await countIs(page.getByRole('table', { name: 'Members' }).locator('tbody tr'), 2);
    expect(await page.getByRole('button', { name: 'Delete workspace' }).isDisabled()).toBe(true);
    await seen(page.getByText('Needs OWNER').first());
    expect(await page.getByRole('button', { name: 'Send invite' }).isDisabled()).toBe(true);
    await screenshot(page, 'workspace-12-member-workspace-page');
    expectClean();
  });

  step('the member plans a job and cannot apply it (Needs ADMIN)', [...AUTH, ...CF, ...WS, ...INVITES, ...JOBS], async () => {
    await go(`/jobs/new?account=${teamAccountId}`);
    await seen(heading('New bulk job'));
    await page.getByRole('button', { name: 'Select this page' }).click();
    await page.getByRole('checkbox', { name: 'A', exact: true }).check();
    await page.getByLabel('Content', { exact: true }).fill(originalContent);
    await page.getByLabel('New content').fill('203.0.113.99');
    await page.getByRole('button', { name: 'Plan and preview' }).click();
    await page.waitForURL(/\/jobs\/(?!new)[^/]+$/);
    memberJobId = new URL(page.url()).pathname.split('/')[2]!;
    await seen(page.getByRole('heading', { name: 'Plan preview' }));
    await seen(page.getByText(/Needs ADMIN to apply/));
    expect(await page.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: /^Apply/ }).first().isDisabled()).toBe(true);
    await screenshot(page, 'workspace-13-member-cannot-apply');
    expectClean();
  });

  step('the owner logs back in, approves and applies the member’s job, and removes the member, whose next request is refused', [...AUTH, ...WS, ...INVITES, ...JOBS, 'POST /api/v1/jobs/{id}/approve', 'DELETE /api/v1/workspaces/{workspaceId}/members/{userId}'], async () => {
    // The member stays signed in (as on their own machine): keep their session cookie, leave without signing out.
    const memberSession = (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE)!;
    const asMember = (path: string) => fetch(url(path), { headers: { cookie: `${SESSION_COOKIE}=${memberSession.value}` } });
    expect((await asMember('/api/v1/cloudflare/accounts')).status).toBe(200);
    await page.context().clearCookies();
    await go('/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(`${password} new`);
    await page.getByRole('button', { name: 'Log in' }).click();
    if (have.has(MFA[0]!)) {
      await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
      await page.getByLabel('Recovery code').fill(recoveryCodes[3]!);
      await page.getByRole('button', { name: 'Verify and log in' }).click();
    }
    await page.waitForURL((u) => u.pathname === '/');
    await switchTo(TEAM);
    // The owner approves the member's job (two-person rule), then applies it.
    await go(`/jobs/${memberJobId}`);
    await seen(page.locator('[data-approval="pending"]'));
    await screenshot(page, 'workspace-14-owner-approval-pending');
    await page.getByRole('button', { name: 'Approve' }).click();
    await seen(page.locator('[data-approved-by]'));
    const confirm = page.getByLabel(/Type the number of zones/);
    if (await confirm.isVisible()) {
      const word = /\((\d+)\)/.exec((await page.getByText(/Type the number of zones/).textContent()) ?? '')![1]!;
      await confirm.fill(word);
    }
    await page.getByRole('button', { name: /^Apply (\d+ changes|with force)$/ }).click();
    await waitForJobDone(memberJobId);
    await screenshot(page, 'workspace-15-approved-job-done');
    await go('/workspace');
    const rows = page.getByRole('table', { name: 'Members' }).locator('tbody tr');
    await countIs(rows, 2);
    await screenshot(page, 'workspace-16-owner-sees-member');
    await page.getByRole('button', { name: /^Remove / }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove member' }).click();
    await countIs(rows, 1);
    await screenshot(page, 'workspace-17-member-removed');
    expectClean();
    // The removed member's very next request on the team workspace is refused (their session itself is intact).
    expect((await asMember('/api/v1/cloudflare/accounts')).status).toBe(404);
    expect((await asMember(`/api/v1/jobs/${memberJobId}`)).status).toBe(404);
    expect((await asMember('/api/v1/me')).status).toBe(200);
    // What the member sees: the same browser, the member's cookie in place of the owner's.
    const ownerCookies = await page.context().cookies();
    await page.context().clearCookies();
    await page.context().addCookies([memberSession]);
    // Refused (404 workspace-not-found), the dashboard activates the member's personal workspace again.
    const activated = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/activate'));
    await go('/accounts');
    expect((await activated).status()).toBe(200);
    await eventually('the refusal to give way to the personal workspace', async () => (await page.getByText('Workspace not found').count()) === 0);
    await textIs(activeName(), /Acting in Personal as OWNER/);
    await seen(page.getByRole('button', { name: 'Add account' }));
    await screenshot(page, 'workspace-17b-removed-member-back-in-personal');
    expect(watch.take().every((p) => /404/.test(p.text))).toBe(true); // only the refused requests
    await page.context().clearCookies();
    await page.context().addCookies(ownerCookies);
  });

  step('applications: the owner registers an application in the team workspace and disables it', [...AUTH, ...WS, 'GET /api/v1/workspaces/{workspaceId}/applications', 'POST /api/v1/workspaces/{workspaceId}/applications', 'PATCH /api/v1/workspaces/{workspaceId}/applications/{applicationId}'], async () => {
    await go('/workspace');
    await page.getByRole('link', { name: 'Applications' }).click();
    await seen(heading('Applications'));
    await page.getByRole('button', { name: 'Register application' }).click();
    await page.getByLabel('Application name').fill('E2E app');
    await page.getByLabel('Allowed origins (one a line)').fill('https://app.example.com');
    await page.getByLabel('Redirect URIs (one a line)').fill('https://app.example.com/callback');
    await page.getByRole('button', { name: 'Register', exact: true }).click();
    const card = page.locator('[data-application="E2E app"]');
    await seen(card.getByText('enabled', { exact: true }));
    await card.getByRole('button', { name: 'Disable' }).click();
    await seen(card.getByText('disabled', { exact: true }));
    await screenshot(page, 'workspace-18-applications');
    expectClean();
  });

  const APP_USERS = [
    'GET /api/v1/workspaces/{workspaceId}/applications/{applicationId}',
    'GET /api/v1/workspaces/{workspaceId}/applications/{applicationId}/users',
    'GET /api/v1/workspaces/{workspaceId}/applications/{applicationId}/users/{userId}/values',
    'GET /api/v1/workspaces/{workspaceId}/applications/{applicationId}/users/{userId}/values/{key}',
    'DELETE /api/v1/workspaces/{workspaceId}/applications/{applicationId}/users/{userId}',
    'GET /api/v1/auth/authorize',
    'POST /api/v1/auth/callback',
    'POST /api/v1/sessions/set/{key}',
  ];

  step('application users: the owner signs in to the app through the hosted login and stores values; then sees them, reads one only after giving a reason, and deletes the user (crypto-shred)', [...AUTH, ...WS, ...APP_USERS], async () => {
    await go('/workspace/applications');
    const card = page.locator('[data-application="E2E app"]');
    await card.getByRole('button', { name: 'Enable' }).click();
    await seen(card.getByText('enabled', { exact: true }));
    await card.getByRole('link', { name: /users/ }).click();
    await page.waitForURL(/\/workspace\/applications\/[^/]+$/);
    await seen(heading(/E2E app/));
    const applicationId = new URL(page.url()).pathname.split('/')[3]!;
    const { workspaceId, clientId } = await page.evaluate(
      async ({ team, id }) => {
        const list = await (await fetch('/api/v1/workspaces')).json();
        const ws = list.workspaces.find((w: { name: string }) => w.name === team).id as string;
        const app = await (await fetch(`/api/v1/workspaces/${ws}/applications/${id}`)).json();
        return { workspaceId: ws, clientId: app.application.clientId as string };
      },
      { team: `${TEAM} renamed`, id: applicationId },
    );
    // The owner is an end user of the app too: the hosted login lets their browser session straight through
    // (the redirect to the app's callback is read, not followed), then the app stores two values.
    const app = { id: applicationId, clientId, workspaceId, redirectUri: 'https://app.example.com/callback', origin: 'https://app.example.com' };
    const { verifier, challenge } = pkcePair();
    const authorized = await page.request.get(url(`/api/v1/auth/authorize?${authorizeQuery(app, challenge)}`), { maxRedirects: 0 });
    expect(authorized.status()).toBe(302);
    const code = new URL(authorized.headers().location!).searchParams.get('code')!;
    const token = (await exchange(app, code, verifier)).body.sessionToken as string;
    for (const [key, value] of [['cart', { items: ['tea', 'milk'] }], ['theme', 'dark']] as const) {
      expect((await call('POST', `/api/v1/sessions/set/${key}`, { token, body: value })).status).toBe(200);
    }
    await page.reload();
    const row = page.locator(`[data-app-user="${email}"]`);
    await seen(row.getByText('2 · 30 B'));
    await textIs(row.locator('[data-live-sessions]'), '1');
    await page.getByRole('button', { name: `Keys of ${email}` }).click();
    const keys = page.getByRole('table', { name: `Keys of ${email}` });
    await seen(keys.locator('[data-vault-key="cart"]'));
    await seen(keys.locator('[data-vault-key="theme"]'));
    await keys.getByRole('button', { name: 'Read cart' }).click();
    const dialog = page.getByRole('dialog');
    await seen(dialog.getByText('the reason are recorded in the workspace audit log', { exact: false }));
    await dialog.getByLabel('Reason').fill('e2e: support ticket 42');
    await dialog.getByRole('button', { name: 'Read value' }).click();
    await seen(dialog.locator('[data-vault-value]').getByText('"milk"', { exact: false }));
    await screenshot(page, 'workspace-18b-application-user-value');
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    await page.getByRole('button', { name: `Delete ${email}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete user and values' }).click();
    await seen(page.getByText('No users yet'));
    await screenshot(page, 'workspace-18c-application-user-deleted');
    expectClean();
  });

  step('API-access log and audit log: the owner filters the team workspace’s calls by operation; its audit chain is intact', [...AUTH, ...WS, 'GET /api/v1/workspaces/{workspaceId}/access-log', 'GET /api/v1/workspaces/{workspaceId}/audit-events', 'GET /api/v1/workspaces/{workspaceId}/audit-events/verify'], async () => {
    await go('/workspace');
    await page.getByRole('link', { name: 'API-access log' }).click();
    await seen(heading('API-access log'));
    await seen(page.getByRole('table', { name: 'API calls' }).locator('tbody tr'));
    await page.getByLabel('Operation').fill('removeMember');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/operationId=removeMember/);
    await seen(page.locator('[data-access-entry="removeMember"]'));
    await eventually('only removeMember rows', async () => (await page.locator('tbody tr').count()) === (await page.locator('[data-access-entry="removeMember"]').count()));
    await screenshot(page, 'workspace-19-access-log');
    // The workspace audit log: the member changes are there, the hash chain intact.
    await go('/workspace/audit');
    await seen(heading('Workspace audit log'));
    await seen(page.getByText('hash chain intact'));
    await seen(page.getByRole('table', { name: 'Audit events' }).locator('tbody tr'));
    await screenshot(page, 'workspace-19b-audit-log');
    expectClean();
  });

  step('workspace delete: the OWNER deletes the team workspace after confirming; the dashboard is back on the personal one', [...AUTH, ...WS, 'DELETE /api/v1/workspaces/{workspaceId}'], async () => {
    await switchTo(TEAM);
    await go('/workspace');
    await seen(heading(`${TEAM} renamed`));
    await page.getByRole('button', { name: 'Delete workspace' }).click();
    await seen(page.getByRole('dialog'));
    await screenshot(page, 'workspace-20-delete-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete workspace' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await textIs(activeName(), /as OWNER/);
    await countIs(switcher().locator('option', { hasText: TEAM }), 0);
    await screenshot(page, 'workspace-21-deleted');
    expectClean();
  });
});
