/**
 * Who reaches what, generated from the manifest: app credentials (an app session token from the
 * hosted login, an automation credential) are refused (401) by every route that is not a Session
 * API route, and every Session API route (`auth: 'app'`) refuses a user's session (bearer or
 * cookie) and API keys (401). Then the Session API's own input rules (key, body, If-Match, size),
 * and its isolation: another application's or another user's token, and an automation credential,
 * see none of a user's values (404).
 */
import { SESSION_COOKIE } from '../../functions/platform/names';
import { SCOPES, type RouteDef } from '../../functions/contracts/route';
import { limitsFor } from '../../functions/platform/tiers';
import { routes } from '../../functions/platform/manifest';
import { syncDeviceDataRoutes } from '../../functions/contracts/sync-data';
import { linkedDevice } from '../support/device-authorization';
import { call, signUpWithToken, type CallResult } from '../support/http';
import { appSessionToken, automationCredential, browserCookie, registerApp, signedInAppFixture, type TestApp, type TestUser } from '../support/hosted-login';

/** A concrete path: ids that pass validation (the answer is about who asks). */
const concretePath = (route: RouteDef): string =>
  route.path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'zoneId' || name === 'recordId' ? 'a'.repeat(32) : name === 'n' ? '0' : name === 'key' ? 'probe' : 'AAAAAAAAAAAAAAAAAAAAAA'));

