/**
 * Passkeys over HTTP against the local runtime, with a software authenticator that builds real
 * WebAuthn structures (test/support/webauthn.ts): several named passkeys, discoverable sign-in,
 * the second factor of a password sign-in, rename and remove; and the refusals: a replayed
 * challenge (also as a burst of 8 concurrent verifications: exactly one session), a wrong origin,
 * a counter that goes back, no user verification, a challenge of another ceremony. Then, in
 * process with a movable clock: an expired challenge and the recent-sign-in rule.
 */
import { randomUUID } from 'node:crypto';
import { call, cookieFrom, freshLoopbackAddress, signUpWithToken, STRONG_PASSWORD, uniqueEmail } from '../support/http';
import { passkeyOrigin, registeredPasskey, signInOptions } from '../support/passkeys';
import { SoftAuthenticator } from '../support/webauthn';
import { signup } from '../../functions/identity/accounts';
import { listPasskeys, passkeyRegistrationOptions, registerPasskey, removePasskey } from '../../functions/identity/passkeys';
import { relyingPartyOf } from '../../functions/identity/relying-party';
import { identityDeps } from './data-fixtures';

const signIn = (response: unknown, from = freshLoopbackAddress()) =>
  call('POST', '/api/v1/auth/passkey-sign-in', { body: { response, client: 'token' }, from });

async function auditTypes(token: string): Promise<string[]> {
  const r = await call('GET', '/api/v1/audit-events?limit=100', { token });
  return r.body.events.map((e: { type: string }) => e.type);
}

describe('relying party from PUBLIC_URL', () => {
  it('is the host of a domain URL, and localhost (same port) for the loopback IP Chromium refuses', () => {
    expect(relyingPartyOf('https://vault.example.com')).toMatchObject({ id: 'vault.example.com', origin: 'https://vault.example.com' });
    expect(relyingPartyOf('http://127.0.0.1:8787')).toMatchObject({ id: 'localhost', origin: 'http://localhost:8787' });
    expect(() => relyingPartyOf('https://10.0.0.1')).toThrow(/domain name/);
  });
});

