/**
 * Bot protection in a real browser (issue 17 item 4): the signup form with Turnstile on passes and
 * fails the local Turnstile. Two gateways of the test stack (same DynamoDB, KMS and handlers) whose
 * auth function verifies against the local Turnstile endpoint with Cloudflare's always-passes and
 * always-fails test secrets. The widget is the local stand-in of api.js (challenges.cloudflare.com
 * is not reachable offline): it hands over Cloudflare's dummy token, and siteverify decides: the
 * server-side verification is the real code path. The page's CSP allows the widget origin for
 * scripts and frames only here. Screenshots under test-artifacts/screenshots/turnstile/; no console
 * errors beyond the refused signup the page expects and shows.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { functionDef, type AnyHandler, type HandlerResolver } from '../../lib/local/lambda';
import { startGateway, type Gateway } from '../../lib/local/gateway';
import { localTurnstileEnv, startLocalTurnstile, type LocalTurnstile, type TurnstileMode } from '../../lib/local/turnstile';
import { STRONG_PASSWORD, uniqueEmail } from '../support/http';
import { SCREENSHOTS, browserSkipReason, openSuiteBrowser, seen } from './support/browser';

const skipReason = browserSkipReason();
if (skipReason) console.warn(`\n[e2e] turnstile suite skipped: ${skipReason}\n`);
const describeBrowser = skipReason ? describe.skip : describe;
const SHOTS = join(SCREENSHOTS, 'turnstile');

/** Each function loaded once, in its own module registry, with the Turnstile env of `mode` (read at load, as a cold start does). */
function resolverWith(env: Record<string, string>): HandlerResolver {
  const cache = new Map<string, AnyHandler>();
  return (fnId) => {
    const hit = cache.get(fnId);
    if (hit) return hit;
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    let handler: AnyHandler | undefined;
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        handler = require(join(__dirname, '..', '..', 'functions', functionDef(fnId).entry)).handler as AnyHandler;
      });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    cache.set(fnId, handler!);
    return handler!;
  };
}

describeBrowser('Turnstile on the signup form (browser e2e, local siteverify)', () => {
  let local: LocalTurnstile;
  const gateways: Partial<Record<TurnstileMode, Gateway>> = {};
  let b: Awaited<ReturnType<typeof openSuiteBrowser>>;
  let page: Page;

  beforeAll(async () => {
    local = await startLocalTurnstile();
    for (const mode of ['pass', 'fail'] as const) {
      gateways[mode] = await startGateway({
        port: 0,
        originVerifySecret: process.env.ORIGIN_VERIFY_SECRET!,
        resolveHandler: resolverWith(localTurnstileEnv(local, mode)),
        turnstileOrigin: local.origin,
      });
    }
    b = await openSuiteBrowser(SHOTS);
    page = b.page;
    page.setDefaultTimeout(15_000);
  }, 180_000);
  afterAll(async () => {
    await b?.close();
    for (const g of Object.values(gateways)) await g?.stop();
    await local?.close();
  });

  async function fillSignup(gateway: Gateway, email: string) {
    const res = await page.goto(`${gateway.url}/signup`);
    const csp = res!.headers()['content-security-policy']!;
    expect(csp).toContain(`script-src 'self' ${local.origin}`);
    expect(csp).toContain(`frame-src ${local.origin}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(STRONG_PASSWORD);
    // The widget's iframe (from the Turnstile origin) reports success once it has handed over the token.
    const frame = page.frameLocator('[data-turnstile-widget] iframe');
    await seen(frame.getByText(/Success!/));
  }

  it('passes: the dummy token verifies with the always-passes secret and the account is created', async () => {
    const before = local.calls.length;
    await fillSignup(gateways.pass!, uniqueEmail('turnstile-pass'));
    await b.shot('pass-widget-solved');
    await page.getByRole('button', { name: 'Create account' }).click();
    await seen(page.getByRole('button', { name: 'Sign out' }));
    await b.shot('pass-signed-up');
    expect(local.calls.slice(before)).toEqual([expect.objectContaining({ success: true, errorCodes: [] })]);
    expect(b.watch.take()).toEqual([]);
  }, 90_000);

  it('fails: the always-fails secret refuses the token; the form says so at the bot check and no account is made', async () => {
    await page.context().clearCookies();
    const email = uniqueEmail('turnstile-fail');
    const before = local.calls.length;
    b.watch.allow = [{ status: 403, path: /^\/api\/v1\/auth\/signup$/ }];
    await fillSignup(gateways.fail!, email);
    await page.getByRole('button', { name: 'Create account' }).click();
    await seen(page.locator('[data-field-error="turnstileToken"]'));
    expect(await page.locator('[data-field-error="turnstileToken"]').textContent()).toContain('invalid-input-response');
    await b.shot('fail-refused');
    expect(local.calls.slice(before)).toEqual([expect.objectContaining({ success: false, errorCodes: ['invalid-input-response'] })]);
    // A fresh widget (the token verified once) is shown for the next try.
    await seen(page.frameLocator('[data-turnstile-widget] iframe').getByText(/Success!/));
    expect(b.watch.take()).toEqual([]);
    // No account: the same email then signs up on the passing stage.
    await fillSignup(gateways.pass!, email);
    await page.getByRole('button', { name: 'Create account' }).click();
    await seen(page.getByRole('button', { name: 'Sign out' }));
    expect(b.watch.take()).toEqual([]);
  }, 90_000);

  it('the magic-link and password-reset request forms carry the widget too, and pass with it', async () => {
    await page.context().clearCookies();
    const before = local.calls.length;
    await page.goto(`${gateways.pass!.url}/magic-link`);
    await page.getByLabel('Email').fill(uniqueEmail('turnstile-magic'));
    await seen(page.frameLocator('[data-turnstile-widget] iframe').getByText(/Success!/));
    await page.getByRole('button', { name: 'Send the link' }).click();
    await seen(page.locator('[data-magic-code]'));
    await b.shot('magic-link-requested');
    await page.goto(`${gateways.pass!.url}/forgot`);
    await page.getByLabel('Email').fill(uniqueEmail('turnstile-reset'));
    await seen(page.frameLocator('[data-turnstile-widget] iframe').getByText(/Success!/));
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await seen(page.getByText(/a reset link is on its way/));
    await b.shot('reset-requested');
    expect(local.calls.slice(before).map((c) => c.success)).toEqual([true, true]);
    expect(b.watch.take()).toEqual([]);
  }, 60_000);

  it('off (the test stack, as every stage by default): no widget, no script from the Turnstile origin, the strict CSP', async () => {
    await page.context().clearCookies();
    const config = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/bot-protection'));
    const res = await page.goto(`${process.env.FLAREVAULT_URL}/signup`);
    expect(res!.headers()['content-security-policy']).not.toContain('frame-src');
    expect(await (await config).json()).toEqual({ turnstile: null });
    await seen(page.getByRole('button', { name: 'Create account' }));
    expect(await page.locator('[data-turnstile-widget]').count()).toBe(0);
    expect(await page.locator(`script[src^="${local.origin}"]`).count()).toBe(0);
    await b.shot('off');
    expect(b.watch.take()).toEqual([]);
  }, 60_000);
});
