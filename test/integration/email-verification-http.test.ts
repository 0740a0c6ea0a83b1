/**
 * Email verification over HTTP against the local runtime: sign-up mails a single-use link; until
 * it is used, connecting a Cloudflare account, inviting and registering an application answer 403
 * email-unverified, and work after; resend is limited (burst); an email change answers alike for a
 * taken and a free address (status, body, time) and takes effect only with the new address's link
 * (domain, where every mailbox is readable); links expire (domain, moved clock).
 */
import { randomBytes } from 'node:crypto';
import { call, freshLoopbackAddress, mailedToken, signUpWithToken, STRONG_PASSWORD, uniqueEmail } from '../support/http';
import { median } from '../support/timing';
import { identityDeps } from './data-fixtures';
import type { MailMessage } from '../../functions/mail/mailer';
import { signup } from '../../functions/identity/accounts';
import { userTenant } from '../../functions/tenancy/tenant';
import { login } from '../../functions/identity/sign-in';
import { requestEmailChange, resendVerification, verifyEmail } from '../../functions/identity/email-verification';

const verify = (token: string) => call('POST', '/api/v1/auth/email/verify', { body: { token }, from: freshLoopbackAddress() });

describe('an unverified account', () => {
  it('signs in but cannot connect Cloudflare accounts, invite or register applications (403 email-unverified) until verified', async () => {
    const user = await signUpWithToken(undefined, undefined, { verified: false });
    const me = await call('GET', '/api/v1/me', { token: user.token });
    expect(me.body.user.emailVerified).toBe(false);
    const ws = (await call('POST', '/api/v1/workspaces', { token: user.token, body: { name: 'Unverified team' } })).body.workspace.id;
    const gated = () =>
      Promise.all([
        call('POST', '/api/v1/cloudflare/accounts', { token: user.token, body: { name: 'Sandbox', sandbox: true } }),
        call('POST', `/api/v1/workspaces/${ws}/invites`, { token: user.token, body: { email: uniqueEmail('invitee'), role: 'USER' } }),
        call('POST', `/api/v1/workspaces/${ws}/applications`, {
          token: user.token,
          body: { name: 'Portal', allowedOrigins: ['https://portal.example.com'], redirectUris: ['https://portal.example.com/cb'] },
        }),
      ]);
    // Switch to the team workspace, where inviting and applications apply.
    expect((await call('POST', `/api/v1/workspaces/${ws}/activate`, { token: user.token })).status).toBe(200);
    const refused = await gated();
    expect(refused.map((r) => [r.status, r.body.type?.split('/').pop()])).toEqual(Array(3).fill([403, 'email-unverified']));
    const token = await mailedToken(user.token, 'Verification token');
    expect(token).toMatch(/^fv_verify_/);
    const ok = await verify(token);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ email: user.email, purpose: 'signup' });
    expect((await call('GET', '/api/v1/me', { token: user.token })).body.user.emailVerified).toBe(true);
    expect((await gated()).map((r) => r.status)).toEqual([201, 201, 201]);
    const reused = await verify(token);
    expect(reused.status).toBe(400);
    expect(reused.body.type).toMatch(/\/invalid-verification-token$/);
    const types = (await call('GET', '/api/v1/audit-events', { token: user.token })).body.events.map((e: { type: string }) => e.type);
    expect(types).toContain('auth.email.verified');
  }, 60_000);

  it('a verification link used 8 times at once verifies once: one 200, the others refused, one audit event', async () => {
    const user = await signUpWithToken(undefined, undefined, { verified: false });
    const token = await mailedToken(user.token, 'Verification token');
    const burst = await Promise.all(Array.from({ length: 8 }, () => verify(token)));
    expect(burst.filter((b) => b.status === 200)).toHaveLength(1);
    expect(burst.filter((b) => b.status !== 200).every((b) => b.status === 400 || b.status === 409)).toBe(true);
    const types = (await call('GET', '/api/v1/audit-events', { token: user.token })).body.events.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t === 'auth.email.verified')).toHaveLength(1);
  });

  it('a wrong verification token answers the same for an existing and an unknown account (status and body)', async () => {
    const user = await signUpWithToken(undefined, undefined, { verified: false });
    const real = await mailedToken(user.token, 'Verification token');
    const [, ids, secret] = /^fv_verify_(.+)\.([A-Za-z0-9_-]{43})$/.exec(real)!;
    const [, linkId] = ids!.split('.');
    const forged = [`fv_verify_${user.userId}.${linkId}.${'A'.repeat(43)}`, `fv_verify_${'B'.repeat(22)}.${linkId}.${secret}`];
    const shape = (r: Awaited<ReturnType<typeof verify>>) => ({ status: r.status, ...r.body, requestId: undefined });
    const times: [number[], number[]] = [[], []];
    for (let i = 0; i < 7; i++) {
      const answers = [];
      for (const [k, token] of forged.entries()) {
        const t0 = performance.now();
        answers.push(await verify(token));
        times[k]!.push(performance.now() - t0);
      }
      expect(shape(answers[0]!)).toEqual(shape(answers[1]!));
      expect(answers[0]!.status).toBe(400);
    }
    expect(Math.abs(median(times[0]) - median(times[1]))).toBeLessThan(100);
  });

  it('resend answers an unverified and a verified account alike: status, body and time (medians)', async () => {
    const times: [number[], number[]] = [[], []];
    for (let i = 0; i < 3; i++) {
      const users = [await signUpWithToken(undefined, undefined, { verified: false }), await signUpWithToken()];
      for (const [k, user] of users.entries()) {
        const t0 = performance.now();
        const r = await call('POST', '/api/v1/auth/email/verification/resend', { token: user.token });
        times[k]!.push(performance.now() - t0);
        expect([r.status, r.text]).toEqual([202, '']);
      }
    }
    expect(Math.abs(median(times[0]) - median(times[1]))).toBeLessThan(250);
  }, 60_000);

  it('resend: a burst of 8 mails 5 links (the hourly allowance) and refuses the rest with 429', async () => {
    const user = await signUpWithToken(undefined, undefined, { verified: false });
    const statuses = (await Promise.all(Array.from({ length: 8 }, () => call('POST', '/api/v1/auth/email/verification/resend', { token: user.token })))).map(
      (r) => r.status,
    );
    expect(statuses.filter((s) => s === 202)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    const mails = (await call('GET', '/api/v1/dev/outbox', { token: user.token })).body.messages.filter((m: { text: string }) => m.text.includes('Verification token'));
    expect(mails).toHaveLength(6); // sign-up's and the five resends
  });

  it('resend answers a verified account the same (202, no body) and mails nothing', async () => {
    const user = await signUpWithToken();
    const r = await call('POST', '/api/v1/auth/email/verification/resend', { token: user.token });
    expect(r.status).toBe(202);
    expect(r.text).toBe('');
    const mails = (await call('GET', '/api/v1/dev/outbox', { token: user.token })).body.messages.filter((m: { text: string }) => m.text.includes('Verification token'));
    expect(mails).toHaveLength(1);
  });
});