describe('passkeys over HTTP', () => {
  it('registers several named passkeys and signs in with each, no email typed', async () => {
    const u = await signUpWithToken();
    const a = await registeredPasskey(u.token, 'Laptop');
    const b = await registeredPasskey(u.token, 'Phone');
    const list = await call('GET', '/api/v1/auth/passkeys', { token: u.token });
    expect(list.status).toBe(200);
    expect(list.body.passkeys.map((p: { name: string }) => p.name)).toEqual(['Laptop', 'Phone']);
    for (const key of [a, b]) {
      const options = await signInOptions();
      expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
      expect(options).not.toHaveProperty('allowCredentials.0');
      const r = await signIn(key.authenticator.assert(options, { origin: passkeyOrigin() }));
      expect(r.status).toBe(200);
      expect(r.body.user.id).toBe(u.userId);
      expect((await call('GET', '/api/v1/me', { token: r.body.token })).status).toBe(200);
    }
    const types = await auditTypes(u.token);
    expect(types.filter((t) => t === 'auth.passkey.registered')).toHaveLength(2);
    const events = (await call('GET', '/api/v1/audit-events?limit=100', { token: u.token })).body.events;
    expect(events.filter((e: { type: string; metadata: { via?: string } }) => e.type === 'auth.login.succeeded' && e.metadata.via === 'passkey')).toHaveLength(2);
  });

  it('holds the cap of 10 passkeys under a burst: at 7, 8 registrations at once → exactly 3 pass, 5 are 429', async () => {
    const u = await signUpWithToken();
    for (let i = 0; i < 7; i++) await registeredPasskey(u.token, `Key ${i}`);
    const ready = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const authenticator = new SoftAuthenticator();
        const options = await call('POST', '/api/v1/auth/passkeys/registration-options', { token: u.token });
        expect(options.status).toBe(200);
        return authenticator.register(options.body.options, { origin: passkeyOrigin() });
      }),
    );
    const answers = await Promise.all(ready.map((response, i) => call('POST', '/api/v1/auth/passkeys', { token: u.token, body: { name: `Burst ${i}`, response } })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 429, 429, 429, 429, 429]);
    expect(answers.find((a) => a.status === 429)!.body.type).toMatch(/passkey-limit$/);
    expect((await call('GET', '/api/v1/auth/passkeys', { token: u.token })).body.passkeys).toHaveLength(10);
  });

  it('takes the browser session cookie only with its CSRF token, and no API key', async () => {
    const browser = await call('POST', '/api/v1/auth/signup', { body: { email: uniqueEmail('pk'), password: STRONG_PASSWORD }, from: freshLoopbackAddress() });
    const cookie = cookieFrom(browser.headers, '__Host-fv_session')!;
    const withoutCsrf = await call('POST', '/api/v1/auth/passkeys/registration-options', { cookie });
    expect(withoutCsrf.status).toBe(403);
    const withCsrf = await call('POST', '/api/v1/auth/passkeys/registration-options', { cookie, csrf: browser.body.csrfToken });
    expect(withCsrf.status).toBe(200);
    const u = await signUpWithToken();
    const key = await call('POST', '/api/v1/api-keys', { token: u.token, body: { name: 'k', scopes: ['account:read'] } });
    expect((await call('GET', '/api/v1/auth/passkeys', { token: key.body.secret })).status).toBe(403);
  });

  it('refuses a registration from another origin, without user verification, or twice for one credential', async () => {
    const u = await signUpWithToken();
    for (const [o, code] of [
      [{ origin: 'https://evil.example' }, 'passkey-invalid'],
      [{ origin: passkeyOrigin(), userVerified: false }, 'passkey-invalid'],
      [{ origin: passkeyOrigin(), type: 'webauthn.get' }, 'passkey-invalid'],
    ] as const) {
      const options = (await call('POST', '/api/v1/auth/passkeys/registration-options', { token: u.token })).body.options;
      const r = await call('POST', '/api/v1/auth/passkeys', { token: u.token, body: { name: 'x', response: new SoftAuthenticator().register(options, o) } });
      expect({ status: r.status, type: r.body.type }).toEqual({ status: 400, type: expect.stringContaining(code) });
    }
    const { authenticator } = await registeredPasskey(u.token);
    const options = (await call('POST', '/api/v1/auth/passkeys/registration-options', { token: u.token })).body.options;
    expect(options.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([authenticator.id]);
    const again = await call('POST', '/api/v1/auth/passkeys', { token: u.token, body: { name: 'again', response: authenticator.register(options, { origin: passkeyOrigin() }) } });
    expect({ status: again.status, type: again.body.type }).toEqual({ status: 409, type: expect.stringContaining('passkey-already-registered') });
  });

  it('uses a challenge once: a replayed assertion is refused, and a burst of 8 gives exactly one session', async () => {
    const u = await signUpWithToken();
    const { authenticator } = await registeredPasskey(u.token);
    const first = authenticator.assert(await signInOptions(), { origin: passkeyOrigin() });
    expect((await signIn(first)).status).toBe(200);
    const replay = await signIn(first);
    expect({ status: replay.status, type: replay.body.type }).toEqual({ status: 401, type: expect.stringContaining('passkey-challenge') });
    // A fresh signature (higher counter) over the spent challenge is refused too.
    const resigned = await signIn(authenticator.assert({ challenge: (await signInOptions()).challenge, rpId: 'localhost' }, { origin: passkeyOrigin(), challenge: JSON.parse(Buffer.from(first.response.clientDataJSON, 'base64url').toString()).challenge }));
    expect(resigned.status).toBe(401);

    const burst = authenticator.assert(await signInOptions(), { origin: passkeyOrigin() });
    const answers = await Promise.all(Array.from({ length: 8 }, () => signIn(burst)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401, 401, 401, 401]);
    const sessions = await call('GET', '/api/v1/auth/sessions', { token: u.token });
    expect(sessions.body.sessions).toHaveLength(3); // signup + the first sign-in + exactly one of the burst
  });

  it('refuses a wrong origin, a counter that goes back, no user verification, and a challenge of another ceremony', async () => {
    const u = await signUpWithToken();
    const { authenticator } = await registeredPasskey(u.token);
    const wrongOrigin = await signIn(authenticator.assert(await signInOptions(), { origin: 'http://127.0.0.1:1' }));
    expect({ status: wrongOrigin.status, type: wrongOrigin.body.type }).toEqual({ status: 401, type: expect.stringContaining('passkey-invalid') });
    expect(wrongOrigin.body.detail ?? wrongOrigin.body.title).toMatch(/origin/i);

    expect((await signIn(authenticator.assert(await signInOptions(), { origin: passkeyOrigin(), counter: 10 }))).status).toBe(200);
    for (const counter of [10, 9]) {
      const back = await signIn(authenticator.assert(await signInOptions(), { origin: passkeyOrigin(), counter }));
      expect({ status: back.status, type: back.body.type }).toEqual({ status: 401, type: expect.stringContaining('passkey-invalid') });
      expect(back.body.detail ?? back.body.title).toMatch(/counter/i);
    }
    expect((await signIn(authenticator.assert(await signInOptions(), { origin: passkeyOrigin(), counter: 11 }))).status).toBe(200);
    const failures = (await call('GET', '/api/v1/audit-events?limit=100', { token: u.token })).body.events.filter(
      (e: { type: string; metadata: { reason?: string } }) => e.type === 'auth.login.failed' && e.metadata.reason === 'passkey',
    );
    expect(failures.map((e: { metadata: { detail: string } }) => e.metadata.detail)).toEqual([
      expect.stringMatching(/counter/i),
      expect.stringMatching(/counter/i),
      expect.stringMatching(/origin/i),
    ]);

    const noUv = await signIn(authenticator.assert(await signInOptions(), { origin: passkeyOrigin(), userVerified: false }));
    expect(noUv.status).toBe(401);
    expect(noUv.body.detail ?? noUv.body.title).toMatch(/verif/i);

    // A registration challenge cannot answer a sign-in.
    const regOptions = (await call('POST', '/api/v1/auth/passkeys/registration-options', { token: u.token })).body.options;
    const crossed = await signIn(authenticator.assert({ challenge: regOptions.challenge, rpId: 'localhost' }, { origin: passkeyOrigin() }));
    expect({ status: crossed.status, type: crossed.body.type }).toEqual({ status: 401, type: expect.stringContaining('passkey-challenge') });
    expect(await auditTypes(u.token)).toContain('auth.login.succeeded');
  });

  it('is a second factor of the password sign-in, and only the account’s own passkey passes', async () => {
    const u = await signUpWithToken();
    const { authenticator } = await registeredPasskey(u.token);
    const stranger = await registeredPasskey((await signUpWithToken()).token);
    const from = freshLoopbackAddress();
    const login = (extra: object = {}) => call('POST', '/api/v1/auth/login', { body: { email: u.email, password: u.password, client: 'token', ...extra }, from });

    const prompt = await login();
    expect(prompt.status).toBe(401);
    expect(prompt.body).toMatchObject({ type: expect.stringContaining('mfa-required'), secondFactors: ['passkey'] });
    expect(prompt.body.passkeyOptions.allowCredentials.map((c: { id: string }) => c.id)).toEqual([authenticator.id]);

    const wrong = await login({ passkey: stranger.authenticator.assert(prompt.body.passkeyOptions, { origin: passkeyOrigin() }) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors[0]).toMatchObject({ field: 'passkey' });

    const again = await login();
    const ok = await login({ passkey: authenticator.assert(again.body.passkeyOptions, { origin: passkeyOrigin() }) });
    expect(ok.status).toBe(200);
    expect(ok.body.user.id).toBe(u.userId);
    // The second-factor challenge is the user's, for that purpose: it does not sign in on its own.
    const third = await login();
    const asSignIn = await signIn(authenticator.assert(third.body.passkeyOptions, { origin: passkeyOrigin() }));
    expect(asSignIn.status).toBe(401);
  });

  it('renames and removes a passkey (audited); a removed passkey no longer signs in; another user sees 404', async () => {
    const u = await signUpWithToken();
    const other = await signUpWithToken();
    const { authenticator, passkey } = await registeredPasskey(u.token, 'Old name');
    const renamed = await call('PATCH', `/api/v1/auth/passkeys/${passkey.id}`, { token: u.token, body: { name: 'YubiKey 5' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.passkey).toMatchObject({ id: passkey.id, name: 'YubiKey 5' });
    const badName = await call('PATCH', `/api/v1/auth/passkeys/${passkey.id}`, { token: u.token, body: { name: 'a\u202Eb' } });
    expect(badName.status).toBe(400);
    expect((await call('DELETE', `/api/v1/auth/passkeys/${passkey.id}`, { token: other.token })).status).toBe(404);
    expect((await call('DELETE', `/api/v1/auth/passkeys/${passkey.id}`, { token: u.token })).status).toBe(204);
    expect((await call('GET', '/api/v1/auth/passkeys', { token: u.token })).body.passkeys).toEqual([]);
    const after = await signIn(authenticator.assert(await signInOptions(), { origin: passkeyOrigin() }));
    expect(after.status).toBe(401);
    const types = await auditTypes(u.token);
    expect(types).toEqual(expect.arrayContaining(['auth.passkey.registered', 'auth.passkey.renamed', 'auth.passkey.removed']));
    // Without passkeys (and TOTP), the password alone signs in again.
    expect((await call('POST', '/api/v1/auth/login', { body: { email: u.email, password: u.password, client: 'token' }, from: freshLoopbackAddress() })).status).toBe(200);
  });
});

describe('passkeys in process (movable clock)', () => {
  let now = Date.now();
  const deps = identityDeps({ now: () => now, config: { publicUrl: 'https://vault.example.com' } });
  const ctx = { requestId: 'passkeys-test', ip: '127.0.0.9', userAgent: 'jest' };
  const origin = 'https://vault.example.com';

  it('refuses a challenge past its 5 minutes, and removal or registration past a recent sign-in', async () => {
    now = Date.now();
    const { user, session } = await signup(deps, { email: `pk-${randomUUID()}@example.com`, password: 'violet-Harbor-quantum-92-lantern' }, ctx);
    const actor = { userId: user.id, tier: user.tier, sessionId: session.sessionId };
    const stale = await passkeyRegistrationOptions(deps, actor);
    expect(stale.rp.id).toBe('vault.example.com');
    now += 5 * 60_000 + 1;
    await expect(registerPasskey(deps, actor, { name: 'late', response: new SoftAuthenticator().register(stale, { origin }) }, ctx)).rejects.toMatchObject({
      options: { code: 'passkey-challenge' },
    });
    const fresh = await passkeyRegistrationOptions(deps, actor);
    const registered = await registerPasskey(deps, actor, { name: 'in time', response: new SoftAuthenticator().register(fresh, { origin }) }, ctx);
    now += 5 * 60_000; // the session is now 10 minutes and 1 ms old
    await expect(removePasskey(deps, actor, registered.id, ctx)).rejects.toMatchObject({ kind: 'forbidden', options: { code: 'recent-sign-in-required' } });
    await expect(passkeyRegistrationOptions(deps, actor)).rejects.toMatchObject({ options: { code: 'recent-sign-in-required' } });
    await expect(removePasskey(deps, { ...actor, sessionId: undefined }, registered.id, ctx)).rejects.toMatchObject({ kind: 'forbidden' });
    expect((await listPasskeys(deps, user.id)).map((p) => p.name)).toEqual(['in time']);
  });
});
