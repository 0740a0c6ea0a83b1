/**
 * The hosted login for applications and the app session tokens, over HTTP through the local
 * gateway: every refusal of authorize and of the code exchange (never a redirect to an
 * unregistered place), code replay, expiry (410, data intact, a new login sees the same data),
 * revocation in every container, password reset, the live-session cap under a burst, the
 * per-minute allowance, logout (GET top-level and POST), and per-application CORS.
 */
import { AppSessionCredential, AppSessionEntity, appSessionSk, AuthCodeCredential, AuthCodeEntity, authCodeSk } from '../../functions/app-auth/entities';
import * as s from '../../functions/contracts/sessions';
import { clientIdGuard } from '../../functions/applications/entities';
import { withIntegrity } from '../../functions/identity/credential-integrity';
import { parseAppToken } from '../../functions/identity/tokens';
import { limitsFor } from '../../functions/platform/tiers';
import { workspaceTenant } from '../../functions/tenancy/tenant';
import { call, signUpWithToken, STRONG_PASSWORD } from '../support/http';
import {
  signedInAppFixture,
  appSessionToken,
  authorizeCode,
  authorizeQuery,
  browserCookie,
  exchange,
  navigate,
  pkcePair,
  registerApp,
} from '../support/hosted-login';
import { inProcessFunction } from './in-process';
import { dataLayer } from './jobs-harness';

const FREE = limitsFor('free');
const sessionsApi = (path: string) => `/api/v1/sessions${path}`;

/** Moves a stored credential's expiry into the past, re-sealing its integrity digest as the service would (a time-scaled clock). */
async function expireSession(token: string) {
  const [ws, app, user, sid] = parseAppToken(token, 'appSession')!.ids as string[];
  const repo = dataLayer().repo;
  const tenant = workspaceTenant(ws!);
  const sk = appSessionSk(app!, user!, sid!);
  const { sk: _sk, version, ttl, ...attrs } = (await repo.get(tenant, AppSessionEntity, sk))! as Record<string, any>;
  await repo.put(tenant, AppSessionEntity, sk, withIntegrity(AppSessionCredential, { ...(attrs as any), expiresAt: Date.now() - 1000 }), { expectedVersion: version, ttl });
}

async function expireCode(code: string) {
  const [ws, , codeId] = parseAppToken(code, 'authCode')!.ids as string[];
  const repo = dataLayer().repo;
  const tenant = workspaceTenant(ws!);
  const { sk: _sk, version, ttl, ...attrs } = (await repo.get(tenant, AuthCodeEntity, authCodeSk(codeId!)))! as Record<string, any>;
  await repo.put(tenant, AuthCodeEntity, authCodeSk(codeId!), withIntegrity(AuthCodeCredential, { ...(attrs as any), expiresAt: Date.now() - 1000 }), { expectedVersion: version, ttl });
}

