/**
 * Magic links and email verification in a real browser (issue 17 items 2 and 3): sign up, see the
 * verification banner, open the verification link from the local outbox and verify; sign out, ask
 * for a sign-in link on the login page and sign in with it from the outbox (same browser: the cookie
 * binds it); then a second link opened in another browser asks for the code the first one shows;
 * last, the email is changed on the Security page and changes once the new address's link is opened.
 * Screenshots under test-artifacts/screenshots/magic-link/; no console errors at any step.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { readOutbox } from '../../functions/mail/outbox';
import { STRONG_PASSWORD, uniqueEmail } from '../support/http';
import { ConsoleWatch, SCREENSHOTS, accessibilityViolations, browserSkipReason, eventually, launch, logIn, openSuiteBrowser, screenshot, seen } from './support/browser';

const skipReason = browserSkipReason();
if (skipReason) console.warn(`\n[e2e] magic-link suite skipped: ${skipReason}\n`);
const describeBrowser = skipReason ? describe.skip : describe;
const SHOTS = join(SCREENSHOTS, 'magic-link');

/** The newest link of `label` (`Sign-in token`, `Verification token`) mailed to `email`, on the gateway the browser uses (the token stays in the fragment). */
async function newestMailedLink(email: string, after: number, label: string, path: string): Promise<string> {
  let link: string | undefined;
  await eventually(`a "${label}" link in the outbox`, async () => {
    const mails = await readOutbox(process.env.MAIL_OUTBOX_DIR!, email);
    const mail = mails.find((m) => Date.parse(m.sentAt) >= after && m.text.includes(label));
    const token = mail && new RegExp(`${label}: (\\S+)`).exec(mail.text)?.[1];
    link = token ? `${process.env.FLAREVAULT_URL}${path}#token=${encodeURIComponent(token)}` : undefined;
    return Boolean(link);
  });
  return link!;
}
const newestSignInLink = (email: string, after: number) => newestMailedLink(email, after, 'Sign-in token', '/magic-link');

