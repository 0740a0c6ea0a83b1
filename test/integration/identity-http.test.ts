/**
 * Identity over HTTP against the local runtime: signup/login/logout, sessions
 * (cookie + CSRF, bearer, 410 on expiry, revoke, revoke-all), TOTP MFA with
 * recovery codes, API key scopes, password change and reset, throttling.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { totpAt } from '../support/totp';
import { awsClientConfig, localStackEnv } from '../setup/env';
import { call, cookieFrom, signUpWithToken, STRONG_PASSWORD, uniqueEmail } from '../support/http';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient(awsClientConfig()));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('signup and login', () => {
  it('signs up a browser client with an HttpOnly __Host- cookie and a CSRF token', async () => {
    const email = uniqueEmail();
    const r = await call('POST', '/api/v1/auth/signup', { body: { email, password: STRONG_PASSWORD } });
    expect(r.status).toBe(201);
    expect(r.body.user).toMatchObject({ email, tier: 'free', mfaEnabled: false });
    expect(r.body.token).toBeUndefined();
    const setCookie = r.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/^__Host-fv_session=fv_sess_[^;]+; Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=\d+/);
    const cookie = cookieFrom(r.headers, '__Host-fv_session')!;

    const me = await call('GET', '/api/v1/me', { cookie });
    expect(me.status).toBe(200);
    expect(me.body.csrfToken).toBe(r.body.csrfToken);

    // Cookie-authenticated unsafe method without the CSRF header: refused.
    const noCsrf = await call('POST', '/api/v1/auth/logout', { cookie });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.type).toMatch(/\/csrf$/);
    const wrongCsrf = await call('POST', '/api/v1/auth/logout', { cookie, csrf: 'x'.repeat(43) });
    expect(wrongCsrf.status).toBe(403);
    const out = await call('POST', '/api/v1/auth/logout', { cookie, csrf: r.body.csrfToken });
    expect(out.status).toBe(204);
    expect((await call('GET', '/api/v1/me', { cookie })).status).toBe(401);
  });

  it('refuses weak passwords and duplicate emails with field detail', async () => {
    const weak = await call('POST', '/api/v1/auth/signup', { body: { email: uniqueEmail(), password: 'password1234' } });
    expect(weak.status).toBe(400);
    expect(weak.body.errors[0]).toMatchObject({ in: 'body', field: 'password' });
    const short = await call('POST', '/api/v1/auth/signup', { body: { email: uniqueEmail(), password: 'short' } });
    expect(short.status).toBe(400);
    expect(short.body.errors.map((e: { field: string }) => e.field)).toContain('password');
    const { email } = await signUpWithToken();
    const dup = await call('POST', '/api/v1/auth/signup', { body: { email: email.toUpperCase(), password: STRONG_PASSWORD } });
    expect(dup.status).toBe(409);
    expect(dup.body.errors[0].field).toBe('email');
  });

  it('answers an unknown email exactly like a wrong password (no enumeration)', async () => {
    const { email } = await signUpWithToken();
    const wrong = await call('POST', '/api/v1/auth/login', { body: { email, password: 'not-the-password-at-all' } });
    const unknown = await call('POST', '/api/v1/auth/login', { body: { email: uniqueEmail('nobody'), password: 'not-the-password-at-all' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    expect(strip(unknown.body)).toEqual(strip(wrong.body));
  });

  it('locks an account out with a growing delay after repeated failures', async () => {
    const { email } = await signUpWithToken();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await call('POST', '/api/v1/auth/login', { body: { email, password: `wrong-password-${i}` } })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
    const locked = await call('POST', '/api/v1/auth/login', { body: { email, password: STRONG_PASSWORD } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(locked.body.type).toMatch(/login-throttled$/);
  });
});

describe('sessions', () => {
  it('lists sessions and revokes one', async () => {
    const a = await signUpWithToken();
    const b = await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: a.password, client: 'token' }, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/150.0' } });
    expect(b.status).toBe(200);
    const list = await call('GET', '/api/v1/auth/sessions', { token: a.token });
    expect(list.status).toBe(200);
    expect(list.body.sessions).toHaveLength(2);
    expect(list.body.sessions.find((s: { current: boolean }) => s.current).id).toBe(a.sessionId);
    expect(list.body.sessions.find((s: { id: string }) => s.id === b.body.session.id).device).toBe('Chrome on Linux');

    expect((await call('DELETE', `/api/v1/auth/sessions/${b.body.session.id}`, { token: a.token })).status).toBe(204);
    expect((await call('GET', '/api/v1/me', { token: b.body.token })).status).toBe(401);
    expect((await call('DELETE', `/api/v1/auth/sessions/${b.body.session.id}`, { token: a.token })).status).toBe(404);
  });

  it('revoke-all kills every other session within the cache bound (5 s) and keeps the current one', async () => {
    const a = await signUpWithToken();
    const others = await Promise.all(
      [1, 2].map(() => call('POST', '/api/v1/auth/login', { body: { email: a.email, password: a.password, client: 'token' } })),
    );
    for (const o of others) expect((await call('GET', '/api/v1/me', { token: o.body.token })).status).toBe(200);
    const r = await call('POST', '/api/v1/auth/sessions/revoke-all', { token: a.token });
    expect(r.status).toBe(200);
    expect(r.body.revoked).toBe(2);
    const started = Date.now();
    for (const o of others) {
      while ((await call('GET', '/api/v1/me', { token: o.body.token })).status !== 401) {
        expect(Date.now() - started).toBeLessThan(5_500);
        await sleep(100);
      }
    }
    expect((await call('GET', '/api/v1/me', { token: a.token })).status).toBe(200);
  });

  it('an expired session answers 410 session-expired and the data is intact after signing in again', async () => {
    const a = await signUpWithToken();
    const key = await call('POST', '/api/v1/api-keys', { token: a.token, body: { name: 'kept', scopes: ['account:read'] } });
    expect(key.status).toBe(201);
    const fresh = await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: a.password, client: 'token' } });
    const { tableName } = localStackEnv();
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: `T#user#${a.userId}`, sk: `SESSION#${fresh.body.session.id}` },
        // Idle past the limit (3 days); absoluteExpiry is bound by the item's integrity digest, so editing it reads as forged (401).
        UpdateExpression: 'SET lastSeenAt = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 4 * 24 * 3600_000).toISOString() },
      }),
    );
    const expired = await call('GET', '/api/v1/me', { token: fresh.body.token });
    expect(expired.status).toBe(410);
    expect(expired.body.type).toMatch(/session-expired$/);
    const again = await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: a.password, client: 'token' } });
    const keys = await call('GET', '/api/v1/api-keys', { token: again.body.token });
    expect(keys.body.apiKeys.map((k: { name: string }) => k.name)).toEqual(['kept']);
  });

  it('an unknown or malformed credential is 401', async () => {
    expect((await call('GET', '/api/v1/me')).status).toBe(401);
    expect((await call('GET', '/api/v1/me', { token: 'fv_sess_nope' })).status).toBe(401);
    const a = await signUpWithToken();
    const forged = a.token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await call('GET', '/api/v1/me', { token: forged })).status).toBe(401);
  });
});

describe('TOTP MFA', () => {
  it('enrols, requires the second factor, accepts a recovery code once', async () => {
    const a = await signUpWithToken();
    const enrol = await call('POST', '/api/v1/auth/mfa/totp/enroll', { token: a.token });
    expect(enrol.status).toBe(200);
    expect(enrol.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/flarevault:/);
    expect(enrol.body.qrSvg).toMatch(/^<svg/);
    const secret = enrol.body.secret as string;

    const bad = await call('POST', '/api/v1/auth/mfa/totp/confirm', { token: a.token, body: { code: '000000' === totpAt(secret, Date.now()) ? '111111' : '000000' } });
    expect(bad.status).toBe(400);
    const ok = await call('POST', '/api/v1/auth/mfa/totp/confirm', { token: a.token, body: { code: totpAt(secret, Date.now()) } });
    expect(ok.status).toBe(200);
    expect(ok.body.recoveryCodes).toHaveLength(10);
    expect(new Set(ok.body.recoveryCodes).size).toBe(10);

    const noCode = await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: a.password, client: 'token' } });
    expect(noCode.status).toBe(401);
    expect(noCode.body.type).toMatch(/mfa-required$/);

    const recovery = ok.body.recoveryCodes[0] as string;
    const viaRecovery = await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: a.password, recoveryCode: recovery, client: 'token' } });
    expect(viaRecovery.status).toBe(200);
    const reused = await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: a.password, recoveryCode: recovery, client: 'token' } });
    expect(reused.status).toBe(401);
    expect(reused.body.type).toMatch(/mfa-required$/);

    // The next time step's code (inside the ±1 window) works once; the confirm step's code is spent.
    const next = totpAt(secret, Date.now() + 30_000);
    const viaTotp = await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: a.password, totp: next, client: 'token' } });
    expect(viaTotp.status).toBe(200);
    const replay = await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: a.password, totp: next, client: 'token' } });
    expect(replay.status).toBe(401);

    const me = await call('GET', '/api/v1/me', { token: viaTotp.body.token });
    expect(me.body.user.mfaEnabled).toBe(true);
    const disableWrong = await call('POST', '/api/v1/auth/mfa/totp/disable', { token: a.token, body: { code: '123456' === next ? '654321' : '123456' } });
    expect(disableWrong.status).toBe(400);
  });
});

describe('API keys', () => {
  it('shows the secret once, then only the prefix, and enforces scopes', async () => {
    const a = await signUpWithToken();
    const created = await call('POST', '/api/v1/api-keys', { token: a.token, body: { name: 'ci', scopes: ['account:read'] } });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^fv_key_/);
    const list = await call('GET', '/api/v1/api-keys', { token: a.token });
    expect(list.text).not.toContain(secret.split('.').pop());
    expect(list.body.apiKeys[0]).toMatchObject({ name: 'ci', scopes: ['account:read'], lastUsedAt: null });

    expect((await call('GET', '/api/v1/me', { token: secret })).status).toBe(200);
    const noScope = await call('GET', '/api/v1/audit-events', { token: secret });
    expect(noScope.status).toBe(403);
    expect(noScope.body.type).toMatch(/insufficient-scope$/);
    const sessionOnly = await call('GET', '/api/v1/api-keys', { token: secret });
    expect(sessionOnly.status).toBe(403);
    expect(sessionOnly.body.type).toMatch(/session-required$/);

    const listed = await call('GET', '/api/v1/api-keys', { token: a.token });
    expect(listed.body.apiKeys[0].lastUsedAt).not.toBeNull();

    expect((await call('DELETE', `/api/v1/api-keys/${created.body.apiKey.id}`, { token: a.token })).status).toBe(204);
    expect((await call('GET', '/api/v1/me', { token: secret })).status).toBe(401);
  });

  it('refuses unknown scopes and past expiry with field detail', async () => {
    const a = await signUpWithToken();
    const bad = await call('POST', '/api/v1/api-keys', { token: a.token, body: { name: 'x', scopes: ['root'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('scopes.0');
    const past = await call('POST', '/api/v1/api-keys', { token: a.token, body: { name: 'x', scopes: ['jobs:read'], expiresAt: '2001-01-01T00:00:00Z' } });
    expect(past.status).toBe(400);
    expect(past.body.errors[0].field).toBe('expiresAt');
  });
});

describe('passwords', () => {
  it('change needs the current password and revokes other sessions', async () => {
    const a = await signUpWithToken();
    const other = await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: a.password, client: 'token' } });
    const wrong = await call('POST', '/api/v1/auth/password/change', { token: a.token, body: { currentPassword: 'nope-nope-nope', newPassword: 'another-Strong-passphrase-77' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].field).toBe('currentPassword');
    const ok = await call('POST', '/api/v1/auth/password/change', { token: a.token, body: { currentPassword: a.password, newPassword: 'another-Strong-passphrase-77' } });
    expect(ok.status).toBe(204);
    expect((await call('GET', '/api/v1/me', { token: other.body.token })).status).toBe(401);
    expect((await call('GET', '/api/v1/me', { token: a.token })).status).toBe(200);
    const relog = await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: 'another-Strong-passphrase-77', client: 'token' } });
    expect(relog.status).toBe(200);
  });

  it('reset by a single-use mailed token (outbox), and 202 for unknown emails', async () => {
    const a = await signUpWithToken();
    expect((await call('POST', '/api/v1/auth/password/reset-request', { body: { email: uniqueEmail('ghost') } })).status).toBe(202);
    expect((await call('POST', '/api/v1/auth/password/reset-request', { body: { email: a.email } })).status).toBe(202);
    const outbox = await call('GET', '/api/v1/dev/outbox', { token: a.token });
    expect(outbox.status).toBe(200);
    const mail = outbox.body.messages.find((m: { to: string; text: string }) => m.to === a.email && m.text.includes('Reset token'));
    expect(mail.subject).toMatch(/Reset/);
    const token = /Reset token: (\S+)/.exec(mail.text)![1]!;
    const newPassword = 'reset-Passphrase-with-49-owls';
    expect((await call('POST', '/api/v1/auth/password/reset', { body: { token, newPassword } })).status).toBe(204);
    const reuse = await call('POST', '/api/v1/auth/password/reset', { body: { token, newPassword: 'and-Again-another-one-51' } });
    expect(reuse.status).toBe(400);
    expect((await call('GET', '/api/v1/me', { token: a.token })).status).toBe(401);
    expect((await call('POST', '/api/v1/auth/login', { body: { email: a.email, password: newPassword, client: 'token' } })).status).toBe(200);
  });
});

describe('audit log', () => {
  it('records security events in a verifiable chain, without exposing secrets', async () => {
    const a = await signUpWithToken();
    await call('POST', '/api/v1/api-keys', { token: a.token, body: { name: 'audited', scopes: ['audit:read'] } });
    const r = await call('GET', '/api/v1/audit-events', { token: a.token });
    expect(r.status).toBe(200);
    expect((await call('GET', '/api/v1/audit-events/verify', { token: a.token })).body.valid).toBe(true);
    const types = r.body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['auth.signup', 'auth.login.succeeded', 'auth.api-key.created']));
    expect(r.text).not.toContain('fv_key_');
  });
});

describe('session status (public)', () => {
  it('answers 200 whether signed in, signed out or expired', async () => {
    const anon = await call('GET', '/api/v1/auth/session');
    expect(anon.status).toBe(200);
    expect(anon.body).toEqual({ signedIn: false, expired: false });
    const email = uniqueEmail();
    const r = await call('POST', '/api/v1/auth/signup', { body: { email, password: STRONG_PASSWORD } });
    const cookie = cookieFrom(r.headers, '__Host-fv_session')!;
    const signed = await call('GET', '/api/v1/auth/session', { cookie });
    expect(signed.body).toMatchObject({ signedIn: true, expired: false, user: { email }, csrfToken: r.body.csrfToken });
    const { tableName } = localStackEnv();
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: `T#user#${r.body.user.id}`, sk: `SESSION#${r.body.session.id}` },
        // Idle past the limit (3 days); absoluteExpiry is bound by the item's integrity digest, so editing it reads as forged (401).
        UpdateExpression: 'SET lastSeenAt = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 4 * 24 * 3600_000).toISOString() },
      }),
    );
    await sleep(5_100); // past the per-container decision cache
    const expired = await call('GET', '/api/v1/auth/session', { cookie });
    expect(expired.body).toEqual({ signedIn: false, expired: true });
  });
});
