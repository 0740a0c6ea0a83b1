/**
 * Magic-link sign-in over HTTP against the local runtime: the answer does not reveal accounts
 * (status, body, cookie, time), the link works once (a burst of 8 → one session), in the browser
 * that asked (another one needs the code that browser shows, 5 tries), with MFA as after a password;
 * throttled per email and per address. Expiry: links minted by the domain with a clock moved back
 * (the stack's clock cannot move), then used over HTTP; and on the domain to the second.
 */
import { randomBytes } from 'node:crypto';
import { call, cookieFrom, freshLoopbackAddress, mailedToken, signUpWithToken, uniqueEmail } from '../support/http';
import { median } from '../support/timing';
import { totpAt } from '../support/totp';
import { identityDeps } from './data-fixtures';
import type { MailMessage } from '../../functions/mail/mailer';
import { signup } from '../../functions/identity/accounts';
import { requestMagicLink } from '../../functions/identity/magic-link-request';
import { signInWithMagicLink } from '../../functions/identity/magic-link-sign-in';
import { STRONG_PASSWORD } from '../support/http';

const MAGIC = '__Host-fv_magic';

async function ask(email: string, from = freshLoopbackAddress()) {
  const t0 = performance.now();
  const r = await call('POST', '/api/v1/auth/magic-link', { body: { email }, from });
  return { r, ms: performance.now() - t0, cookie: cookieFrom(r.headers, MAGIC) };
}

const signIn = (token: string, o: { cookie?: string; code?: string; recoveryCode?: string } = {}) =>
  call('POST', '/api/v1/auth/magic-link/sign-in', {
    body: { token, client: 'token', ...(o.code ? { code: o.code } : {}), ...(o.recoveryCode ? { recoveryCode: o.recoveryCode } : {}) },
    cookie: o.cookie,
    from: freshLoopbackAddress(),
  });

describe('magic link request', () => {
  it('answers a known and an unknown email alike: status, body shape, cookie attributes and time (medians)', async () => {
    const user = await signUpWithToken();
    const unknown = uniqueEmail('nobody');
    const known: number[] = [];
    const missing: number[] = [];
    const shapes = new Set<string>();
    for (let i = 0; i < 5; i++) {
      // Alternate, so drift in the machine's load hits both sides alike. A fresh address each: the per-IP allowance.
      for (const [email, into] of [[user.email, known], [unknown, missing]] as const) {
        const { r, ms } = await ask(email);
        expect(r.status).toBe(202);
        expect(Object.keys(r.body)).toEqual(['code']);
        expect(r.body.code).toMatch(/^\d{6}$/);
        const setCookie = r.headers.getSetCookie();
        expect(setCookie).toHaveLength(1);
        shapes.add(setCookie[0]!.replace(/^__Host-fv_magic=[A-Za-z0-9_-]{43};/, '__Host-fv_magic=<secret>;'));
        into.push(ms);
      }
      // The per-email allowance is 5 an hour: a new unknown address every round keeps it out of the way.
    }
    expect([...shapes]).toEqual(['__Host-fv_magic=<secret>; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=900']);
    // Both are padded to the same floor (1 s locally): the medians differ by far less than the floor.
    expect(median(known)).toBeGreaterThanOrEqual(950);
    expect(median(missing)).toBeGreaterThanOrEqual(950);
    expect(Math.abs(median(known) - median(missing))).toBeLessThan(250);
  }, 60_000);

  it('is throttled per email (5 an hour), whichever address asks, and the 6th answer is the same for an unknown email', async () => {
    for (const email of [(await signUpWithToken()).email, uniqueEmail('nobody')]) {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await call('POST', '/api/v1/auth/magic-link', { body: { email }, from: freshLoopbackAddress() })).status);
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    }
  }, 60_000);
});

