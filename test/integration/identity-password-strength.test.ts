/**
 * The strength check (zxcvbn) on unauthenticated input: its input is bounded by
 * the contract, and each attempt is counted against the per-IP allowance
 * before it runs.
 */
import { randomBytes } from 'node:crypto';
import { signup, SIGNUPS_PER_IP_PER_HOUR } from '../../functions/identity/accounts';
import type { IdentityDeps, RequestContext } from '../../functions/identity/deps';
import { resetPassword, RESET_ATTEMPTS_PER_IP_PER_HOUR } from '../../functions/identity/password-reset';
import { call, STRONG_PASSWORD, uniqueEmail } from '../support/http';
import { identityDeps } from './data-fixtures';

const ctxFrom = (ip: string): RequestContext => ({ requestId: `req-${randomBytes(4).toString('hex')}`, ip, userAgent: 'jest' });
const freshIp = () => `198.18.0.${randomBytes(1)[0]}-${randomBytes(6).toString('hex')}`;
/** Strong by any measure, and longer than the contract allows. */
const oversized = (n: number) => `${STRONG_PASSWORD}-${randomBytes(n).toString('base64url')}`.slice(0, n);

const deps = (): IdentityDeps => identityDeps();

const kindOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { kind?: string }) => e.kind ?? String(e),
  );

describe('password strength check on unauthenticated input', () => {
  it('refuses a password longer than 128 characters with 400 and field detail (sign-up and reset), before any work', async () => {
    const signupTooLong = await call('POST', '/api/v1/auth/signup', { body: { email: uniqueEmail('long'), password: oversized(129) } });
    expect(signupTooLong.status).toBe(400);
    expect(signupTooLong.body.errors).toEqual([expect.objectContaining({ in: 'body', field: 'password' })]);
    const resetTooLong = await call('POST', '/api/v1/auth/password/reset', { body: { token: `fv_reset_${'x'.repeat(40)}`, newPassword: oversized(129) } });
    expect(resetTooLong.status).toBe(400);
    expect(resetTooLong.body.errors).toEqual([expect.objectContaining({ in: 'body', field: 'newPassword' })]);
    // 128 is still fine.
    expect((await call('POST', '/api/v1/auth/signup', { body: { email: uniqueEmail('long'), password: oversized(128), client: 'token' } })).status).toBe(201);
  });

  it('counts sign-ups with weak passwords against the per-IP allowance, so past it zxcvbn never runs', async () => {
    const d = deps();
    const ip = freshIp();
    const weak = await Promise.all(
      Array.from({ length: SIGNUPS_PER_IP_PER_HOUR }, (_, i) => kindOf(signup(d, { email: `weak-${i}-${randomBytes(4).toString('hex')}@example.com`, password: 'password1234' }, ctxFrom(ip)))),
    );
    expect(weak.every((k) => k === 'invalid')).toBe(true);
    // The allowance is spent: the next attempt is refused before its password is judged.
    expect(await kindOf(signup(d, { email: `next-${randomBytes(4).toString('hex')}@example.com`, password: 'password1234' }, ctxFrom(ip)))).toBe('rate-limited');
    expect(await kindOf(signup(d, { email: `next-${randomBytes(4).toString('hex')}@example.com`, password: STRONG_PASSWORD }, ctxFrom(ip)))).toBe('rate-limited');
  });

  it('counts password-reset submissions against a per-IP allowance before the token or the password is judged', async () => {
    const d = deps();
    const ip = freshIp();
    const bogus = `fv_reset_${'x'.repeat(40)}`;
    const attempts = await Promise.all(
      Array.from({ length: RESET_ATTEMPTS_PER_IP_PER_HOUR + 5 }, () => kindOf(resetPassword(d, { token: bogus, newPassword: 'password1234' }, ctxFrom(ip)))),
    );
    expect(attempts.filter((k) => k === 'invalid')).toHaveLength(RESET_ATTEMPTS_PER_IP_PER_HOUR);
    expect(attempts.filter((k) => k === 'rate-limited')).toHaveLength(5);
  });
});
