/**
 * OpenID Connect sign-in in a real browser (issue 17 item 5), through the local stack's real
 * provider (oidc-provider): an existing account's owner clicks "Sign in with the local OpenID
 * provider", signs in at the provider with the account's (verified) email, is asked to log in,
 * confirms the link, sees it on the Security page; signs out and signs in through the provider
 * without a password; unlinks. Screenshots under test-artifacts/screenshots/oidc/; no console errors.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { baseUrl } from '../setup/env';
import { signUpWithToken } from '../support/http';
import { providerEmail } from '../support/oidc';
import { ConsoleWatch, SCREENSHOTS, browserSkipReason, ensureSpaBuilt, launch, resetScreenshots, screenshot, seen, type Browser } from './support/browser';

const skipReason = browserSkipReason();
if (skipReason) console.warn(`\n[e2e] oidc suite skipped: ${skipReason}\n`);
const describeBrowser = skipReason ? describe.skip : describe;
const SHOTS = join(SCREENSHOTS, 'oidc');
const BUTTON = 'Sign in with the local OpenID provider';

describeBrowser('OpenID Connect sign-in (browser e2e, local provider)', () => {
  const base = baseUrl();
  let b: Browser;
  let page: Page;
  let watch: ConsoleWatch;
  let user: Awaited<ReturnType<typeof signUpWithToken>>;
  const shot = (name: string) => screenshot(page, name, SHOTS);
  const expectClean = () => expect(watch.take()).toEqual([]);
  const atProvider = async (email: string) => {
    await seen(page.getByRole('heading', { name: 'Local OpenID provider' }));
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('demo');
    await shot('provider-login');
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  beforeAll(async () => {
    ensureSpaBuilt();
    resetScreenshots(SHOTS);
    user = await signUpWithToken(providerEmail('e2e'));
    b = await launch();
    page = b.page;
    page.setDefaultTimeout(15_000);
    watch = new ConsoleWatch(page);
  }, 180_000);
  afterAll(async () => {
    await b?.close();
  });

  it("brings the provider's identity back and asks the account's owner to log in", async () => {
    await page.goto(`${base}/login`);
    await seen(page.getByRole('button', { name: BUTTON }));
    await shot('login-page');
    await page.getByRole('button', { name: BUTTON }).click();
    await atProvider(user.email);
    await page.waitForURL(/\/login\?oidc=link/);
    await seen(page.getByText('Log in to that account to link the provider'));
    await shot('link-asks-login');
    expectClean();
  }, 60_000);

  it('links the identity only when the signed-in owner confirms', async () => {
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Link the local OpenID provider to your account?' });
    await seen(dialog);
    await shot('confirm-link');
    await dialog.getByRole('button', { name: 'Link identity' }).click();
    await seen(page.getByRole('button', { name: 'Sign out' }));
    await page.goto(`${base}/security?tab=identities`);
    await seen(page.locator('tr[data-identity="local"]'));
    expect(await page.locator('tr[data-identity="local"]').textContent()).toContain(user.email);
    await shot('linked-identities');
    await page.goto(`${base}/security?tab=audit`);
    await seen(page.getByText('auth.identity.linked').first());
    expectClean();
  }, 60_000);

  it('signs out, then signs in through the provider with no password', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: BUTTON }).click();
    // The provider still has its own session from the first visit: it sends the browser straight back.
    await page.waitForURL((u) => u.pathname === '/' || u.port !== new URL(base).port || u.pathname.startsWith('/interaction'));
    if (new URL(page.url()).pathname.startsWith('/interaction')) await atProvider(user.email);
    await seen(page.getByRole('button', { name: 'Sign out' }));
    expect(await page.getByText(user.email).count()).toBeGreaterThan(0);
    await shot('signed-in-through-provider');
    expectClean();
  }, 60_000);

  it('unlinks the identity on the Security page', async () => {
    await page.goto(`${base}/security?tab=identities`);
    await page.getByRole('button', { name: 'Unlink the local OpenID provider' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Unlink' }).click();
    await seen(page.getByText('No linked identities'));
    await shot('unlinked');
    expectClean();
  }, 60_000);
});