describe('magic link sign-in', () => {
  it('signs in once in the browser that asked; the link is dead afterwards', async () => {
    const user = await signUpWithToken();
    const { cookie } = await ask(user.email);
    const token = await mailedToken(user.token, 'Sign-in token');
    expect(token).toMatch(/^fv_magic_/);
    const ok = await signIn(token, { cookie });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ id: user.userId, email: user.email });
    expect((await call('GET', '/api/v1/me', { token: ok.body.token })).status).toBe(200);
    expect(ok.headers.getSetCookie().some((c) => c.startsWith(`${MAGIC}=;`) && c.includes('Max-Age=0'))).toBe(true);
    const again = await signIn(token, { cookie });
    expect(again.status).toBe(400);
    expect(again.body.type).toMatch(/\/invalid-magic-link$/);
     const types = (await call('GET', '/api/v1/audit-events', { token: user.token })).body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['auth.magic-link.requested', 'auth.magic-link.used']));
    const login = (await call('GET', '/api/v1/audit-events', { token: user.token })).body.events.find(
      (e: { type: string; metadata: { via?: string } }) => e.type === 'auth.login.succeeded' && e.metadata.via === 'magic-link',
    );
    expect(login).toBeDefined();
  });

  it('of 8 concurrent uses of one link exactly one gets a session', async () => {
    const user = await signUpWithToken();
    const { cookie } = await ask(user.email);
    const token = await mailedToken(user.token, 'Sign-in token');
    const results = await Promise.all(Array.from({ length: 8 }, () => signIn(token, { cookie })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.type).toMatch(/\/invalid-magic-link$/);
  });

  it('opened in another browser (no cookie, or another one): asks for the code the asking browser shows', async () => {
    const user = await signUpWithToken();
    const { r, cookie } = await ask(user.email);
    const token = await mailedToken(user.token, 'Sign-in token');
    const noCookie = await signIn(token);
    expect(noCookie.status).toBe(401);
    expect(noCookie.body.type).toMatch(/\/magic-link-code-required$/);
    const otherCookie = await signIn(token, { cookie: `${MAGIC}=${randomBytes(32).toString('base64url')}` });
    expect(otherCookie.body.type).toMatch(/\/magic-link-code-required$/);
    const wrong = await signIn(token, { code: r.body.code === '000000' ? '000001' : '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.type).toMatch(/\/wrong-magic-link-code$/);
    const right = await signIn(token, { code: r.body.code });
    expect(right.status).toBe(200);
    expect(right.body.user.id).toBe(user.userId);
    expect(cookie).toBeDefined();
  });

  it('five wrong codes kill the link: the right code then fails too', async () => {
    const user = await signUpWithToken();
    const { r } = await ask(user.email);
    const token = await mailedToken(user.token, 'Sign-in token');
    const wrongCode = String((Number(r.body.code) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i++) expect((await signIn(token, { code: wrongCode })).status).toBe(400);
    const late = await signIn(token, { code: r.body.code });
    expect(late.status).toBe(400);
    expect(late.body.type).toMatch(/\/invalid-magic-link$/);
  });

  it('the five tries hold under a burst: 8 wrong codes at once: exactly five counted (racing tries get 409), then the right code fails too', async () => {
    const user = await signUpWithToken();
    const { r } = await ask(user.email);
    const token = await mailedToken(user.token, 'Sign-in token');
    const wrongCode = String((Number(r.body.code) + 1) % 1_000_000).padStart(6, '0');
    const burst = await Promise.all(Array.from({ length: 8 }, () => signIn(token, { code: wrongCode })));
    // Each try is counted on the link under its version: a try that races another gets 409 (try
    // again), never a pass, and no try goes uncounted — exactly five wrong codes are answered as such.
    expect(burst.every((b) => b.status === 400 || b.status === 409)).toBe(true);
    let counted = burst.filter((b) => b.status === 400 && /\/wrong-magic-link-code$/.test(b.body.type)).length;
    for (let i = 0; i < 8; i++) {
      const more = await signIn(token, { code: wrongCode });
      if (!/\/wrong-magic-link-code$/.test(more.body.type)) break;
      counted++;
    }
    expect(counted).toBe(5);
    const late = await signIn(token, { code: r.body.code });
    expect(late.status).toBe(400);
    expect(late.body.type).toMatch(/\/invalid-magic-link$/);
  });

  it('MFA still applies: the link alone gets the mfa-required step, and keeps working until the second factor passes', async () => {
    const user = await signUpWithToken();
    const enrol = await call('POST', '/api/v1/auth/mfa/totp/enroll', { token: user.token });
    const confirm = await call('POST', '/api/v1/auth/mfa/totp/confirm', {
      token: user.token,
      body: { code: totpAt(enrol.body.secret, Date.now()) },
    });
    expect(confirm.status).toBe(200);
    const { cookie } = await ask(user.email);
    const token = await mailedToken(user.token, 'Sign-in token');
    const step = await signIn(token, { cookie });
    expect(step.status).toBe(401);
    expect(step.body.type).toMatch(/\/mfa-required$/);
    expect(step.body.secondFactors).toEqual(['totp', 'recovery-code']);
    const wrong = await signIn(token, { cookie, recoveryCode: 'aaaa-bbbb-cccc' });
    expect(wrong.status).toBe(401);
    const ok = await signIn(token, { cookie, recoveryCode: confirm.body.recoveryCodes[0] });
    expect(ok.status).toBe(200);
  });
});

describe('magic link expiry over HTTP (minted with a clock moved back)', () => {
  it('a link minted 14 minutes ago signs in over HTTP; one minted 16 minutes ago is refused like any bad link', async () => {
    const user = await signUpWithToken();
    const mint = async (ageMs: number) => {
      const sent: MailMessage[] = [];
      const d = identityDeps({ sent, now: () => Date.now() - ageMs, config: { resetRequestMinMs: 0 } });
      const ctx = { requestId: `req-age-${ageMs}`, ip: `198.51.100.${randomBytes(1)[0]}-${randomBytes(4).toString('hex')}`, userAgent: 'jest' };
      const asked = await requestMagicLink(d, user.email, ctx);
      const token = /Sign-in token: (\S+)/.exec(sent.filter((m) => m.to === user.email).at(-1)!.text)![1]!;
      return { token, cookie: `${MAGIC}=${asked.browserSecret}` };
    };
    const fresh = await mint(14 * 60_000);
    const ok = await signIn(fresh.token, { cookie: fresh.cookie });
    expect(ok.status).toBe(200);
    const stale = await mint(16 * 60_000);
    const refused = await signIn(stale.token, { cookie: stale.cookie });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ type: expect.stringMatching(/\/invalid-magic-link$/), errors: [{ in: 'body', field: 'token' }] });
  });
});

