/**
 * The admin's vault routes over HTTP against the local runtime (function `sessions`,
 * api/vault-admin.ts): an application's users with emails and counters, a user's keys,
 * a value read only with a reason (400 with field detail without one; audited with who
 * and why), deletes (204, then 404), deleting a user (shred); USER → 403, a non-member
 * → 404, another workspace's application → 404.
 */
import { addMember } from '../../functions/workspaces/members';
import { memberActor } from '../../functions/workspaces/workspaces';
import { call, signUpWithToken } from '../support/http';
import { appSessionToken, browserCookie } from '../support/hosted-login';
import { dataLayer } from './jobs-harness';
import { mainTable, partition } from './data-fixtures';
import { tenantPk, workspaceTenant } from '../../functions/tenancy/tenant';
import { waitForAccessLog } from '../support/access-log';

type User = Awaited<ReturnType<typeof signUpWithToken>>;

describe('vault admin routes', () => {
  const d = dataLayer();
  let owner: User;
  let colleague: User;
  let stranger: User;
  let endUser: User;
  let ws: string;
  let appId: string;
  let registered: { id: string; clientId: string; workspaceId: string; redirectUri: string; origin: string };
  const base = () => `/api/v1/workspaces/${ws}/applications/${appId}/users`;

  beforeAll(async () => {
    [owner, colleague, stranger, endUser] = await Promise.all([signUpWithToken(), signUpWithToken(), signUpWithToken(), signUpWithToken()]);
    ws = (await call('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'Vault team' } })).body.workspace.id;
    const wsDeps = { repo: d.repo, keyring: d.keyring, audit: d.audit, now: Date.now };
    await addMember(wsDeps, await memberActor(wsDeps, owner.userId, ws), colleague.userId, 'USER');
    const app = await call('POST', `/api/v1/workspaces/${ws}/applications`, {
      token: owner.token,
      body: { name: 'Portal', allowedOrigins: ['https://portal.example.com'], redirectUris: ['https://portal.example.com/cb'] },
    });
    expect(app.status).toBe(201);
    appId = app.body.application.id;
    // The end user signs in through the hosted login and stores values through the Session API.
    registered = { id: appId, clientId: app.body.application.clientId, workspaceId: ws, redirectUri: 'https://portal.example.com/cb', origin: 'https://portal.example.com' };
    const token = await appSessionToken(registered, await browserCookie(endUser));
    for (const [key, value] of [['cart', { items: ['tea', 'milk'] }], ['theme', 'dark']] as const) {
      expect((await call('POST', `/api/v1/sessions/set/${key}`, { token, body: value })).status).toBe(200);
    }
  });

  it('lists the users with email and counters, and a user’s keys with sizes', async () => {
    const users = await call('GET', base(), { token: owner.token });
    expect(users.status).toBe(200);
    expect(users.body).toEqual({
      users: [{ userId: endUser.userId, email: endUser.email, kind: 'user', liveSessions: 1, valueCount: 2, valueBytes: 30, lastSeenAt: expect.any(String) }],
      nextCursor: null,
    });
    const keys = await call('GET', `${base()}/${endUser.userId}/values`, { token: owner.token });
    expect(keys.status).toBe(200);
    expect(keys.body.keys.map((k: { key: string; size: number; version: number }) => [k.key, k.size, k.version])).toEqual([
      ['cart', 24, 1],
      ['theme', 6, 1],
    ]);
  });

  it('reads a value only with a reason; the read is in the workspace audit log with who and why', async () => {
    const without = await call('GET', `${base()}/${endUser.userId}/values/cart`, { token: owner.token });
    expect(without.status).toBe(400);
    expect(without.body.errors).toEqual([expect.objectContaining({ in: 'query', field: 'reason' })]);
    const reason = 'support ticket 4711: cart lost after checkout';
    const read = await call('GET', `${base()}/${endUser.userId}/values/cart?reason=${encodeURIComponent(reason)}`, { token: owner.token });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ key: 'cart', value: { items: ['tea', 'milk'] }, version: 1 });
    expect(read.headers.get('etag')).toBe('"1"');
    const log = await call('GET', `/api/v1/workspaces/${ws}/audit-events`, { token: owner.token });
    const event = log.body.events.find((e: { type: string }) => e.type === 'vault.value.read');
    expect(event).toMatchObject({ actor: `user#${owner.userId}`, metadata: { applicationId: appId, userId: endUser.userId, key: 'cart', reason } });
    const bad = await call('GET', `${base()}/${endUser.userId}/values/a%20b?reason=checking`, { token: owner.token });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ in: 'path', field: 'key' })]);
  });

  it('an admin’s read of a user’s value is in the workspace’s API-access log too; the end user’s own Session API calls are not', async () => {
    const read = await call('GET', `${base()}/${endUser.userId}/values/theme?reason=${encodeURIComponent('checking the theme bug')}`, { token: owner.token });
    expect(read.status).toBe(200);
    const entries = await waitForAccessLog(owner.token, ws, (es) => es.some((e) => e.operationId === 'readApplicationUserValue'));
    expect(entries.find((e) => e.operationId === 'readApplicationUserValue')).toMatchObject({ userId: owner.userId, status: 200, method: 'GET' });
    expect(entries.some((e) => e.userId === endUser.userId)).toBe(false);
  });

  it('USER gets 403, a non-member and another workspace’s application get 404', async () => {
    const paths: [string, string][] = [
      ['GET', base()],
      ['GET', `${base()}/${endUser.userId}/values`],
      ['GET', `${base()}/${endUser.userId}/values/cart?reason=curious`],
      ['DELETE', `${base()}/${endUser.userId}/values/cart`],
      ['DELETE', `${base()}/${endUser.userId}`],
    ];
    for (const [method, path] of paths) {
      const asUser = await call(method, path, { token: colleague.token });
      expect([path, asUser.status, asUser.body.requiredRole]).toEqual([path, 403, 'ADMIN']);
      expect((await call(method, path, { token: stranger.token })).status).toBe(404);
    }
    const own = (await call('POST', '/api/v1/workspaces', { token: stranger.token, body: { name: 'Elsewhere' } })).body.workspace.id;
    const elsewhere = await call('GET', `/api/v1/workspaces/${own}/applications/${appId}/users`, { token: stranger.token });
    expect([elsewhere.status, elsewhere.body.type]).toEqual([404, expect.stringMatching(/application-not-found$/)]);
  });

  it('deletes a value (204, then 404) and a user (crypto-shred), both audited', async () => {
    expect((await call('DELETE', `${base()}/${endUser.userId}/values/theme`, { token: owner.token })).status).toBe(204);
    const again = await call('DELETE', `${base()}/${endUser.userId}/values/theme`, { token: owner.token });
    expect([again.status, again.body.type]).toEqual([404, expect.stringMatching(/value-not-found$/)]);
    expect((await call('DELETE', `${base()}/${endUser.userId}`, { token: owner.token })).status).toBe(204);
    expect((await call('GET', `${base()}/${endUser.userId}/values`, { token: owner.token })).body.keys).toEqual([]);
    expect((await call('GET', base(), { token: owner.token })).body.users).toEqual([]);
    const types = (await call('GET', `/api/v1/workspaces/${ws}/audit-events`, { token: owner.token })).body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['vault.value.deleted', 'vault.user.deleted']));
  });

  it('deleting the application shreds its end users’ values too', async () => {
    const token = await appSessionToken(registered, await browserCookie(stranger));
    expect((await call('POST', '/api/v1/sessions/set/notes', { token, body: ['left behind?'] })).status).toBe(200);
    const vaultItems = async () =>
      (await partition(mainTable(), tenantPk(workspaceTenant(ws)))).map((i) => String(i.sk)).filter((sk) => sk.startsWith(`VAULTUSER#${appId}#`) || sk.startsWith(`VAULT#${appId}#`));
    expect(await vaultItems()).toHaveLength(2);
    expect((await call('DELETE', `/api/v1/workspaces/${ws}/applications/${appId}`, { token: owner.token })).status).toBe(204);
    expect(await vaultItems()).toEqual([]);
  });
});
