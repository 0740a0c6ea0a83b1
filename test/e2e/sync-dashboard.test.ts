/**
 * The Sync page in a real browser (issue 16 item 9): a user links two devices over HTTP (init →
 * approve → token), the devices write sync data over HTTP (ciphertext-like blobs: the server
 * never opens them), then on /sync the cards show each type's count, size and the device that
 * made the last change; turning a type off there makes a device's next write to it 409
 * sync-type-disabled (and a refused toggle goes back, with the error shown); revoking a device
 * after the confirmation makes its next request 401; with no device left the page says how to link
 * one. Steps whose routes are not in the manifest yet are skipped, their title naming them.
 * Screenshots: test-artifacts/screenshots/sync/. Every step asserts no console errors; axe-core
 * finds no WCAG 2.1 A/AA violation on the page in each state (empty, cards, a type off, the dialog, 375 px).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { routes } from '../../functions/platform/manifest';
import { linkedDevice } from '../support/device-authorization';
import { call, signUpWithToken } from '../support/http';
import { SCREENSHOTS, accessibilityViolations, browserSkipReason, countIs, eventually, logIn, openSuiteBrowser, seen, textIs } from './support/browser';

const skipReason = browserSkipReason();
if (skipReason) console.warn(`\n[e2e] sync dashboard suite skipped: ${skipReason}\n`);
const SHOTS = join(SCREENSHOTS, 'sync');

const have = new Set(routes.map((r) => `${r.method} ${r.path}`));
const DEVICES = ['GET /api/v1/devices', 'DELETE /api/v1/devices/{id}'];
const DASHBOARD = ['GET /api/v1/sync/overview', 'PUT /api/v1/sync/settings'];
const DATA = ['PUT /api/v1/sync/data/{type}/{id}', 'POST /api/v1/sync/history', 'GET /api/v1/sync/config'];

/** A test that runs only when its routes exist; otherwise skipped with the missing routes in its title. */
function step(name: string, needs: string[], fn: () => Promise<void>, timeout = 60_000): void {
  const missing = needs.filter((k) => !have.has(k));
  if (skipReason || missing.length) test.skip(missing.length ? `${name} (needs ${missing.join(', ')})` : name, fn);
  else test(name, fn, timeout);
}

/** What a client sends: base64 of bytes the server cannot read (here random, as ciphertext is). */
const sealed = (bytes: number) => randomBytes(bytes).toString('base64');

const describeBrowser = skipReason ? describe.skip : describe;