describe('magic link expiry (domain, moved clock)', () => {
  it('works until 15 minutes after the request, not after', async () => {
    let now = Date.now();
    const sent: MailMessage[] = [];
    const d = identityDeps({ sent, now: () => now, config: { resetRequestMinMs: 0 } });
    const ctx = { requestId: 'req-expiry', ip: `198.51.100.${randomBytes(1)[0]}-${randomBytes(4).toString('hex')}`, userAgent: 'jest' };
    const email = uniqueEmail('expiry');
    await signup(d, { email, password: STRONG_PASSWORD }, ctx);
    const tokenOf = () => /Sign-in token: (\S+)/.exec(sent.filter((m) => m.to === email).at(-1)!.text)![1]!;
    const first = await requestMagicLink(d, email, ctx);
    const firstToken = tokenOf();
    const second = await requestMagicLink(d, email, ctx);
    const secondToken = tokenOf();
    now += 15 * 60_000 - 1_000;
    await expect(signInWithMagicLink(d, { token: firstToken }, first.browserSecret, ctx)).resolves.toMatchObject({ user: { email } });
    now += 2_000;
    await expect(signInWithMagicLink(d, { token: secondToken }, second.browserSecret, ctx)).rejects.toMatchObject({
      kind: 'invalid',
      options: { code: 'invalid-magic-link' },
    });
  });
});