describe('email change', () => {
  it('answers a taken and a free new address alike: status, body, and time (medians)', async () => {
    const taken = await signUpWithToken();
    const free: number[] = [];
    const used: number[] = [];
    for (let i = 0; i < 4; i++) {
      // One account per pair: the change allowance is 5 mails an hour per account.
      const user = await signUpWithToken();
      for (const [newEmail, into] of [[uniqueEmail('new'), free], [taken.email, used]] as const) {
        const t0 = performance.now();
        const r = await call('POST', '/api/v1/auth/email/change', { token: user.token, body: { newEmail } });
        into.push(performance.now() - t0);
        expect(r.status).toBe(202);
        expect(r.text).toBe('');
      }
    }
    expect(Math.abs(median(free) - median(used))).toBeLessThan(250);
  }, 60_000);
});

describe('email change and expiry (domain)', () => {
  const ctx = () => ({ requestId: `req-${randomBytes(3).toString('hex')}`, ip: `198.51.100.${randomBytes(1)[0]}-${randomBytes(4).toString('hex')}`, userAgent: 'jest' });
  const tokenIn = (sent: MailMessage[], to: string) => /Verification token: (\S+)/.exec(sent.filter((m) => m.to === to && m.text.includes('Verification token')).at(-1)!.text)![1]!;

  it('takes effect only when the new address’s link is used; the old address is told at request and completion', async () => {
    const sent: MailMessage[] = [];
    const d = identityDeps({ sent, config: { resetRequestMinMs: 0 } });
    const [oldEmail, newEmail] = [uniqueEmail('old'), uniqueEmail('new')];
    const { user, session } = await signup(d, { email: oldEmail, password: STRONG_PASSWORD }, ctx());
    await requestEmailChange(d, { userId: user.id, sessionId: session.sessionId }, newEmail, ctx());
    expect(sent.filter((m) => m.to === oldEmail).map((m) => m.subject)).toContain('A change of your flarevault email address was requested');
    // Not yet: the old address still signs in, the new one does not.
    await login(d, { email: oldEmail, password: STRONG_PASSWORD }, ctx());
    await expect(login(d, { email: newEmail, password: STRONG_PASSWORD }, ctx())).rejects.toMatchObject({ kind: 'unauthenticated' });
    const token = tokenIn(sent, newEmail);
    await expect(verifyEmail(d, token, ctx())).resolves.toEqual({ email: newEmail, purpose: 'change' });
    await login(d, { email: newEmail, password: STRONG_PASSWORD }, ctx());
    await expect(login(d, { email: oldEmail, password: STRONG_PASSWORD }, ctx())).rejects.toMatchObject({ kind: 'unauthenticated' });
    expect(sent.filter((m) => m.to === oldEmail).map((m) => m.subject)).toContain('Your flarevault email address was changed');
    // The sign-up link for the old address is dead now, and the change link was single-use.
    await expect(verifyEmail(d, tokenIn(sent, oldEmail), ctx())).rejects.toMatchObject({ options: { code: 'invalid-verification-token' } });
    await expect(verifyEmail(d, token, ctx())).rejects.toMatchObject({ options: { code: 'invalid-verification-token' } });
    const audit = await d.audit.list(userTenant(user.id), { limit: 50 });
    expect(audit.items.map((e) => e.type)).toEqual(expect.arrayContaining(['auth.email.change-requested', 'auth.email.change-completed']));
  });

  it('a verification link expires after 24 hours', async () => {
    let now = Date.now();
    const sent: MailMessage[] = [];
    const d = identityDeps({ sent, now: () => now });
    const email = uniqueEmail('expiring');
    const { user } = await signup(d, { email, password: STRONG_PASSWORD }, ctx());
    await resendVerification(d, user.id, ctx());
    const [first, second] = sent.filter((m) => m.to === email).map((m) => /Verification token: (\S+)/.exec(m.text)![1]!);
    now += 24 * 3600_000 + 1_000;
    await expect(verifyEmail(d, second!, ctx())).rejects.toMatchObject({ options: { code: 'invalid-verification-token' } });
    now -= 2_000;
    await expect(verifyEmail(d, first!, ctx())).resolves.toEqual({ email, purpose: 'signup' });
  });
});
