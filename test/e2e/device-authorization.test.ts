/**
 * Device authorization in a real browser (issue 16 items 1 and 9): a signed-out browser opens the
 * device's verification_uri_complete → the login page → back on /sync/authorize with the code →
 * sees the device's name and code → Approve → /sync/complete counts down → the device's next poll
 * gets its token; the Security page lists the device and revokes it (the token is refused at once).
 * Then code entry without a code, and Deny; then a CLI login (issue 18): the page lists the scopes
 * asked for, the user picks the workspace the API key acts on, and the CLI's poll gets a key bound
 * to it. Every step asserts no console errors.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { pollDeviceToken, startDeviceAuthorization } from '../support/device-authorization';
import { call, signUpWithToken } from '../support/http';
import { SCREENSHOTS, accessibilityViolations, browserSkipReason, logIn, openSuiteBrowser, seen, textIs, viaGateway } from './support/browser';

const skipReason = browserSkipReason();
if (skipReason) console.warn(`\n[e2e] device authorization suite skipped: ${skipReason}\n`);
const describeBrowser = skipReason ? describe.skip : describe;
const SHOTS = join(SCREENSHOTS, 'device-authorization');

describeBrowser('device authorization (browser e2e)', () => {
  const base = process.env.FLAREVAULT_URL ?? '';
  let b: Awaited<ReturnType<typeof openSuiteBrowser>>;
  let page: Page;
  let user: Awaited<ReturnType<typeof signUpWithToken>>;
  const shot = (name: string) => b.shot(name);
  const expectClean = () => expect(b.watch.take()).toEqual([]);

  beforeAll(async () => {
    user = await signUpWithToken();
    b = await openSuiteBrowser(SHOTS);
    page = b.page;
  }, 180_000);
  afterAll(async () => {
    await b?.close();
  });

  it('signed out → login → back to the code → Approve → complete; the device gets its token once', async () => {
    const started = await startDeviceAuthorization('E2E laptop', 'linux');
    await page.goto(viaGateway(started.verification_uri_complete));
    await seen(page.getByLabel('Email'));
    await logIn(page, user.email, user.password);
    await textIs(page.getByTestId('device-name'), 'E2E laptop');
    await textIs(page.getByTestId('user-code'), started.user_code);
    expect(new URL(page.url()).pathname).toBe('/sync/authorize');
    await shot('approve');
    await page.getByRole('button', { name: 'Approve' }).click();
    await seen(page.getByText('Device linked'));
    await seen(page.getByText(/This window closes in \d s\./));
    await shot('complete');
    const issued = await pollDeviceToken(started.device_code);
    expect(issued.status).toBe(200);
    expect((await pollDeviceToken(started.device_code)).body.error).toBe('invalid_grant');
    expectClean();

    // The Security page lists it; revoking refuses its token at once.
    await page.goto(`${base}/security?tab=devices`);
    await seen(page.getByText('E2E laptop'));
    await shot('devices');
    await page.getByRole('button', { name: 'Revoke device E2E laptop' }).click();
    await page.getByRole('button', { name: 'Revoke device', exact: true }).click();
    await seen(page.getByText('No device is linked'));
    expect((await call('GET', '/api/v1/sync/devices', { token: issued.body.access_token })).status).toBe(401);
    expectClean();
  }, 120_000);

  it('without a code: the user types it (any case, dash optional), then denies; the device gets access_denied', async () => {
    const started = await startDeviceAuthorization('E2E phone', 'ios');
    await page.goto(`${base}/sync/authorize`);
    await page.getByLabel('Device code').fill(started.user_code.replace('-', '').toLowerCase());
    await page.getByRole('button', { name: 'Continue' }).click();
    await textIs(page.getByTestId('device-name'), 'E2E phone');
    await page.getByRole('button', { name: 'Deny' }).click();
    await seen(page.getByText('Device denied'));
    await shot('denied');
    expect((await pollDeviceToken(started.device_code)).body.error).toBe('access_denied');
    expectClean();
  }, 60_000);

  it('a CLI login: the scopes are listed, the user picks a workspace, and the CLI gets an API key bound to it', async () => {
    const team = await call('POST', '/api/v1/workspaces', { token: user.token, body: { name: 'E2E team' } });
    expect(team.status).toBe(201);
    const teamId = team.body.workspace.id as string;
    const scopes = ['account:read', 'cloudflare:read', 'jobs:read', 'jobs:write'];
    const started = await startDeviceAuthorization('flarevault CLI on e2e-host', 'cli', scopes);
    await page.goto(viaGateway(started.verification_uri_complete));
    await seen(page.getByRole('heading', { name: 'Approve this CLI login?' }));
    await textIs(page.getByTestId('device-name'), 'flarevault CLI on e2e-host');
    await seen(page.getByText('flarevault CLI on e2e-host asks for an API key with:'));
    const listed = page.getByTestId('scope-list').locator('code');
    expect(await listed.allTextContents()).toEqual(scopes);
    const select = page.getByLabel('Workspace the key acts on');
    expect(await select.inputValue()).toBe(user.userId); // the active (personal) workspace by default
    await select.selectOption(teamId);
    expect(await accessibilityViolations(page)).toEqual([]);
    await shot('cli-login');
    await page.getByRole('button', { name: 'Approve' }).click();
    await seen(page.getByRole('heading', { name: 'CLI signed in' }));
    await shot('cli-login-complete');
    const issued = await pollDeviceToken(started.device_code);
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'Bearer', scope: scopes.join(' '), workspace_id: teamId });
    const workspaces = await call('GET', '/api/v1/workspaces', { token: issued.body.access_token });
    expect(workspaces.body.workspaces.find((w: { active: boolean }) => w.active).id).toBe(teamId);
    expectClean();
  }, 60_000);
});
