/**
 * The session vault's example app in a real browser (issue 15 "Done when"), against the local
 * stack (jest globalSetup) and the example app served on its own origin (lib/local/example-app.ts,
 * registered as `npm start` registers it): sign in through the hosted login → set and get a value
 * → reload (the token is gone from memory) → signed back in through the hosted session without a
 * password prompt → value still there → the token expires (the application's lifetime set to the
 * contract's minimum, 60 s) → 410 → the SDK signs in again → value intact → revoke from the
 * dashboard → the next call is refused (and, between the two, sign out through the hosted logout:
 * the next sign-in asks for the password). Then the automation credentials of the dashboard: the
 * secret shown once reaches the Session API only, and is refused once revoked there.
 * Every step asserts no console errors; screenshots in test-artifacts/screenshots/vault-app/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { updateApplication } from '../../functions/contracts/applications';
import { login } from '../../functions/contracts/identity';
import { authorize, getSessionValue, logoutBrowser, setSessionValue } from '../../functions/contracts/sessions';
import { registerExampleApp, startExampleApp, type ExampleAppRegistration, type ExampleAppServer } from '../../lib/local/example-app';
import { call } from '../support/http';
import { ConsoleWatch, SCREENSHOTS, browserSkipReason, ensureSdkBuilt, ensureSpaBuilt, eventually, launch, resetScreenshots, screenshot, seen, textIs, type Browser } from './support/browser';

const skipReason = browserSkipReason();
if (skipReason) console.warn(`\n[e2e] vault example app suite skipped: ${skipReason}\n`);
const describeBrowser = skipReason ? describe.skip : describe;
const SHOTS = join(SCREENSHOTS, 'vault-app');
const LIFETIME_SECONDS = 60;

describeBrowser('session vault example app (browser e2e)', () => {
  const base = process.env.FLAREVAULT_URL ?? '';
  const dir = mkdtempSync(join(tmpdir(), 'fv-vault-e2e-'));
  const note = `hello vault ${Date.now().toString(36)}`;
  let b: Browser;
  let page: Page;
  let dashboard: Page;
  let watch: ConsoleWatch;
  let app: ExampleAppServer;
  let reg: ExampleAppRegistration;
  let signedInAt = 0;
  /** Top-level navigations of the app's tab (each redirect hop), and the API answers it got (status, path). */
  const navigations: URL[] = [];
  const answers: Array<{ status: number; path: string }> = [];

  const shot = (p: Page, name: string) => screenshot(p, name, SHOTS);
  const status = () => page.locator('#status');
  const expectClean = () => expect(watch.take()).toEqual([]);
  const wentThrough = (path: string) => navigations.some((u) => u.origin === base && u.pathname === path);
  const appOrigin = () => new URL(app.url).origin;

  beforeAll(async () => {
    ensureSpaBuilt();
    ensureSdkBuilt();
    resetScreenshots(SHOTS);
    app = await startExampleApp({ apiUrl: base });
    reg = await registerExampleApp({ apiUrl: base, appUrl: app.url, stateFile: join(dir, 'example-app.json') });
    app.configure({ apiUrl: base, clientId: reg.clientId, redirectUri: `${app.url}/` });
    // The developer sets the shortest session lifetime the contract allows, so the expiry step waits 60 s.
    const dev = await call('POST', login.path, { body: { email: reg.email, password: reg.password, client: 'token' } });
    const lifetime = await call('PATCH', updateApplication.path.replace('{workspaceId}', reg.workspaceId).replace('{applicationId}', reg.applicationId), {
      token: dev.body.token,
      body: { sessionLifetimeSeconds: LIFETIME_SECONDS },
    });
    expect(lifetime.status).toBe(200);

    b = await launch();
    page = b.page;
    page.setDefaultTimeout(20_000);
    watch = new ConsoleWatch(page);
    // Every hop of a top-level navigation, redirects included (authorize answers 302).
    page.on('request', (r) => {
      if (r.isNavigationRequest() && r.frame() === page.mainFrame()) navigations.push(new URL(r.url()));
    });
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.origin === base) answers.push({ status: r.status(), path: u.pathname });
    });
    const valuePath = new RegExp(`^${getSessionValue.path.replace('{key}', '[^/]+')}$`);
    // Answers the SDK expects and handles: 404 (no value yet → null), 410 (expired → hosted login) and 401 (revoked → signed out).
    watch.allow = [
      { status: 404, path: valuePath },
      { status: 410, path: valuePath },
      { status: 401, path: valuePath },
    ];
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('sign in through the hosted login (password) and come back to the app, with no code left in the address bar', async () => {
    await page.goto(`${app.url}/`);
    await textIs(status(), 'You are not signed in.');
    await shot(page, 'app-signed-out');
    await page.getByRole('button', { name: 'Sign in with flarevault' }).click();
    await page.waitForURL((u) => u.origin === base && u.pathname === '/login');
    await seen(page.getByLabel('Email'));
    await shot(page, 'hosted-login');
    await page.getByLabel('Email').fill(reg.email);
    await page.getByLabel('Password').fill(reg.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.origin === appOrigin());
    await textIs(status(), 'Signed in.');
    expect(page.url()).toBe(`${app.url}/`);
    expect(wentThrough(authorize.path)).toBe(true);
    await shot(page, 'app-signed-in');
    expectClean();
  });

  test('set and get a value; the token is in no storage and no cookie', async () => {
    await page.getByLabel('Your note').fill(note);
    await page.getByRole('button', { name: 'Save' }).click();
    await textIs(status(), /^Saved \(version \d+, \d+ bytes\)\.$/);
    await page.getByRole('button', { name: 'Read it back' }).click();
    await textIs(page.locator('#saved'), note);
    expect(answers).toContainEqual({ status: 200, path: setSessionValue.path.replace('{key}', 'note') });
    const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie, history: history.length }));
    expect(stored).not.toMatch(/fv_vs_|Bearer/);
    expect(JSON.parse(stored).session).toEqual({}); // the PKCE verifier and state are gone after the callback
    await shot(page, 'app-value-saved');
    expectClean();
  });

  test('reload: the token is gone; signing in again passes through the hosted session without a password prompt; the value is still there', async () => {
    await page.reload();
    await textIs(status(), 'You are not signed in.');
    navigations.length = 0;
    await page.getByRole('button', { name: 'Sign in with flarevault' }).click();
    await eventually('back on the app through authorize', async () => wentThrough(authorize.path) && new URL(page.url()).origin === appOrigin());
    await textIs(status(), 'Signed in.');
    signedInAt = Date.now();
    expect(wentThrough('/login')).toBe(false);
    await textIs(page.locator('#saved'), note);
    await shot(page, 'app-signed-in-again');
    expectClean();
  });

  test(
    'the token expires: 410 → the SDK signs in again through the hosted login and comes back to the page; the value is intact',
    async () => {
      await page.waitForTimeout(Math.max(0, signedInAt + (LIFETIME_SECONDS + 2) * 1000 - Date.now()));
      navigations.length = 0;
      answers.length = 0;
      await page.getByRole('button', { name: 'Read it back' }).click();
      await eventually('a 410 answer', async () => answers.some((a) => a.status === 410));
      await eventually('back on the app through authorize', async () => wentThrough(authorize.path) && new URL(page.url()).origin === appOrigin(), 30_000);
      await textIs(status(), 'Signed in.');
      expect(wentThrough('/login')).toBe(false);
      expect(page.url()).toBe(`${app.url}/`);
      await textIs(page.locator('#saved'), note);
      await shot(page, 'app-after-expiry');
      expectClean();
    },
    (LIFETIME_SECONDS + 60) * 1000,
  );

  test('sign out: a top-level redirect through the hosted logout back to the app; the next sign-in asks for the password again; the value is still there', async () => {
    navigations.length = 0;
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await eventually('back on the app through the hosted logout', async () => wentThrough(logoutBrowser.path) && new URL(page.url()).origin === appOrigin());
    await textIs(status(), 'You are not signed in.');
    navigations.length = 0;
    await page.getByRole('button', { name: 'Sign in with flarevault' }).click();
    await page.waitForURL((u) => u.origin === base && u.pathname === '/login');
    await page.getByLabel('Email').fill(reg.email);
    await page.getByLabel('Password').fill(reg.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.origin === appOrigin());
    await textIs(status(), 'Signed in.');
    await textIs(page.locator('#saved'), note);
    await shot(page, 'app-signed-in-after-logout');
    expectClean();
  });

  test("the dashboard shows the app's quick start and its user; revoking the user there refuses the app's next call", async () => {
    dashboard = await b.context.newPage();
    const dashWatch = new ConsoleWatch(dashboard);
    await dashboard.goto(`${base}/workspace/applications`);
    const card = dashboard.locator('[data-application="Example app"]');
    await seen(card);
    await card.getByRole('link', { name: 'Quick start, users, credentials' }).click();
    await seen(dashboard.getByRole('heading', { level: 1, name: /Example app/ }));
    await textIs(dashboard.locator('[data-snippet="Sign in and store a value"]'), new RegExp(`clientId: '${reg.clientId}'`));
    const row = dashboard.locator(`[data-app-user="${reg.email}"]`);
    await seen(row);
    await textIs(row.locator('[data-live-sessions]'), /^[1-9]\d*$/);
    await shot(dashboard, 'dashboard-application');
    await row.getByRole('button', { name: `Revoke ${reg.email}` }).click();
    await dashboard.getByRole('button', { name: 'Revoke sessions' }).click();
    await eventually('the dialog closed', async () => (await dashboard.getByRole('dialog').count()) === 0);
    await shot(dashboard, 'dashboard-user-revoked');
    expect(dashWatch.take()).toEqual([]);

    await page.bringToFront();
    answers.length = 0;
    await page.getByRole('button', { name: 'Read it back' }).click();
    await textIs(status(), 'Signed out. Sign in again to see your note.');
    await textIs(page.locator('#error'), 'Your session has ended.');
    expect(answers.filter((a) => a.path.startsWith('/api/v1/sessions/')).map((a) => a.status)).toEqual([401]);
    await shot(page, 'app-refused-after-revoke');
    expectClean();
  });

  test('automation credential: created in the dashboard (secret shown once), reaches the Session API only, refused once revoked there', async () => {
    await dashboard.bringToFront();
    const dashWatch = new ConsoleWatch(dashboard);
    await dashboard.getByLabel('Credential name').fill('e2e automation');
    await dashboard.getByRole('button', { name: 'Create credential' }).click();
    const secret = (await dashboard.locator('[data-credential-secret]').textContent())!.trim();
    expect(secret).toMatch(/^fv_auto_/);
    await seen(dashboard.locator('[data-credential="e2e automation"]'));
    await shot(dashboard, 'dashboard-credential-created');
    await dashboard.getByRole('button', { name: 'Done' }).click();
    await eventually('the secret is no longer shown', async () => (await dashboard.locator('[data-credential-secret]').count()) === 0);
    expect(await dashboard.content()).not.toContain(secret);

    const setPath = setSessionValue.path.replace('{key}', 'from-automation');
    expect((await call('POST', setPath, { token: secret, body: { ran: true } })).status).toBe(200);
    expect((await call('GET', getSessionValue.path.replace('{key}', 'from-automation'), { token: secret })).body).toMatchObject({ value: { ran: true } });
    // Its values are its own: the end user's note is not there.
    expect((await call('GET', getSessionValue.path.replace('{key}', 'note'), { token: secret })).status).toBe(404);
    expect((await call('GET', '/api/v1/me', { token: secret })).status).toBe(401);

    await dashboard.getByRole('button', { name: 'Revoke credential e2e automation' }).click();
    await dashboard.getByRole('dialog').getByRole('button', { name: 'Revoke credential', exact: true }).click();
    await eventually('the credential is gone from the list', async () => (await dashboard.locator('[data-credential="e2e automation"]').count()) === 0);
    expect((await call('GET', getSessionValue.path.replace('{key}', 'from-automation'), { token: secret })).status).toBe(401);
    await shot(dashboard, 'dashboard-credential-revoked');
    expect(dashWatch.take()).toEqual([]);
  });
});