describe('hosted login: authorize', () => {
  const f = signedInAppFixture();
  const { challenge } = pkcePair();

  const refusedWithoutRedirect = (r: Awaited<ReturnType<typeof navigate>>, slug: string) => {
    expect(r.status).toBe(400);
    expect(r.location).toBeNull();
    expect(r.body.type).toMatch(new RegExp(`${slug}$`));
  };

  it('refuses an unknown client id with 400 invalid-client, never a redirect', async () => {
    const q = authorizeQuery({ clientId: 'fv_app_AAAAAAAAAAAAAAAAAAAAAA', redirectUri: f.app.redirectUri }, challenge);
    refusedWithoutRedirect(await navigate(`/api/v1/auth/authorize?${q}`, f.cookie), 'invalid-client');
  });

  it('refuses every redirect URI that is not registered exactly (400 invalid-redirect-uri), signed in or not', async () => {
    for (const uri of [`${f.app.redirectUri}/`, `${f.app.redirectUri}?x=1`, `${f.app.origin}/other`, 'https://evil.example/callback', f.app.redirectUri.toUpperCase()]) {
      const q = authorizeQuery({ clientId: f.app.clientId, redirectUri: uri }, challenge);
      refusedWithoutRedirect(await navigate(`/api/v1/auth/authorize?${q}`, f.cookie), 'invalid-redirect-uri');
      refusedWithoutRedirect(await navigate(`/api/v1/auth/authorize?${q}`), 'invalid-redirect-uri');
    }
  });

  it('refuses a missing or plain PKCE challenge with 400 and field detail, never a redirect', async () => {
    const base = { client_id: f.app.clientId, redirect_uri: f.app.redirectUri, state: 'abc' };
    const variants: Record<string, string>[] = [{}, { code_challenge: challenge }, { code_challenge: challenge, code_challenge_method: 'plain' }, { code_challenge: 'short', code_challenge_method: 'S256' }];
    for (const extra of variants) {
      const r = await navigate(`/api/v1/auth/authorize?${new URLSearchParams({ ...base, ...extra })}`, f.cookie);
      expect(r.status).toBe(400);
      expect(r.location).toBeNull();
      expect(r.body.errors.map((e: { field: string }) => e.field).join()).toMatch(/code_challenge/);
    }
  });

  it('refuses a disabled application', async () => {
    const other = await registerApp(f.owner);
    await call('PATCH', `/api/v1/workspaces/${f.owner.userId}/applications/${other.id}`, { token: f.owner.token, body: { enabled: false } });
    refusedWithoutRedirect(await navigate(`/api/v1/auth/authorize?${authorizeQuery(other, challenge)}`, f.cookie), 'invalid-client');
  });

  it('an application registered before the client-id pointer existed gets it at its next change', async () => {
    const legacy = await registerApp(f.owner);
    const guard = clientIdGuard(legacy.clientId);
    await dataLayer().repo.tx(workspaceTenant(legacy.workspaceId)).deleteGlobal(guard.pk, guard.sk).commit();
    refusedWithoutRedirect(await navigate(`/api/v1/auth/authorize?${authorizeQuery(legacy, challenge)}`, f.cookie), 'invalid-client');
    expect((await call('PATCH', `/api/v1/workspaces/${legacy.workspaceId}/applications/${legacy.id}`, { token: f.owner.token, body: { name: 'renamed' } })).status).toBe(200);
    expect((await navigate(`/api/v1/auth/authorize?${authorizeQuery(legacy, challenge)}`, f.cookie)).status).toBe(302);
  });

  it('sends a browser that is not signed in to the login page, carrying the whole request', async () => {
    const q = authorizeQuery(f.app, challenge, 'keep-me');
    const r = await navigate(`/api/v1/auth/authorize?${q}`);
    expect(r.status).toBe(302);
    const login = new URL(r.location!, 'http://x');
    expect(login.pathname).toBe('/login');
    expect(login.searchParams.get('authorize')).toBe(q);
  });

  it('redirects a signed-in browser to the redirect URI with a code and the state', async () => {
    const q = authorizeQuery(f.app, challenge, 'state-Ω-1'.replace('Ω', 'o'));
    const r = await navigate(`/api/v1/auth/authorize?${q}`, f.cookie);
    expect(r.status).toBe(302);
    const u = new URL(r.location!);
    expect(`${u.origin}${u.pathname}`).toBe(f.app.redirectUri);
    expect(u.searchParams.get('state')).toBe('state-o-1');
    expect(u.searchParams.get('code')).toMatch(/^fv_code_/);
    expect(r.headers.get('cache-control')).toBe('no-store');
  });
});

