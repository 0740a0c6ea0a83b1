/**
 * Passkeys in a real browser (issue 17 item 1), with Chromium's CDP virtual authenticator
 * (WebAuthn.addVirtualAuthenticator: CTAP2, internal, resident keys, user verification): register
 * a passkey on the Security page, sign out, sign in with it (no email, no password), use it as
 * the second factor of a password sign-in, rename it and remove it. The dashboard is opened at
 * the relying party's origin, http://localhost:<port>: Chromium refuses 127.0.0.1 as an RP ID
 * (functions/identity/relying-party.ts). Screenshots under test-artifacts/screenshots/passkeys/;
 * no console errors at any step.
 */
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { relyingPartyOf } from '../../functions/identity/relying-party';
import { signUpWithToken } from '../support/http';
import { SCREENSHOTS, accessibilityViolations, browserSkipReason, logIn, openSuiteBrowser, seen } from './support/browser';

const skipReason = browserSkipReason();
if (skipReason) console.warn(`\n[e2e] passkeys suite skipped: ${skipReason}\n`);
const describeBrowser = skipReason ? describe.skip : describe;
const SHOTS = join(SCREENSHOTS, 'passkeys');

describeBrowser('passkeys (browser e2e, CDP virtual authenticator)', () => {
  const origin = relyingPartyOf(process.env.PUBLIC_URL ?? 'http://127.0.0.1').origin;
  let b: Awaited<ReturnType<typeof openSuiteBrowser>>;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let user: Awaited<ReturnType<typeof signUpWithToken>>;
  const shot = (name: string) => b.shot(name);
  const expectClean = () => expect(b.watch.take()).toEqual([]);
  const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  const signOut = async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await seen(page.getByRole('button', { name: 'Sign in with a passkey' }));
  };

  beforeAll(async () => {
    user = await signUpWithToken();
    b = await openSuiteBrowser(SHOTS);
    page = b.page;
    page.setDefaultTimeout(15_000);
    // The MFA step is a 401 the page asks for and handles.
    b.watch.allow = [{ status: 401, path: /^\/api\/v1\/auth\/login$/ }];
    cdp = await b.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    }));
  }, 180_000);
  afterAll(async () => {
    await b?.close();
  });

  it('at 127.0.0.1 (no valid relying party) says where passkeys work instead of a bare SecurityError', async () => {
    const gateway = process.env.FLAREVAULT_URL!;
    expect(new URL(gateway).hostname).toBe('127.0.0.1');
    await page.goto(`${gateway}/login`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await seen(page.getByText(`Passkeys of this deployment work on localhost: open ${origin}/login and try again.`));
    await shot('wrong-host');
    expectClean();
  }, 60_000);

  it('registers a passkey on the Security page', async () => {
    await page.goto(`${origin}/login`);
    expect(await accessibilityViolations(page)).toEqual([]);
    await logIn(page, user.email, user.password);
    await seen(page.getByRole('button', { name: 'Sign out' }));
    await page.goto(`${origin}/security?tab=passkeys`);
    await page.getByLabel('Name').fill('E2E laptop');
    await page.getByRole('button', { name: 'Add passkey' }).click();
    await seen(page.locator('tr[data-passkey="E2E laptop"]'));
    expect(await accessibilityViolations(page)).toEqual([]);
    const [credential] = await credentials();
    expect(credential).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    expect(Buffer.from(credential!.userHandle!, 'base64').toString()).toBe(user.userId);
    await shot('registered');
    expectClean();
  }, 60_000);

  it('signs out, then signs in with the passkey alone (no email, no password)', async () => {
    await signOut();
    await shot('login-page');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await seen(page.getByRole('button', { name: 'Sign out' }));
    expect(await page.getByText(user.email).count()).toBeGreaterThan(0);
    await shot('signed-in-with-passkey');
    expectClean();
  }, 60_000);

  it('is the second factor of a password sign-in', async () => {
    await signOut();
    await logIn(page, user.email, user.password);
    await seen(page.getByRole('button', { name: 'Use a passkey' }));
    expect(await accessibilityViolations(page)).toEqual([]);
    await shot('second-factor-step');
    const before = (await credentials())[0]!.signCount;
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await seen(page.getByRole('button', { name: 'Sign out' }));
    expect((await credentials())[0]!.signCount).toBeGreaterThan(before);
    await shot('signed-in-with-second-factor');
    expectClean();
  }, 60_000);

  it('renames and removes the passkey; the audit log shows each change', async () => {
    await page.goto(`${origin}/security?tab=passkeys`);
    await page.getByRole('button', { name: 'Rename passkey E2E laptop' }).click();
    await page.getByLabel('New name').fill('Work laptop');
    await page.getByRole('button', { name: 'Save' }).click();
    await seen(page.locator('tr[data-passkey="Work laptop"]'));
    await shot('renamed');
    await page.getByRole('button', { name: 'Remove passkey Work laptop' }).click();
    await page.getByRole('button', { name: 'Remove passkey', exact: true }).click();
    await seen(page.getByText('No passkeys'));
    await shot('removed');
    await page.goto(`${origin}/security?tab=audit`);
    for (const type of ['auth.passkey.registered', 'auth.passkey.renamed', 'auth.passkey.removed']) await seen(page.getByText(type, { exact: true }));
    await shot('audit');
    expectClean();
  }, 60_000);
});
