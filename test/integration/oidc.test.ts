/**
 * OpenID Connect sign-in over HTTP against the local stack and its real provider (oidc-provider):
 * sign-up through a verified email, sign-in by the linked subject, state bound to the browser and
 * single-use (mismatch, replay, a burst of the same callback → one session), the ID token's nonce
 * (an authorization whose nonce was swapped is refused), an unverified provider email (refused,
 * nothing linked), Entra ID's xms_edov (emailVerifiedClaim) and a linked subject whose email claim
 * is no longer verified (signs in), linking an existing account only after its owner's confirmation, MFA after a
 * provider sign-in, unlinking.
 */
import { totpAt } from '../support/totp';
import { call, signUpWithToken } from '../support/http';
import { authorizeAtProvider, outcomeOf, providerEmail, signInThroughProvider, startSignIn, visitCallback } from '../support/oidc';

const me = (session: string) => call('GET', '/api/v1/me', { cookie: session });

describe('OpenID Connect sign-in', () => {
  it('lists the local provider, and answers 404 for a provider the stage does not configure', async () => {
    const r = await call('GET', '/api/v1/auth/oidc/providers');
    expect(r.status).toBe(200);
    expect(r.body.providers).toContainEqual({ id: 'local', name: 'the local OpenID provider' });
    const unknown = await call('POST', '/api/v1/auth/oidc/nope/start', { body: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toMatch(/unknown-provider$/);
  });

  it('signs a new verified email up, then signs the same subject in; PKCE S256, state and nonce in the request', async () => {
    const email = providerEmail('new');
    const started = await startSignIn();
    const q = started.authorizationUrl.searchParams;
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(started.binding).toMatch(/^__Host-fv_oidc=[A-Za-z0-9_-]{43}$/);
    const raw = await call('POST', '/api/v1/auth/oidc/local/start', { body: {} });
    // Lax, not Strict: the provider's redirect back is a cross-site top-level navigation.
    expect(raw.headers.getSetCookie().find((c) => c.startsWith('__Host-fv_oidc='))).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax; Max-Age=600$/);
    const first = await visitCallback(await authorizeAtProvider(started.authorizationUrl, email), started.binding);
    expect(outcomeOf(first)).toBe('signed-in');
    const who = await me(first.session!);
    expect(who.status).toBe(200);
    expect(who.body.user.email).toBe(email);
    const listed = await call('GET', '/api/v1/auth/identities', { cookie: first.session });
    expect(listed.body.identities).toEqual([expect.objectContaining({ provider: 'local', providerName: 'the local OpenID provider', email })]);

    const again = await signInThroughProvider(email);
    expect(outcomeOf(again)).toBe('signed-in');
    expect((await me(again.session!)).body.user.id).toBe(who.body.user.id);
  });

  it("refuses another browser's state and a forged state, without burning the right one", async () => {
    const email = providerEmail('state');
    const mine = await startSignIn();
    const theirs = await startSignIn();
    const back = await authorizeAtProvider(mine.authorizationUrl, email);
    const wrongBrowser = await visitCallback(back, theirs.binding);
    expect(outcomeOf(wrongBrowser)).toBe('error:state');
    expect(wrongBrowser.session).toBeUndefined();
    const forged = new URL(back);
    forged.searchParams.set('state', 'A'.repeat(43));
    expect(outcomeOf(await visitCallback(forged, mine.binding))).toBe('error:state');
    expect(outcomeOf(await visitCallback(back, undefined))).toBe('error:state');
    const right = await visitCallback(back, mine.binding);
    expect(outcomeOf(right)).toBe('signed-in');
  });

  it('refuses an ID token whose nonce is not the one this sign-in sent (an authorization with another nonce)', async () => {
    const email = providerEmail('nonce');
    const started = await startSignIn();
    const swapped = new URL(started.authorizationUrl);
    // The provider issues what it is asked for: an ID token carrying this other nonce, for the genuine state.
    swapped.searchParams.set('nonce', 'n'.repeat(43));
    const r = await visitCallback(await authorizeAtProvider(swapped, email), started.binding);
    expect(outcomeOf(r)).toBe('error:provider');
    expect(r.session).toBeUndefined();
    // Nothing was created: the same provider account signs up on a clean run.
    expect(outcomeOf(await signInThroughProvider(email))).toBe('signed-in');
  });

  it('refuses a PKCE challenge that is not this sign-in verifier', async () => {
    const started = await startSignIn();
    const swapped = new URL(started.authorizationUrl);
    swapped.searchParams.set('code_challenge', 'c'.repeat(43));
    const r = await visitCallback(await authorizeAtProvider(swapped, providerEmail('pkce')), started.binding);
    expect(outcomeOf(r)).toBe('error:provider');
  });

  it('uses a state once: a replay is refused, and a burst of 8 identical callbacks makes exactly one session', async () => {
    const email = providerEmail('burst');
    const started = await startSignIn();
    const back = await authorizeAtProvider(started.authorizationUrl, email);
    const burst = await Promise.all(Array.from({ length: 8 }, () => visitCallback(back, started.binding)));
    expect(burst.filter((r) => r.session).length).toBe(1);
    expect(burst.map(outcomeOf).sort()).toEqual([...Array(7).fill('error:state'), 'signed-in'].sort());
    const session = burst.find((r) => r.session)!.session!;
    const sessions = await call('GET', '/api/v1/auth/sessions', { cookie: session });
    expect(sessions.body.sessions).toHaveLength(1);
    expect(outcomeOf(await visitCallback(back, started.binding))).toBe('error:state');
  });

  it('refuses an unverified provider email: no sign-up, and no link even to the account that has the address', async () => {
    const email = providerEmail('unverified', false);
    const r = await signInThroughProvider(email);
    expect(outcomeOf(r)).toBe('error:unverified-email');
    expect(r.session).toBeUndefined();
    // No account was made: the address is free for a password sign-up.
    const owner = await signUpWithToken(email);
    const again = await signInThroughProvider(email);
    expect(outcomeOf(again)).toBe('error:unverified-email');
    const pending = await call('GET', '/api/v1/auth/identities/pending', { token: owner.token, cookie: again.binding });
    expect(pending.body.pending).toBeNull();
    expect((await call('GET', '/api/v1/auth/identities', { token: owner.token })).body.identities).toEqual([]);
  });

  it('Microsoft Entra ID (no email_verified): refused by the default claim, signs up where emailVerifiedClaim is xms_edov, and the linked subject then signs in on either', async () => {
    const providers = (await call('GET', '/api/v1/auth/oidc/providers')).body.providers;
    expect(providers).toContainEqual({ id: 'local-entra', name: 'Entra ID (the local provider, xms_edov)' });
    // An `entra…` account of the local provider has xms_edov = true and no email_verified.
    const email = providerEmail('entra');
    const refused = await signInThroughProvider(email);
    expect(outcomeOf(refused)).toBe('error:unverified-email');
    expect(refused.session).toBeUndefined();
    const up = await signInThroughProvider(email, undefined, 'local-entra');
    expect(outcomeOf(up)).toBe('signed-in');
    const who = await me(up.session!);
    expect(who.body.user.email).toBe(email);
    expect((await call('GET', '/api/v1/auth/identities', { cookie: up.session })).body.identities).toEqual([expect.objectContaining({ provider: 'local-entra', email })]);
    // Same issuer and subject through the default provider, which now finds no email_verified:
    // the linked identity signs in (the subject is the identity, its email was verified at link time).
    const linked = await signInThroughProvider(email);
    expect(outcomeOf(linked)).toBe('signed-in');
    expect((await me(linked.session!)).body.user.id).toBe(who.body.user.id);
    // xms_edov false is refused like email_verified false: nothing signs up.
    const unverified = await signInThroughProvider(providerEmail('entra', false), undefined, 'local-entra');
    expect(outcomeOf(unverified)).toBe('error:unverified-email');
    expect(unverified.session).toBeUndefined();
  });

  it("links an existing account's verified email only once its owner signed in and confirmed; unlinks", async () => {
    const email = providerEmail('link');
    const owner = await signUpWithToken(email);
    const other = await signUpWithToken();
    const first = await signInThroughProvider(email);
    expect(outcomeOf(first)).toBe('link');
    expect(first.session).toBeUndefined();
    // Not linked by itself: the next provider sign-in still asks.
    const second = await signInThroughProvider(email, first.binding);
    expect(outcomeOf(second)).toBe('link');
    const binding = second.binding;

    // Another signed-in account sees nothing to confirm in this browser, and cannot take it.
    expect((await call('GET', '/api/v1/auth/identities/pending', { token: other.token, cookie: binding })).body.pending).toBeNull();
    expect((await call('POST', '/api/v1/auth/identities/pending/confirm', { token: other.token, cookie: binding })).status).toBe(404);
    // The owner, signed in, from another browser (no binding): nothing either.
    expect((await call('POST', '/api/v1/auth/identities/pending/confirm', { token: owner.token })).status).toBe(404);

    // A cookie session confirms only with its CSRF token.
    const ownerLogin = await call('POST', '/api/v1/auth/login', { body: { email, password: owner.password } });
    const ownerCookie = ownerLogin.headers.getSetCookie().find((c) => c.startsWith('__Host-fv_session='))!.split(';')[0]!;
    const withoutCsrf = await call('POST', '/api/v1/auth/identities/pending/confirm', { cookie: `${ownerCookie}; ${binding}` });
    expect(withoutCsrf.status).toBe(403);
    expect(withoutCsrf.body.type).toMatch(/csrf$/);
    const pending = await call('GET', '/api/v1/auth/identities/pending', { token: owner.token, cookie: binding });
    expect(pending.body.pending).toMatchObject({ provider: 'local', email });
    const confirmed = await call('POST', '/api/v1/auth/identities/pending/confirm', { token: owner.token, cookie: binding });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body.identity).toMatchObject({ provider: 'local', email });
    expect((await call('POST', '/api/v1/auth/identities/pending/confirm', { token: owner.token, cookie: binding })).status).toBe(404);

    const signedIn = await signInThroughProvider(email);
    expect(outcomeOf(signedIn)).toBe('signed-in');
    expect((await me(signedIn.session!)).body.user.id).toBe(owner.userId);
    const audit = await call('GET', '/api/v1/audit-events?limit=50', { token: owner.token });
    expect(audit.body.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['auth.identity.linked']));

    const id = confirmed.body.identity.id as string;
    expect((await call('DELETE', `/api/v1/auth/identities/${id}`, { token: other.token })).status).toBe(404);
    expect((await call('DELETE', `/api/v1/auth/identities/${id}`, { token: owner.token })).status).toBe(204);
    expect(outcomeOf(await signInThroughProvider(email))).toBe('link');
  });

  it('asks a linked account with TOTP for its second factor (5 tries) before a session', async () => {
    const email = providerEmail('mfa');
    const signedUp = await signInThroughProvider(email);
    const session = signedUp.session!;
    const { csrfToken } = (await me(session)).body;
    const enrol = await call('POST', '/api/v1/auth/mfa/totp/enroll', { cookie: session, csrf: csrfToken });
    expect(enrol.status).toBe(200);
    const secret = enrol.body.secret as string;
    const confirmed = await call('POST', '/api/v1/auth/mfa/totp/confirm', { cookie: session, csrf: csrfToken, body: { code: totpAt(secret, Date.now()) } });
    expect(confirmed.status).toBe(200);
    const recoveryCodes = confirmed.body.recoveryCodes as string[];

    const r = await signInThroughProvider(email);
    expect(outcomeOf(r)).toBe('second-factor');
    expect(r.session).toBeUndefined();
    const prompt = await call('POST', '/api/v1/auth/oidc/second-factor', { cookie: r.binding, body: {} });
    expect(prompt.status).toBe(401);
    expect(prompt.body.secondFactors).toEqual(['totp', 'recovery-code']);
    const code = totpAt(secret, Date.now() + 30_000);
    const wrong = await call('POST', '/api/v1/auth/oidc/second-factor', { cookie: r.binding, body: { totp: code === '000000' ? '111111' : '000000' } });
    expect(wrong.status).toBe(401);
    // Another browser (no binding) has no pending sign-in.
    expect((await call('POST', '/api/v1/auth/oidc/second-factor', { body: { totp: code } })).status).toBe(401);
    const ok = await call('POST', '/api/v1/auth/oidc/second-factor', { cookie: r.binding, body: { totp: code, client: 'token' } });
    expect(ok.status).toBe(200);
    expect(ok.body.user.email).toBe(email);
    expect((await call('POST', '/api/v1/auth/oidc/second-factor', { cookie: r.binding, body: { totp: code } })).status).toBe(401);

    const tries = await signInThroughProvider(email);
    for (let i = 0; i < 5; i++) {
      expect((await call('POST', '/api/v1/auth/oidc/second-factor', { cookie: tries.binding, body: { totp: '000000' === code ? '111111' : '000000' } })).status).toBe(401);
    }
    const spent = await call('POST', '/api/v1/auth/oidc/second-factor', { cookie: tries.binding, body: { totp: totpAt(secret, Date.now() + 60_000) } });
    expect(spent.status).toBe(401);
    expect(spent.body.type).toMatch(/oidc-expired$/);

    // Under bursts: 8 wrong codes at once spend the five tries (the right code then fails), and 8 uses of one recovery code make one session.
    const wrongCode = code === '000000' ? '111111' : '000000';
    const burst = await signInThroughProvider(email);
    const wrongs = await Promise.all(Array.from({ length: 8 }, () => call('POST', '/api/v1/auth/oidc/second-factor', { cookie: burst.binding, body: { totp: wrongCode } })));
    expect(wrongs.map((w) => w.status).every((s) => s === 401 || s === 409)).toBe(true);
    const afterBurst = await call('POST', '/api/v1/auth/oidc/second-factor', { cookie: burst.binding, body: { recoveryCode: recoveryCodes[0] } });
    expect(afterBurst.status).toBe(401);
    expect(afterBurst.body.type).toMatch(/oidc-expired$/);
    const rights = await signInThroughProvider(email);
    const answers = await Promise.all(Array.from({ length: 8 }, () => call('POST', '/api/v1/auth/oidc/second-factor', { cookie: rights.binding, body: { recoveryCode: recoveryCodes[0], client: 'token' } })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
  });
});