describe('hosted login: code exchange', () => {
  const f = signedInAppFixture();

  it('refuses a wrong verifier, a redirect mismatch and an unknown client; the right request then succeeds', async () => {
    const { verifier, challenge } = pkcePair();
    const { code } = await authorizeCode(f.app, f.cookie, challenge);
    const wrong = await exchange(f.app, code, pkcePair().verifier);
    expect(wrong.status).toBe(400);
    expect(wrong.body.type).toMatch(/invalid-grant$/);
    const mismatch = await exchange(f.app, code, verifier, `${f.app.origin}/elsewhere`);
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.type).toMatch(/invalid-grant$/);
    const unknownClient = await exchange({ ...f.app, clientId: 'fv_app_BBBBBBBBBBBBBBBBBBBBBB' }, code, verifier);
    expect(unknownClient.status).toBe(400);
    expect(unknownClient.body.type).toMatch(/invalid-client$/);
    const ok = await exchange(f.app, code, verifier);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ sessionToken: expect.stringMatching(/^fv_vs_/), tokenType: 'Bearer', expiresIn: 3600 });
  });

  it("refuses another application's code (invalid-grant) even with the right verifier", async () => {
    const other = await registerApp(f.owner);
    const { verifier, challenge } = pkcePair();
    const { code } = await authorizeCode(f.app, f.cookie, challenge);
    const r = await exchange(other, code, verifier, other.redirectUri);
    expect(r.status).toBe(400);
    expect(r.body.type).toMatch(/invalid-grant$/);
  });

  it('refuses a reused code and ends the session it minted', async () => {
    const { verifier, challenge } = pkcePair();
    const { code } = await authorizeCode(f.app, f.cookie, challenge);
    const first = await exchange(f.app, code, verifier);
    expect(first.status).toBe(200);
    const token = first.body.sessionToken as string;
    expect((await call('GET', sessionsApi(''), { token })).status).toBe(200);
    const replay = await exchange(f.app, code, verifier);
    expect(replay.status).toBe(400);
    expect(replay.body.type).toMatch(/invalid-grant$/);
    expect((await call('GET', sessionsApi(''), { token })).status).toBe(401);
  });

  it('a burst of concurrent exchanges of one code gives exactly one token; the others get invalid-grant', async () => {
    const { verifier, challenge } = pkcePair();
    const { code } = await authorizeCode(f.app, f.cookie, challenge);
    const results = await Promise.all(Array.from({ length: 8 }, () => exchange(f.app, code, verifier)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(7);
    for (const r of refused) {
      expect(r.status).toBe(400);
      expect(r.body.type).toMatch(/invalid-grant$/);
    }
  });

  it('refuses an expired code', async () => {
    const { verifier, challenge } = pkcePair();
    const { code } = await authorizeCode(f.app, f.cookie, challenge);
    await expireCode(code);
    const r = await exchange(f.app, code, verifier);
    expect(r.status).toBe(400);
    expect(r.body.type).toMatch(/invalid-grant$/);
    expect(r.body.detail).toMatch(/expired/);
  });

  it('refuses malformed input with field detail (verifier too short, extra fields)', async () => {
    const r = await call('POST', '/api/v1/auth/callback', { body: { client_id: f.app.clientId, code: 'x', code_verifier: 'short', redirect_uri: f.app.redirectUri, extra: 1 } });
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['code_verifier']));
  });
});

