/** Password reset rules, through the domain functions on DynamoDB Local and the local KMS. */
import { randomBytes } from 'node:crypto';
import { signup } from '../../functions/identity/accounts';
import { login } from '../../functions/identity/sign-in';
import type { IdentityDeps, RequestContext } from '../../functions/identity/deps';
import { changePassword, requestPasswordReset, resetPassword } from '../../functions/identity/password-reset';
import type { MailMessage } from '../../functions/mail/mailer';
import { STRONG_PASSWORD } from '../support/http';
import { median } from '../support/timing';
import { identityDeps } from './data-fixtures';

const ctxFrom = (ip: string): RequestContext => ({ requestId: `req-${randomBytes(4).toString('hex')}`, ip, userAgent: 'jest' });
const freshIp = () => `192.0.2.${randomBytes(1)[0]}-${randomBytes(6).toString('hex')}`;
const freshEmail = () => `reset-${randomBytes(6).toString('hex')}@example.com`;

function resetDeps(config: Partial<IdentityDeps['config']> = {}) {
  const outbox: MailMessage[] = [];
  return { d: identityDeps({ sent: outbox, config }), outbox };
}

/** The reset tokens mailed to `email`, oldest first. */
const tokensFor = (outbox: MailMessage[], email: string) =>
  outbox.filter((m) => m.to === email && m.text.includes('Reset token')).map((m) => /Reset token: (\S+)/.exec(m.text)![1]!);

async function userWithResetLinks(n: number) {
  const { d, outbox } = resetDeps();
  const email = freshEmail();
  const { user, session } = await signup(d, { email, password: STRONG_PASSWORD }, ctxFrom(freshIp()));
  await Promise.all(Array.from({ length: n }, () => requestPasswordReset(d, email, ctxFrom(freshIp()))));
  const tokens = tokensFor(outbox, email);
  expect(tokens).toHaveLength(n);
  return { d, email, userId: user.id, sessionId: session.sessionId, tokens };
}

describe('password reset tokens', () => {
  it('a reset kills every other reset link mailed earlier', async () => {
    const { d, email, tokens } = await userWithResetLinks(2);
    const [first, second] = tokens as [string, string];
    await resetPassword(d, { token: second, newPassword: `${STRONG_PASSWORD}-reset-1` }, ctxFrom(freshIp()));
    await expect(resetPassword(d, { token: first, newPassword: `${STRONG_PASSWORD}-reset-2` }, ctxFrom(freshIp()))).rejects.toMatchObject({
      kind: 'invalid',
      options: { code: 'invalid-reset-token' },
    });
    await login(d, { email, password: `${STRONG_PASSWORD}-reset-1` }, ctxFrom(freshIp()));
  });

  it('of several links used at once, exactly one resets the password and the others are dead afterwards', async () => {
    const { d, email, tokens } = await userWithResetLinks(3);
    const results = await Promise.allSettled(
      tokens.map((token, i) => resetPassword(d, { token, newPassword: `${STRONG_PASSWORD}-concurrent-${i}` }, ctxFrom(freshIp()))),
    );
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const [i, token] of tokens.entries()) {
      await expect(resetPassword(d, { token, newPassword: `${STRONG_PASSWORD}-later-${i}` }, ctxFrom(freshIp()))).rejects.toMatchObject({ kind: 'invalid' });
    }
    await login(d, { email, password: `${STRONG_PASSWORD}-concurrent-${winners[0]}` }, ctxFrom(freshIp()));
  });

  it('a password change kills outstanding reset links too', async () => {
    const { d, userId, sessionId, tokens } = await userWithResetLinks(1);
    await changePassword(d, userId, sessionId, { currentPassword: STRONG_PASSWORD, newPassword: `${STRONG_PASSWORD}-changed` }, ctxFrom(freshIp()));
    await expect(resetPassword(d, { token: tokens[0]!, newPassword: `${STRONG_PASSWORD}-reset` }, ctxFrom(freshIp()))).rejects.toMatchObject({
      kind: 'invalid',
    });
  });
});

describe('password reset request', () => {
  async function timed(f: () => Promise<unknown>): Promise<number> {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  }

  it('takes the same time whether or not the account exists (both padded to the floor)', async () => {
    const floorMs = 1_000;
    const { d, outbox } = resetDeps({ resetRequestMinMs: floorMs });
    const email = freshEmail();
    await signup(d, { email, password: STRONG_PASSWORD }, ctxFrom(freshIp()));
    const known: number[] = [];
    const unknown: number[] = [];
    // Sequential on purpose: this measures durations, it counts nothing.
    for (let i = 0; i < 3; i++) {
      known.push(await timed(() => requestPasswordReset(d, email, ctxFrom(freshIp()))));
      unknown.push(await timed(() => requestPasswordReset(d, freshEmail(), ctxFrom(freshIp()))));
    }
    expect(tokensFor(outbox, email)).toHaveLength(3);
    // Lower bounds cannot flake; the ratio bound is generous (it fails only if the known path's work exceeds 2x the floor).
    for (const ms of [...known, ...unknown]) expect(ms).toBeGreaterThanOrEqual(floorMs - 5);
    const ratio = median(known) / median(unknown);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
