/** Per-IP allowances, API allowances and attempt slots for secret checks, against DynamoDB Local. */
import { randomBytes } from 'node:crypto';
import { totpAt } from '../support/totp';
import { signup } from '../../functions/identity/accounts';
import { login } from '../../functions/identity/sign-in';
import type { IdentityDeps, RequestContext } from '../../functions/identity/deps';
import { confirmTotp, disableTotp, enrollTotp } from '../../functions/identity/mfa';
import { changePassword } from '../../functions/identity/password-reset';
import { verifyPassword } from '../../functions/identity/password-policy';
import { ACCOUNT_FREE_FAILURES, countApiRequest, countPerIp, delaySeconds, flushEvery, IP_FREE_FAILURES } from '../../functions/identity/throttle';
import { DomainError } from '../../functions/errors';
import { STRONG_PASSWORD } from '../support/http';
import { identityDeps } from './data-fixtures';


const deps = (now: () => number): IdentityDeps => identityDeps({ now });

it('allows `limit` actions per address per window, then 429 with Retry-After until the next window', async () => {
  let t = Date.UTC(2026, 10, 22, 10, 0, 0);
  const d = deps(() => t);
  const ip = `198.51.100.${randomBytes(1)[0]}-${randomBytes(4).toString('hex')}`;
  for (let i = 0; i < 3; i++) await countPerIp(d, 'signup', ip, 3, 3600_000);
  const err = await countPerIp(d, 'signup', ip, 3, 3600_000).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).kind).toBe('rate-limited');
  expect((err as DomainError).options.retryAfterSeconds).toBe(3600);
  // Another address and another action are counted apart.
  await countPerIp(d, 'signup', `${ip}-other`, 3, 3600_000);
  await countPerIp(d, 'password-reset', ip, 3, 3600_000);
  t += 3600_000;
  await countPerIp(d, 'signup', ip, 3, 3600_000);
});

it("counts each user's API requests per minute against the tier allowance", async () => {
  let t = Date.UTC(2026, 10, 22, 10, 0, 30);
  const d = deps(() => t);
  const user = `u${randomBytes(6).toString('hex')}`;
  for (let i = 0; i < 5; i++) await countApiRequest(d, user, 5);
  const err = (await countApiRequest(d, user, 5).catch((e: unknown) => e)) as DomainError;
  expect(err.kind).toBe('rate-limited');
  expect(err.options.retryAfterSeconds).toBe(30);
  expect(err.options.extra).toMatchObject({ limit: 5 });
  await countApiRequest(d, `${user}x`, 5); // another user is counted apart
  t += 30_000; // next minute
  await countApiRequest(d, user, 5);
});

/**
 * Counting in memory, flushed as atomic increments: two containers (two deps, one table)
 * serving one user at once hold the allowance within 2 × (flushEvery − 1) requests, never
 * refuse below it, and write once per flushEvery requests while far from it.
 */
it('holds the tier allowance across containers within the stated tolerance, without a write per request', async () => {
  const t = Date.UTC(2026, 10, 22, 10, 5, 1);
  const perMinute = 600;
  const every = flushEvery(perMinute);
  expect(every).toBe(10);
  const user = `u${randomBytes(6).toString('hex')}`;
  const containers = [0, 1].map(() => {
    const d = deps(() => t);
    const writes = { n: 0 };
    const send = d.table.doc.send.bind(d.table.doc);
    const table = { ...d.table, doc: { send: (cmd: never) => (writes.n++, send(cmd)) } } as unknown as IdentityDeps['table'];
    return { d: { ...d, table }, writes, admitted: 0, refused: 0 };
  });
  const serve = async (c: (typeof containers)[number], n: number) => {
    for (let i = 0; i < n; i++) {
      const r = await countApiRequest(c.d, user, perMinute).then(
        () => 'ok',
        (e: unknown) => (e as DomainError).kind,
      );
      if (r === 'ok') c.admitted++;
      else if (r === 'rate-limited') c.refused++;
      else throw new Error(r);
    }
  };
  // Far from the allowance: one write per `every` requests (plus each container's first).
  await Promise.all(containers.map((c) => serve(c, 200)));
  for (const c of containers) expect(c.writes.n).toBeLessThanOrEqual(200 / every + 1);
  // Past it, both at once.
  await Promise.all(containers.map((c) => serve(c, 300)));
  const admitted = containers[0]!.admitted + containers[1]!.admitted;
  expect(admitted).toBeGreaterThanOrEqual(perMinute);
  expect(admitted).toBeLessThanOrEqual(perMinute + 2 * (every - 1));
  expect(containers[0]!.refused + containers[1]!.refused).toBe(1000 - admitted);
});