describeBrowser('magic links and email verification (browser e2e)', () => {
  const gateway = process.env.FLAREVAULT_URL!;
  const email = uniqueEmail('magic-e2e');
  let b: Awaited<ReturnType<typeof openSuiteBrowser>>;
  let page: Page;
  const expectClean = () => expect(b.watch.take()).toEqual([]);
  const heading = (name: string) => page.getByRole('heading', { name, level: 1 });
  /** Signs out, asks for a link from the login page's "Email me a sign-in link", and reads the code the page shows. */
  const signOutAndAskForLink = async () => {
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL('**/login');
    await page.getByRole('link', { name: 'Email me a sign-in link' }).click();
    await seen(heading('Email me a sign-in link'));
    await page.getByLabel('Email').fill(email);
    const asked = Date.now() - 1_000;
    await page.getByRole('button', { name: 'Send the link' }).click();
    await seen(page.locator('[data-magic-code]'));
    return { asked, code: (await page.locator('[data-magic-code]').textContent())!.trim() };
  };

  beforeAll(async () => {
    b = await openSuiteBrowser(SHOTS);
    page = b.page;
    page.setDefaultTimeout(15_000);
  }, 180_000);
  afterAll(async () => {
    await b?.close();
  });

  it('signs up: the banner says what waits for verification; resend mails a new link', async () => {
    await page.goto(`${gateway}/signup`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(STRONG_PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await seen(heading('Overview'));
    const banner = page.getByRole('region', { name: 'Email verification' });
    await seen(banner.getByText(`Verify ${email}`, { exact: false }));
    await banner.getByRole('button', { name: 'Resend the link' }).click();
    await seen(banner.getByText('Sent. Check your mail.'));
    expect(await accessibilityViolations(page)).toEqual([]);
    await b.shot('unverified-banner');
    expectClean();
  }, 60_000);

  it('verifies the email from the outbox link: the banner goes and the Security page says verified', async () => {
    await page.goto(`${gateway}/outbox`);
    const link = page.locator('a[href*="/verify-email#token="]').first();
    await seen(link, 20_000);
    await link.click();
    await page.waitForURL((u) => u.pathname === '/verify-email' && !u.hash);
    await b.shot('verify-landing');
    await page.getByRole('button', { name: 'Verify my email' }).click();
    await seen(page.getByText(`${email} is verified.`));
    expect(await accessibilityViolations(page)).toEqual([]);
    await b.shot('verified');
    await page.goto(`${gateway}/security?tab=email`);
    await seen(page.locator('[data-email-status]').getByText('(verified)'));
    expect(await page.getByRole('region', { name: 'Email verification' }).count()).toBe(0);
    await b.shot('security-email-tab');
    expectClean();
  }, 60_000);

  it('signs out, asks for a sign-in link on the login page and signs in with it in the same browser', async () => {
    const { asked, code } = await signOutAndAskForLink();
    expect(code).toMatch(/^\d{6}$/);
    expect(await accessibilityViolations(page)).toEqual([]);
    await b.shot('link-requested');
    // As from a mail client: a fresh load of the link in this browser (its cookie goes with it).
    const link = await newestSignInLink(email, asked);
    await page.goto('about:blank');
    await page.goto(link);
    await page.waitForURL((u) => u.pathname === '/magic-link' && !u.hash);
    await b.shot('link-landing');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await seen(heading('Overview'));
    await b.shot('signed-in-by-link');
    expectClean();
  }, 60_000);

  it('a link opened in another browser asks for the code the asking browser shows', async () => {
    const { asked, code } = await signOutAndAskForLink();
    const other = await launch();
    try {
      const watch = new ConsoleWatch(other.page);
      // The code prompt is a 401 the page asks for and handles.
      watch.allow = [{ status: 401, path: /^\/api\/v1\/auth\/magic-link\/sign-in$/ }];
      await other.page.goto(await newestSignInLink(email, asked));
      await other.page.getByRole('button', { name: 'Sign in' }).click();
      await seen(other.page.getByLabel('Code from the other browser'));
      await screenshot(other.page, 'other-browser-code', SHOTS);
      await other.page.getByLabel('Code from the other browser').fill(code);
      await other.page.getByRole('button', { name: 'Sign in' }).click();
      await seen(other.page.getByRole('heading', { name: 'Overview', level: 1 }));
      await screenshot(other.page, 'other-browser-signed-in', SHOTS);
      expect(watch.take()).toEqual([]);
    } finally {
      await other.close();
    }
    expectClean();
  }, 90_000);

  it('changes the email on the Security page: it takes effect when the new address’s link is opened', async () => {
    await page.goto(`${gateway}/login`);
    await logIn(page, email, STRONG_PASSWORD);
    await seen(heading('Overview'));
    await page.goto(`${gateway}/security?tab=email`);
    const newEmail = uniqueEmail('magic-e2e-new');
    await page.getByLabel('New email address').fill(newEmail);
    const asked = Date.now() - 1_000;
    await page.getByRole('button', { name: 'Change email' }).click();
    await seen(page.getByText('Check the new address for a confirmation link.', { exact: false }));
    // Nothing changed yet.
    await seen(page.locator('[data-email-status]').getByText('(verified)'));
    expect(await page.getByText(email, { exact: true }).count()).toBeGreaterThan(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    await b.shot('email-change-requested');
    const link = await newestMailedLink(newEmail, asked, 'Verification token', '/verify-email');
    await page.goto('about:blank');
    await page.goto(link);
    await page.getByRole('button', { name: 'Verify my email' }).click();
    await seen(page.getByText(`Your account's email address is now ${newEmail}.`));
    await b.shot('email-changed');
    await page.goto(`${gateway}/security?tab=email`);
    await seen(page.getByText(newEmail, { exact: true }).first());
    // The old address was told at the request and at the change.
    const told = (await readOutbox(process.env.MAIL_OUTBOX_DIR!, email)).map((m) => m.subject);
    expect(told).toEqual(expect.arrayContaining(['A change of your flarevault email address was requested', 'Your flarevault email address was changed']));
    expectClean();
  }, 60_000);
});