describe('app session tokens', () => {
  const f = signedInAppFixture();

  it('an expired token answers 410 session-expired; the data stays and a new login sees it', async () => {
    const token = await appSessionToken(f.app, f.cookie);
    expect((await call('POST', sessionsApi('/set/profile'), { token, body: { theme: 'dark' } })).status).toBe(200);
    await expireSession(token);
    const gone = await call('GET', sessionsApi('/get/profile'), { token });
    expect(gone.status).toBe(410);
    expect(gone.body.type).toMatch(/session-expired$/);
    const again = await appSessionToken(f.app, f.cookie);
    const r = await call('GET', sessionsApi('/get/profile'), { token: again });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ key: 'profile', value: { theme: 'dark' }, version: 1 });
  });

  it('revoke refuses every token of the user on the very next request, in every container', async () => {
    const [a, b] = [await appSessionToken(f.app, f.cookie), await appSessionToken(f.app, f.cookie)];
    const second = await inProcessFunction('sessions');
    const warm = await second.invoke(s.listSessionValues, { token: b });
    expect(warm.statusCode).toBe(200);
    expect((await call('POST', sessionsApi('/revoke'), { token: a })).status).toBe(204);
    expect((await call('GET', sessionsApi(''), { token: a })).status).toBe(401);
    expect((await call('GET', sessionsApi(''), { token: b })).status).toBe(401);
    expect((await second.invoke(s.listSessionValues, { token: b })).statusCode).toBe(401);
    // A new login works again.
    expect((await call('GET', sessionsApi(''), { token: await appSessionToken(f.app, f.cookie) })).status).toBe(200);
  });

  it("an admin's revoke of the user refuses their tokens on the next request", async () => {
    const token = await appSessionToken(f.app, f.cookie);
    const second = await inProcessFunction('sessions');
    expect((await second.invoke(s.listSessionValues, { token })).statusCode).toBe(200);
    const r = await call('POST', `/api/v1/workspaces/${f.app.workspaceId}/applications/${f.app.id}/users/${f.owner.userId}/revoke`, { token: f.owner.token });
    expect(r.status).toBe(204);
    expect((await second.invoke(s.listSessionValues, { token })).statusCode).toBe(401);
    expect((await call('GET', sessionsApi(''), { token })).status).toBe(401);
  });

  it("a password reset refuses the user's app tokens", async () => {
    const user = await signUpWithToken();
    const userCookie = await browserCookie(user);
    const token = await appSessionToken(f.app, userCookie);
    expect((await call('GET', sessionsApi(''), { token })).status).toBe(200);
    expect((await call('POST', '/api/v1/auth/password/reset-request', { body: { email: user.email } })).status).toBe(202);
    const outbox = await call('GET', '/api/v1/dev/outbox', { token: user.token });
    const mail = outbox.body.messages.find((m: { to: string; text: string }) => m.to === user.email && m.text.includes('Reset token'));
    const resetToken = /Reset token: (\S+)/.exec(mail.text)![1]!;
    expect((await call('POST', '/api/v1/auth/password/reset', { body: { token: resetToken, newPassword: `${STRONG_PASSWORD}-reset` } })).status).toBe(204);
    expect((await call('GET', sessionsApi(''), { token })).status).toBe(401);
  });

  it('POST logout ends that token only', async () => {
    const [a, b] = [await appSessionToken(f.app, f.cookie), await appSessionToken(f.app, f.cookie)];
    expect((await call('POST', sessionsApi('/logout'), { token: a })).status).toBe(204);
    expect((await call('GET', sessionsApi(''), { token: a })).status).toBe(401);
    expect((await call('GET', sessionsApi(''), { token: b })).status).toBe(200);
  });

  it('GET logout signs the browser out, ends the app tokens and redirects only to a registered place', async () => {
    const user = await signUpWithToken();
    const userCookie = await browserCookie(user);
    const token = await appSessionToken(f.app, userCookie);
    const bad = await navigate(`/api/v1/auth/logout?client_id=${f.app.clientId}&post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`, userCookie);
    expect(bad.status).toBe(400);
    expect(bad.location).toBeNull();
    const r = await navigate(`/api/v1/auth/logout?client_id=${f.app.clientId}&post_logout_redirect_uri=${encodeURIComponent(`${f.app.origin}/bye`)}`, userCookie);
    expect(r.status).toBe(302);
    expect(r.location).toBe(`${f.app.origin}/bye`);
    expect((await call('GET', '/api/v1/me', { cookie: userCookie })).status).toBe(401);
    expect((await call('GET', sessionsApi(''), { token })).status).toBe(401);
    // The next authorize asks for the password again.
    const next = await navigate(`/api/v1/auth/authorize?${authorizeQuery(f.app, pkcePair().challenge)}`, userCookie);
    expect(new URL(next.location!, 'http://x').pathname).toBe('/login');
  });

  it(`admits exactly ${FREE.liveSessionsPerAppUser} live sessions per user under a burst of concurrent exchanges; the rest get 429 with Retry-After`, async () => {
    const user = await signUpWithToken();
    const userCookie = await browserCookie(user);
    const burst = FREE.liveSessionsPerAppUser + 4;
    const grants = [];
    for (let i = 0; i < burst; i++) {
      const pair = pkcePair();
      grants.push({ ...pair, code: (await authorizeCode(f.app, userCookie, pair.challenge)).code });
    }
    const results = await Promise.all(grants.map((g) => exchange(f.app, g.code, g.verifier)));
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    expect(ok).toHaveLength(FREE.liveSessionsPerAppUser);
    expect(refused).toHaveLength(burst - FREE.liveSessionsPerAppUser);
    for (const r of refused) {
      expect(r.body.type).toMatch(/too-many-sessions$/);
      expect(r.body.limit).toBe(FREE.liveSessionsPerAppUser);
      const retry = Number(r.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(3500);
      expect(retry).toBeLessThanOrEqual(3600);
    }
    // Ending one frees its slot.
    expect((await call('POST', sessionsApi('/logout'), { token: ok[0]!.body.sessionToken })).status).toBe(204);
    const pair = pkcePair();
    const again = await exchange(f.app, (await authorizeCode(f.app, userCookie, pair.challenge)).code, pair.verifier);
    expect(again.status).toBe(200);
  });
});