async function inBatches<T, R>(items: readonly T[], size: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

const appRoutes = routes.filter((r) => r.auth === 'app');
const deviceRoutes = routes.filter((r) => r.auth === 'device');
const memberRoutes = routes.filter((r) => r.auth === 'session' || r.auth === 'user');
const sessionsApi = (path: string) => `/api/v1/sessions${path}`;

describe('credentials × routes (generated from the manifest)', () => {
  let owner: TestUser;
  let app: TestApp;
  let appToken: string;
  let automation: string;
  let apiKey: string;
  let cookie: string;
  let deviceToken: string;

  beforeAll(async () => {
    owner = await signUpWithToken();
    app = await registerApp(owner);
    cookie = await browserCookie(owner);
    appToken = await appSessionToken(app, cookie);
    automation = (await automationCredential(owner, app)).secret;
    const key = await call('POST', '/api/v1/api-keys', { token: owner.token, body: { name: 'all', scopes: [...SCOPES] } });
    apiKey = key.body.secret;
    deviceToken = (await linkedDevice(owner.token)).deviceToken;
  });

  it('has both kinds of routes to test', () => {
    expect(appRoutes.map((r) => r.operationId).sort()).toEqual(
      ['deleteSessionValue', 'getSessionValue', 'listSessionValues', 'logoutAppSession', 'revokeOwnSessions', 'setSessionValue'].sort(),
    );
    expect(memberRoutes.length).toBeGreaterThan(50);
  });

  it('every route that is not a Session API route refuses an app session token and an automation credential with 401', async () => {
    const runs = memberRoutes.flatMap((route) => [
      { route, who: 'app session token', token: appToken },
      { route, who: 'automation credential', token: automation },
    ]);
    const results = await inBatches(runs, 12, async (r) => ({ ...r, res: await call(r.route.method, concretePath(r.route), { token: r.token, body: r.route.body ? {} : undefined }) }));
    const wrong = results.filter((r) => r.res.status !== 401).map((r) => `${r.route.operationId} with ${r.who}: ${r.res.status}`);
    expect(wrong).toEqual([]);
    // Both still work where they belong.
    expect((await call('GET', sessionsApi(''), { token: appToken })).status).toBe(200);
    expect((await call('GET', sessionsApi(''), { token: automation })).status).toBe(200);
  });

  it("every Session API route refuses a user's session (bearer or cookie) and an API key with 401", async () => {
    const csrf = (await call('GET', '/api/v1/me', { cookie })).body.csrfToken as string;
    const runs = appRoutes.flatMap((route) => [
      { route, who: 'user session (bearer)', o: { token: owner.token } },
      { route, who: 'API key with every scope', o: { token: apiKey } },
      { route, who: 'user session (cookie + CSRF)', o: { cookie, csrf } },
      { route, who: 'app token as a cookie', o: { cookie: `${SESSION_COOKIE}=${appToken}` } },
    ]);
    const results = await inBatches(runs, 12, async (r) => ({ ...r, res: await call(r.route.method, concretePath(r.route), { ...r.o, body: r.route.body ? 'x' : undefined }) }));
    const wrong = results.filter((r) => r.res.status !== 401).map((r) => `${r.route.operationId} with ${r.who}: ${r.res.status}`);
    expect(wrong).toEqual([]);
  });

  it('every route that is not a device route refuses a sync device token with 401', async () => {
    const others = routes.filter((r) => r.auth !== 'device' && r.auth !== 'public');
    const results = await inBatches(others, 12, async (route) => ({ route, res: await call(route.method, concretePath(route), { token: deviceToken, body: route.body ? {} : undefined }) }));
    expect(results.filter((r) => r.res.status !== 401).map((r) => `${r.route.operationId}: ${r.res.status}`)).toEqual([]);
    // It still works where it belongs.
    expect((await call('GET', '/api/v1/sync/devices', { token: deviceToken })).status).toBe(200);
  });

  it("every device route refuses a user's session (bearer or cookie), an API key and app credentials with 401", async () => {
    const dataRoutes = syncDeviceDataRoutes.map((r) => r.operationId);
    expect(deviceRoutes.map((r) => r.operationId).sort()).toEqual(['listSyncDevices', 'revokeDeviceToken', 'rotateDeviceToken', ...dataRoutes].sort());
    const csrf = (await call('GET', '/api/v1/me', { cookie })).body.csrfToken as string;
    const runs = deviceRoutes.flatMap((route) => [
      { route, who: 'user session (bearer)', o: { token: owner.token } },
      { route, who: 'API key with every scope', o: { token: apiKey } },
      { route, who: 'user session (cookie + CSRF)', o: { cookie, csrf } },
      { route, who: 'app session token', o: { token: appToken } },
      { route, who: 'automation credential', o: { token: automation } },
      { route, who: 'device token as a cookie', o: { cookie: `${SESSION_COOKIE}=${deviceToken}` } },
    ]);
    const results = await inBatches(runs, 12, async (r) => ({ ...r, res: await call(r.route.method, concretePath(r.route), r.o) }));
    expect(results.filter((r) => r.res.status !== 401).map((r) => `${r.route.operationId} with ${r.who}: ${r.res.status}`)).toEqual([]);
  });
});

describe('the Session API', () => {
  const f = signedInAppFixture();

  it('validates keys, bodies and If-Match with field detail; 415 for non-JSON', async () => {
    const badKey = await call('POST', sessionsApi('/set/a%20b'), { token: f.token, body: 1 });
    expect(badKey.status).toBe(400);
    expect(badKey.body.errors[0]).toMatchObject({ in: 'path', field: 'key' });
    expect((await call('GET', sessionsApi(`/get/${'k'.repeat(129)}`), { token: f.token })).status).toBe(400);
    const noBody = await call('POST', sessionsApi('/set/k'), { token: f.token });
    expect(noBody.status).toBe(400);
    const broken = await call('POST', sessionsApi('/set/k'), { token: f.token, rawBody: '{"a": ' });
    expect([broken.status, broken.body.type]).toEqual([400, expect.stringMatching(/invalid-json$/)]);
    expect((await call('POST', sessionsApi('/set/k'), { token: f.token, rawBody: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    const badIfMatch = await call('POST', sessionsApi('/set/k'), { token: f.token, body: 1, headers: { 'if-match': 'W/"1"' } });
    expect(badIfMatch.status).toBe(400);
    expect(badIfMatch.body.errors[0]).toMatchObject({ in: 'header', field: 'if-match' });
  });

  it('sets, gets (with ETag), lists and deletes; If-Match stale → 412; too big → 413 naming the limit', async () => {
    const first = await call('POST', sessionsApi('/set/cart'), { token: f.token, body: { items: ['tea'] } });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"1"');
    const second = await call('POST', sessionsApi('/set/cart'), { token: f.token, body: { items: ['tea', 'milk'] }, headers: { 'if-match': '"1"' } });
    expect([second.status, second.body.version]).toEqual([200, 2]);
    const stale = await call('POST', sessionsApi('/set/cart'), { token: f.token, body: { items: [] }, headers: { 'if-match': '"1"' } });
    expect([stale.status, stale.body.type]).toEqual([412, expect.stringMatching(/precondition-failed$/)]);
    const got = await call('GET', sessionsApi('/get/cart'), { token: f.token });
    expect(got.body).toMatchObject({ key: 'cart', value: { items: ['tea', 'milk'] }, version: 2 });
    expect(got.headers.get('etag')).toBe('"2"');
    const limit = limitsFor('free').vaultValueBytes;
    const big = await call('POST', sessionsApi('/set/big'), { token: f.token, body: 'x'.repeat(limit) });
    expect([big.status, big.body.type, big.body.limit]).toEqual([413, expect.stringMatching(/value-too-large$/), limit]);
    const list = await call('GET', sessionsApi(''), { token: f.token });
    expect(list.body.keys.map((k: { key: string }) => k.key)).toEqual(['cart']);
    expect((await call('DELETE', sessionsApi('/delete/cart'), { token: f.token })).status).toBe(204);
    const again = await call('DELETE', sessionsApi('/delete/cart'), { token: f.token });
    expect([again.status, again.body.type]).toEqual([404, expect.stringMatching(/value-not-found$/)]);
  });

  it("another application's token, another user's token and an automation credential see none of a user's values (404)", async () => {
    expect((await call('POST', sessionsApi('/set/secret'), { token: f.token, body: 'mine' })).status).toBe(200);
    const otherApp = await registerApp(f.owner);
    const sameUserOtherApp = await appSessionToken(otherApp, await browserCookie(f.owner));
    const otherUser = await signUpWithToken();
    const otherUserSameApp = await appSessionToken(f.app, await browserCookie(otherUser));
    const robot = (await automationCredential(f.owner, f.app)).secret;
    for (const t of [sameUserOtherApp, otherUserSameApp, robot]) {
      const r: CallResult = await call('GET', sessionsApi('/get/secret'), { token: t });
      expect([r.status, r.body.type]).toEqual([404, expect.stringMatching(/value-not-found$/)]);
      expect((await call('GET', sessionsApi(''), { token: t })).body.keys).toEqual([]);
      expect((await call('DELETE', sessionsApi('/delete/secret'), { token: t })).status).toBe(404);
    }
    expect((await call('GET', sessionsApi('/get/secret'), { token: f.token })).body.value).toBe('mine');
  });

  it('an automation credential keeps its own values, cannot log out or revoke, and is refused once revoked by an admin', async () => {
    const credential = await automationCredential(f.owner, f.app);
    expect((await call('POST', sessionsApi('/set/state'), { token: credential.secret, body: { step: 3 } })).status).toBe(200);
    expect((await call('POST', sessionsApi('/logout'), { token: credential.secret })).status).toBe(403);
    expect((await call('POST', sessionsApi('/revoke'), { token: credential.secret })).status).toBe(403);
    const base = `/api/v1/workspaces/${f.app.workspaceId}/applications/${f.app.id}`;
    const listed = await call('GET', `${base}/credentials`, { token: f.owner.token });
    expect(listed.body.credentials.find((c: { id: string }) => c.id === credential.id)).toMatchObject({ name: 'n8n', appUserId: credential.appUserId, lastUsedAt: expect.any(String) });
    expect(listed.text).not.toContain(credential.secret);
    const users = await call('GET', `${base}/users`, { token: f.owner.token });
    expect(users.body.users.find((u: { userId: string }) => u.userId === credential.appUserId)).toMatchObject({ kind: 'automation', email: null, valueCount: 1 });
    expect((await call('DELETE', `${base}/credentials/${credential.id}`, { token: f.owner.token })).status).toBe(204);
    expect((await call('GET', sessionsApi('/get/state'), { token: credential.secret })).status).toBe(401);
    expect((await call('DELETE', `${base}/credentials/${credential.id}`, { token: f.owner.token })).status).toBe(404);
  });

  it("an admin's delete of the user ends their tokens and shreds their values; a new sign-in starts empty", async () => {
    const user = await signUpWithToken();
    const userCookie = await browserCookie(user);
    const t = await appSessionToken(f.app, userCookie);
    expect((await call('POST', sessionsApi('/set/notes'), { token: t, body: 'x' })).status).toBe(200);
    const base = `/api/v1/workspaces/${f.app.workspaceId}/applications/${f.app.id}`;
    expect((await call('DELETE', `${base}/users/${user.userId}`, { token: f.owner.token })).status).toBe(204);
    expect((await call('GET', sessionsApi(''), { token: t })).status).toBe(401);
    const fresh = await appSessionToken(f.app, userCookie);
    expect((await call('GET', sessionsApi(''), { token: fresh })).body.keys).toEqual([]);
    expect((await call('GET', sessionsApi(''), { token: t })).status).toBe(401);
  });
});