describeBrowser('sync dashboard (browser e2e)', () => {
  const base = process.env.FLAREVAULT_URL ?? '';
  let b: Awaited<ReturnType<typeof openSuiteBrowser>>;
  let page: Page;
  let user: Awaited<ReturnType<typeof signUpWithToken>>;
  let workstation: { deviceToken: string; deviceId: string };
  let laptop: { deviceToken: string; deviceId: string };
  const shot = (name: string) => b.shot(name);
  const expectClean = () => expect(b.watch.take()).toEqual([]);
  const card = (type: string): Locator => page.locator(`[data-sync-type="${type}"]`);
  const toggle = (label: string) => page.getByRole('switch', { name: `Sync ${label}` });
  const asDevice = (device: { deviceToken: string }, method: string, path: string, body?: unknown) => call(method, path, { token: device.deviceToken, body });
  const ok = async (r: Promise<{ status: number; text: string }>, status = 200) => {
    const got = await r;
    if (got.status !== status) throw new Error(`expected ${status}, got ${got.status} ${got.text}`);
  };

  beforeAll(async () => {
    user = await signUpWithToken();
    b = await openSuiteBrowser(SHOTS);
    page = b.page;
    page.setDefaultTimeout(15_000);
    // The page asks for the overview even while its route is not in the manifest yet (404 then).
    b.watch.allow = DASHBOARD.filter((k) => !have.has(k)).map((k) => ({ status: 404, path: new RegExp(`^${k.split(' ')[1]}$`) }));
  }, 180_000);
  afterAll(async () => {
    await b?.close();
  });

  step('sign in; with no device the Sync page says how to link one', DEVICES, async () => {
    await page.goto(`${base}/login`);
    await logIn(page, user.email, user.password);
    await page.waitForURL((u) => u.pathname === '/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sync' }).click();
    await page.waitForURL((u) => u.pathname === '/sync');
    await seen(page.getByRole('heading', { level: 1, name: 'Sync' }));
    await seen(page.getByText('No device is linked'));
    await seen(page.getByText('npm run sync-client -- link'));
    await shot('no-devices');
    expect(await accessibilityViolations(page)).toEqual([]);
    expectClean();
  });

  step('two devices linked and writing: the cards show counts, sizes and the device of the last change', [...DEVICES, ...DASHBOARD, ...DATA], async () => {
    workstation = await linkedDevice(user.token, 'E2E workstation', 'linux');
    laptop = await linkedDevice(user.token, 'E2E laptop', 'macos');
    // The workstation: 3 history records, 2 environments, 1 secret; the laptop: 1 collection, and the last environment change.
    await ok(asDevice(workstation, 'POST', '/api/v1/sync/history', { records: [0, 1, 2].map((idx) => ({ idx, blob: sealed(300) })) }));
    await ok(asDevice(workstation, 'PUT', '/api/v1/sync/data/environment/staging', { blob: sealed(1000) }));
    await ok(asDevice(workstation, 'PUT', '/api/v1/sync/data/environment/production', { blob: sealed(1000) }));
    await ok(asDevice(workstation, 'PUT', '/api/v1/sync/data/secret/db-password', { blob: sealed(200) }));
    await ok(asDevice(laptop, 'PUT', '/api/v1/sync/data/collection/api-calls', { blob: sealed(4000) }));
    await ok(asDevice(laptop, 'PUT', '/api/v1/sync/data/environment/staging', { blob: sealed(1500), force: true }));

    await page.reload();
    await textIs(card('history').locator('[data-items]'), '3 records');
    await textIs(card('environment').locator('[data-items]'), '2 items');
    await textIs(card('secret').locator('[data-items]'), '1 item');
    await textIs(card('collection').locator('[data-items]'), '1 item');
    await textIs(card('setting').locator('[data-items]'), '0 items');
    expect(await card('history').locator('[data-bytes]').getAttribute('data-bytes')).toBe(String(3 * 300));
    expect(await card('environment').locator('[data-bytes]').getAttribute('data-bytes')).toBe(String(1000 + 1500));
    await textIs(card('collection').locator('[data-bytes]'), '3.9 KiB');
    await textIs(card('history').locator('[data-last-device]'), 'by E2E workstation');
    await textIs(card('environment').locator('[data-last-device]'), 'by E2E laptop');
    await textIs(card('setting').getByText('never'), 'never');
    // 900 + 2500 + 200 + 4000 bytes (the staging environment's first version was replaced).
    expect(await page.locator('[data-storage-used]').getAttribute('data-storage-used')).toBe('7600');
    await textIs(page.locator('[data-storage-used]'), /^7\.4 KiB of .+ \(\S+ %\)$/);
    // Every type starts on.
    for (const label of ['history', 'environments', 'secrets', 'collections', 'settings']) expect(await toggle(label).getAttribute('aria-checked')).toBe('true');
    // The devices, with their platforms.
    await countIs(page.locator('tr[data-device]'), 2);
    await seen(page.locator('tr[data-device="E2E laptop"]').getByText('macOS'));
    await shot('overview');
    expect(await accessibilityViolations(page)).toEqual([]);
    expectClean();
  });

  step('turning secrets off: the card says Off after a reload, and a device write to it gets 409 sync-type-disabled', [...DASHBOARD, ...DATA], async () => {
    await toggle('secrets').click();
    await eventually('the switch off', async () => (await toggle('secrets').getAttribute('aria-checked')) === 'false');
    await eventually('the save done', async () => (await toggle('secrets').getAttribute('aria-busy')) === null);
    await page.reload();
    await eventually('secrets off after a reload', async () => (await toggle('secrets').getAttribute('aria-checked')) === 'false');
    await seen(card('secret').getByText('Off', { exact: true }));
    await shot('secrets-off');
    expect(await accessibilityViolations(page)).toEqual([]);

    const refused = await asDevice(workstation, 'PUT', '/api/v1/sync/data/secret/api-token', { blob: sealed(100) });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toMatch(/sync-type-disabled$/);
    const config = await asDevice(laptop, 'GET', '/api/v1/sync/config');
    expect(config.body.types).toMatchObject({ secret: false, history: true, environment: true });
    // Other types still take writes.
    await ok(asDevice(workstation, 'PUT', '/api/v1/sync/data/setting/editor', { blob: sealed(50) }));

    // On again: writes are taken again.
    await toggle('secrets').click();
    await eventually('secrets on', async () => (await toggle('secrets').getAttribute('aria-checked')) === 'true');
    await eventually('the save done', async () => (await toggle('secrets').getAttribute('aria-busy')) === null);
    await eventually('the device may write secrets again', async () => (await asDevice(workstation, 'PUT', '/api/v1/sync/data/secret/api-token', { blob: sealed(100) })).status === 200);
    expectClean();
  });

  step('a refused toggle goes back to its stored state and the problem is shown', [...DASHBOARD, ...DATA], async () => {
    // The server answers this one save with a problem (as a stale session or a bad request would).
    await page.route('**/api/v1/sync/settings', (route) =>
      route.fulfill({ status: 400, contentType: 'application/problem+json', body: JSON.stringify({ type: 'https://flarevault.dev/problems/validation', title: 'Invalid request', status: 400, detail: 'The settings were refused.' }) }),
    );
    b.watch.allow.push({ status: 400, path: /^\/api\/v1\/sync\/settings$/ });
    await toggle('history').click();
    await seen(page.getByRole('alert').getByText('The settings were refused.'));
    await eventually('history back on', async () => (await toggle('history').getAttribute('aria-checked')) === 'true');
    await shot('toggle-refused');
    await page.unroute('**/api/v1/sync/settings');
    b.watch.allow.pop();
    const config = await asDevice(laptop, 'GET', '/api/v1/sync/config');
    expect(config.body.types.history).toBe(true);
    expectClean();
  });

  step('revoking a device after the confirmation: its next request is 401, the other device keeps working', [...DEVICES, ...DASHBOARD, ...DATA], async () => {
    await page.getByRole('button', { name: 'Revoke device E2E workstation' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke E2E workstation?' });
    await seen(dialog);
    await shot('revoke-confirm');
    expect(await accessibilityViolations(page)).toEqual([]);
    // Cancel keeps it.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await countIs(page.locator('tr[data-device]'), 2);
    expect((await asDevice(workstation, 'GET', '/api/v1/sync/config')).status).toBe(200);

    await page.getByRole('button', { name: 'Revoke device E2E workstation' }).click();
    await dialog.getByRole('button', { name: 'Revoke device', exact: true }).click();
    await countIs(page.locator('tr[data-device]'), 1);
    await countIs(page.locator('tr[data-device="E2E workstation"]'), 0);
    expect((await asDevice(workstation, 'GET', '/api/v1/sync/config')).status).toBe(401);
    expect((await asDevice(workstation, 'PUT', '/api/v1/sync/data/setting/editor', { blob: sealed(50), force: true })).status).toBe(401);
    expect((await asDevice(laptop, 'GET', '/api/v1/sync/config')).status).toBe(200);
    // The overview is read again: the revoked device's changes stay, no longer named.
    await textIs(card('history').locator('[data-last-device]'), 'by a device no longer linked');
    await textIs(card('environment').locator('[data-last-device]'), 'by E2E laptop');
    await shot('revoked');
    expectClean();
  });

  step('the last device revoked: the empty state again; at 375 px the page does not overflow', [...DEVICES, ...DASHBOARD, ...DATA], async () => {
    await page.getByRole('button', { name: 'Revoke device E2E laptop' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke device', exact: true }).click();
    await seen(page.getByText('No device is linked'));
    expect((await asDevice(laptop, 'GET', '/api/v1/sync/config')).status).toBe(401);
    await page.setViewportSize({ width: 375, height: 800 });
    await page.reload();
    await seen(page.getByRole('heading', { level: 1, name: 'Sync' }));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('mobile');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });
    expectClean();
  });
});