describe('per-minute allowance', () => {
  it(`answers 429 rate-limited with Retry-After past ${FREE.sessionApiRequestsPerMinute} requests a minute per user`, async () => {
    const owner = await signUpWithToken();
    const app = await registerApp(owner);
    const token = await appSessionToken(app, await browserCookie(owner));
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof call<any>>> | undefined;
    // Up to two windows' worth: a run that crosses a minute boundary starts a fresh window once.
    for (let i = 0; i < 2 * FREE.sessionApiRequestsPerMinute + 40 && !limited; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, () => call('GET', sessionsApi(''), { token })));
      statuses.push(...batch.map((r) => r.status));
      limited = batch.find((r) => r.status === 429);
    }
    // Unless the minute turned during the run, nothing passes the allowance.
    expect(statuses.filter((x) => x === 200).length).toBeLessThanOrEqual(2 * FREE.sessionApiRequestsPerMinute);
    expect(limited).toBeDefined();
    expect(limited!.body.type).toMatch(/rate-limited$/);
    expect(limited!.body.limit).toBe(FREE.sessionApiRequestsPerMinute);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another user of the same application is not affected.
    const other = await signUpWithToken();
    expect((await call('GET', sessionsApi(''), { token: await appSessionToken(app, await browserCookie(other)) })).status).toBe(200);
  });
});

describe('CORS per application', () => {
  const f = signedInAppFixture();

  it('answers the preflight with the methods and headers the SDK needs, never with credentials', async () => {
    const res = await fetch(`${process.env.FLAREVAULT_URL}/api/v1/sessions/set/k1`, {
      method: 'OPTIONS',
      headers: { origin: f.app.origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,if-match' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(f.app.origin);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toContain('if-match');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it("lets the application's registered origin read answers (errors included), and refuses any other origin before any effect", async () => {
    const ok = await call('POST', sessionsApi('/set/cors'), { token: f.token, body: 1, headers: { origin: f.app.origin } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(f.app.origin);
    expect(ok.headers.get('access-control-expose-headers')).toContain('etag');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const missing = await call('GET', sessionsApi('/get/absent'), { token: f.token, headers: { origin: f.app.origin } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe(f.app.origin);

    const evil = await call('POST', sessionsApi('/set/cors'), { token: f.token, body: 2, headers: { origin: 'https://evil.example' } });
    expect(evil.status).toBe(403);
    expect(evil.body.type).toMatch(/origin-not-allowed$/);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    // Refused before the write: the value is still 1.
    expect((await call('GET', sessionsApi('/get/cors'), { token: f.token })).body.value).toBe(1);
  });

  it('applies the same rule to the code exchange', async () => {
    const cookie = await browserCookie(f.owner);
    const { verifier, challenge } = pkcePair();
    const { code } = await authorizeCode(f.app, cookie, challenge);
    const evil = await exchange(f.app, code, verifier, f.app.redirectUri, { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const ok = await exchange(f.app, code, verifier, f.app.redirectUri, { origin: f.app.origin });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(f.app.origin);
  });
});