/**
 * Secret checks take their attempt slot atomically before the check: under a
 * concurrent burst, only as many checks run as the counters allow. Argon2 runs
 * are counted through the `verifyPassword` port, wrapping the real verifier.
 */
describe('attempt slots under concurrent bursts', () => {
  const BURST = 20;
  const ctxFrom = (ip: string): RequestContext => ({ requestId: `req-${randomBytes(4).toString('hex')}`, ip, userAgent: 'jest' });
  const freshIp = () => `203.0.113.${randomBytes(1)[0]}-${randomBytes(6).toString('hex')}`;
  const freshEmail = () => `throttle-${randomBytes(6).toString('hex')}@example.com`;

  function countingDeps(now: () => number) {
    const calls = { argon2: 0 };
    const d: IdentityDeps = {
      ...deps(now),
      verifyPassword: (stored, password) => {
        calls.argon2++;
        return verifyPassword(stored, password);
      },
    };
    return { d, calls };
  }

  const kindsOf = (results: PromiseSettledResult<unknown>[]) =>
    results.map((r) => (r.status === 'fulfilled' ? 'ok' : r.reason instanceof DomainError ? r.reason.kind : String(r.reason)));
  const count = (kinds: string[], kind: string) => kinds.filter((k) => k === kind).length;
  const burst = <T>(n: number, f: (i: number) => Promise<T>) => Promise.allSettled(Array.from({ length: n }, (_, i) => f(i)));

  it('lets one wrong password through to Argon2 per account after a lockout window, however many arrive at once', async () => {
    let t = Date.UTC(2026, 10, 22, 11, 0, 0);
    const { d, calls } = countingDeps(() => t);
    const email = freshEmail();
    await signup(d, { email, password: STRONG_PASSWORD }, ctxFrom(freshIp()));

    // A fresh account: only the free allowance is checked, the rest wait.
    const first = kindsOf(await burst(BURST, (i) => login(d, { email, password: `wrong-password-${i}` }, ctxFrom(freshIp()))));
    expect(calls.argon2).toBe(ACCOUNT_FREE_FAILURES);
    expect(count(first, 'unauthenticated')).toBe(ACCOUNT_FREE_FAILURES);
    expect(count(first, 'rate-limited')).toBe(BURST - ACCOUNT_FREE_FAILURES);

    t += (delaySeconds(ACCOUNT_FREE_FAILURES, ACCOUNT_FREE_FAILURES) + 1) * 1000; // the lockout window has passed
    calls.argon2 = 0;
    const after = kindsOf(await burst(BURST, (i) => login(d, { email, password: `wrong-again-${i}` }, ctxFrom(freshIp()))));
    expect(calls.argon2).toBe(1);
    expect(count(after, 'unauthenticated')).toBe(1);
    expect(count(after, 'rate-limited')).toBe(BURST - 1);
  });

  it('lets one login through to Argon2 per IP after a lockout window (different accounts, one address)', async () => {
    let t = Date.UTC(2026, 10, 22, 12, 0, 0);
    const { d, calls } = countingDeps(() => t);
    const ip = freshIp();
    const fill = kindsOf(await burst(IP_FREE_FAILURES, () => login(d, { email: freshEmail(), password: 'wrong-password-x' }, ctxFrom(ip))));
    expect(count(fill, 'unauthenticated')).toBe(IP_FREE_FAILURES);

    t += (delaySeconds(IP_FREE_FAILURES, IP_FREE_FAILURES) + 1) * 1000;
    calls.argon2 = 0;
    const after = kindsOf(await burst(BURST, () => login(d, { email: freshEmail(), password: 'wrong-password-y' }, ctxFrom(ip))));
    expect(calls.argon2).toBe(1);
    expect(count(after, 'rate-limited')).toBe(BURST - 1);
  });

  it('guards the current password on password change with the same account counter as login', async () => {
    const t = Date.UTC(2026, 10, 22, 13, 0, 0);
    const { d, calls } = countingDeps(() => t);
    const email = freshEmail();
    const { user, session } = await signup(d, { email, password: STRONG_PASSWORD }, ctxFrom(freshIp()));
    calls.argon2 = 0;
    const changes = kindsOf(
      await burst(BURST, (i) =>
        changePassword(d, user.id, session.sessionId, { currentPassword: `wrong-current-${i}`, newPassword: `${STRONG_PASSWORD}-next` }, ctxFrom(freshIp())),
      ),
    );
    expect(calls.argon2).toBe(ACCOUNT_FREE_FAILURES);
    expect(count(changes, 'invalid')).toBe(ACCOUNT_FREE_FAILURES);
    expect(count(changes, 'rate-limited')).toBe(BURST - ACCOUNT_FREE_FAILURES);
    // The guesses spent on the change count against sign-in too.
    const signIn = await login(d, { email, password: STRONG_PASSWORD }, ctxFrom(freshIp())).catch((e: unknown) => e);
    expect((signIn as DomainError).kind).toBe('rate-limited');
  });

  async function userWithTotp(d: IdentityDeps, now: number) {
    const email = freshEmail();
    const { user, session } = await signup(d, { email, password: STRONG_PASSWORD }, ctxFrom(freshIp()));
    const { secret } = await enrollTotp(d, user.id);
    const recoveryCodes = await confirmTotp(d, user.id, totpAt(secret, now - 30_000), ctxFrom(freshIp()));
    return { email, userId: user.id, sessionId: session.sessionId, secret, recoveryCodes };
  }

  /** A six-digit code valid for none of the steps the check accepts around `now`. */
  function wrongTotp(secret: string, now: number): string {
    const valid = new Set([-30_000, 0, 30_000].map((dt) => totpAt(secret, now + dt)));
    for (let n = 0; ; n++) {
      const code = String(n).padStart(6, '0');
      if (!valid.has(code)) return code;
    }
  }

  it('guards the TOTP check on MFA disable with the account counter', async () => {
    const t = Date.UTC(2026, 10, 22, 14, 0, 0);
    const { d } = countingDeps(() => t);
    const u = await userWithTotp(d, t);
    const code = wrongTotp(u.secret, t);
    const disables = kindsOf(await burst(BURST, () => disableTotp(d, u.userId, code, ctxFrom(freshIp()))));
    expect(count(disables, 'invalid')).toBe(ACCOUNT_FREE_FAILURES);
    expect(count(disables, 'rate-limited')).toBe(BURST - ACCOUNT_FREE_FAILURES);
  });

  it('guards recovery codes at sign-in: a burst with the right password checks only the allowance of codes', async () => {
    const t = Date.UTC(2026, 10, 22, 15, 0, 0);
    const { d, calls } = countingDeps(() => t);
    const u = await userWithTotp(d, t);
    calls.argon2 = 0;
    const logins = kindsOf(
      await burst(BURST, (i) => login(d, { email: u.email, password: STRONG_PASSWORD, recoveryCode: `zzzzz-zzz${String(i).padStart(2, '0')}` }, ctxFrom(freshIp()))),
    );
    expect(calls.argon2).toBe(ACCOUNT_FREE_FAILURES);
    expect(count(logins, 'mfa-required')).toBe(ACCOUNT_FREE_FAILURES);
    expect(count(logins, 'rate-limited')).toBe(BURST - ACCOUNT_FREE_FAILURES);
  });

  it('gives the slot back on a right password: more correct sign-ins from one address than its allowance never lock it', async () => {
    const t = Date.UTC(2026, 10, 22, 16, 0, 0);
    const { d } = countingDeps(() => t);
    const ip = freshIp();
    const emails = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const email = freshEmail();
        await signup(d, { email, password: STRONG_PASSWORD }, ctxFrom(freshIp()));
        return email;
      }),
    );
    // Two waves of 20 (5 per account, the account's allowance of attempts in flight): 40 > IP_FREE_FAILURES.
    for (let wave = 0; wave < 2; wave++) {
      const logins = kindsOf(await burst(emails.length * ACCOUNT_FREE_FAILURES, (i) => login(d, { email: emails[i % emails.length]!, password: STRONG_PASSWORD }, ctxFrom(ip))));
      expect(count(logins, 'ok')).toBe(emails.length * ACCOUNT_FREE_FAILURES);
    }
    await expect(login(d, { email: freshEmail(), password: 'wrong-password-z' }, ctxFrom(ip))).rejects.toMatchObject({ kind: 'unauthenticated' });
  });
});
