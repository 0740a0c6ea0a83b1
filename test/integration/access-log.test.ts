/**
 * The API-access log: every authenticated call (session or API key) is recorded
 * in the workspace with its credential, operation, status, latency, IP and user
 * agent (the last two encrypted at rest, decrypted for admins); the listing
 * filters by credential, operation, status and time range, newest first with a
 * cursor; USER gets 403, another workspace's member 404; a failing recorder
 * never changes the answer (in-process, with the access-log writer replaced).
 * Entries are written after the answer (the access line goes through the log subscription to the
 * ingest), so the setup waits until the calls it made are in the log.
 */
import { listApplications } from '../../functions/contracts/applications';
import { tenantPk, workspaceTenant } from '../../functions/tenancy/tenant';
import { addMember } from '../../functions/workspaces/members';
import { memberActor } from '../../functions/workspaces/workspaces';
import type { WorkspaceDeps } from '../../functions/workspaces/deps';
import { waitForAccessLog } from '../support/access-log';
import { call, signUpWithToken } from '../support/http';
import { dataLayer } from './jobs-harness';
import { mainTable, partition } from './data-fixtures';
import { inProcessFunction } from './in-process';
import type { AccessItem } from '../../functions/access-log/entities';

type User = Awaited<ReturnType<typeof signUpWithToken>>;
type Entry = AccessItem;

function wsDeps(): WorkspaceDeps {
  const d = dataLayer();
  return { repo: d.repo, keyring: d.keyring, audit: d.audit, now: Date.now };
}

const log = (ws: string, query = '') => `/api/v1/workspaces/${ws}/access-log${query ? `?${query}` : ''}`;
const agent = `fv-access-agent-${Date.now().toString(36)}`;

describe('API-access log', () => {
  let owner: User;
  let ws: string;
  let keyId: string;
  let key: string;
  let user: User;
  let startedAt: string;

  beforeAll(async () => {
    owner = await signUpWithToken();
    user = await signUpWithToken();
    ws = (await call('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'Logged' } })).body.workspace.id;
    await addMember(wsDeps(), await memberActor(wsDeps(), owner.userId, ws), user.userId, 'USER');
    expect((await call('POST', `/api/v1/workspaces/${ws}/activate`, { token: owner.token })).status).toBe(200);
    const k = await call('POST', '/api/v1/api-keys', { token: owner.token, body: { name: 'logger', scopes: ['cloudflare:read', 'account:read', 'audit:read'] } });
    expect(k.status).toBe(201);
    expect(k.body.apiKey.workspaceId).toBe(ws);
    keyId = k.body.apiKey.id;
    key = k.body.secret;
    startedAt = new Date().toISOString();
    // Calls below arrive strictly after `startedAt` (entries carry millisecond times; a tie would sit on both sides).
    await new Promise((r) => setTimeout(r, 5));
    // A session call named by the path, an API-key call on the key's workspace, a refused USER call.
    expect((await call('GET', `/api/v1/workspaces/${ws}/applications`, { token: owner.token, headers: { 'user-agent': agent } })).status).toBe(200);
    expect((await call('GET', '/api/v1/cloudflare/accounts', { token: key, headers: { 'user-agent': `${agent}-key` } })).status).toBe(200);
    expect((await call('POST', `/api/v1/workspaces/${ws}/applications`, { token: user.token, body: { name: 'nope' } })).status).toBe(403);
    await waitForAccessLog(owner.token, ws, (entries) =>
      ['listApplications', 'listCloudflareAccounts', 'createApplication'].every((op) => entries.some((e) => e.operationId === op && e.at > startedAt)),
    );
  });

  it('records calls by a session and an API key with their fields, newest first', async () => {
    const r = await call('GET', log(ws), { token: owner.token });
    expect(r.status).toBe(200);
    const entries: Entry[] = r.body.entries;
    const bySession = entries.find((e) => e.operationId === 'listApplications');
    expect(bySession).toMatchObject({
      credentialKind: 'session',
      credentialId: owner.sessionId,
      userId: owner.userId,
      method: 'GET',
      status: 200,
      userAgent: agent,
    });
    expect(bySession!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(bySession!.ip).toMatch(/\S/);
    expect(bySession!.requestId).toMatch(/\S/);
    const byKey = entries.find((e) => e.operationId === 'listCloudflareAccounts' || e.credentialKind === 'api-key');
    expect(byKey).toMatchObject({ credentialKind: 'api-key', credentialId: keyId, userId: owner.userId, status: 200, userAgent: `${agent}-key` });
    const refused = entries.find((e) => e.userId === user.userId);
    expect(refused).toMatchObject({ operationId: 'createApplication', status: 403, method: 'POST' });
    const times = entries.map((e) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('filters by credential, operation, status and time range, with a cursor', async () => {
    const byKey = (await call('GET', log(ws, `credentialId=${keyId}`), { token: owner.token })).body.entries as Entry[];
    expect(byKey.length).toBeGreaterThanOrEqual(1);
    expect(byKey.every((e) => e.credentialId === keyId)).toBe(true);

    const byOp = (await call('GET', log(ws, 'operationId=createApplication'), { token: owner.token })).body.entries as Entry[];
    expect(byOp.map((e) => e.operationId)).toEqual(['createApplication']);

    const byStatus = (await call('GET', log(ws, 'status=403'), { token: owner.token })).body.entries as Entry[];
    expect(byStatus.length).toBeGreaterThanOrEqual(1);
    expect(byStatus.every((e) => e.status === 403)).toBe(true);

    const before = (await call('GET', log(ws, `to=${encodeURIComponent(startedAt)}`), { token: owner.token })).body.entries as Entry[];
    expect(before.every((e) => e.at <= startedAt)).toBe(true);
    expect(before.some((e) => e.operationId === 'listApplications')).toBe(false);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await call('GET', log(ws, `from=${encodeURIComponent(future)}`), { token: owner.token })).body.entries).toEqual([]);
    const since = (await call('GET', log(ws, `from=${encodeURIComponent(startedAt)}`), { token: owner.token })).body.entries as Entry[];
    expect(since.every((e) => e.at >= startedAt)).toBe(true);
    expect(since.some((e) => e.operationId === 'listApplications')).toBe(true);

    const bad = await call('GET', log(ws, 'from=yesterday'), { token: owner.token });
    expect(bad.status).toBe(400);

    // Paging one at a time visits the same entries as one page.
    const all = (await call('GET', log(ws, 'limit=100'), { token: owner.token })).body.entries as Entry[];
    const paged: Entry[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await call('GET', log(ws, q), { token: owner.token });
      expect(page.status).toBe(200);
      paged.push(...page.body.entries);
      cursor = page.body.nextCursor;
    } while (cursor && paged.length < all.length + 50);
    // The paging calls themselves are recorded while paging, and the calls just before `all` may be
    // ingested after it (the log is delivered asynchronously): the walk may see more entries than `all`
    // (it stopped after 5 extra and missed old ones on a loaded machine); compare the entries that existed before.
    const ids = new Set(paged.map((e) => e.requestId));
    expect(all.every((e) => ids.has(e.requestId))).toBe(true);
  });

  it('a USER gets 403; a member of another workspace 404', async () => {
    const asUser = await call('GET', log(ws), { token: user.token });
    expect(asUser.status).toBe(403);
    expect(asUser.body).toMatchObject({ action: 'logs.read', requiredRole: 'ADMIN' });
    const stranger = await signUpWithToken();
    expect((await call('GET', log(ws), { token: stranger.token })).status).toBe(404);
    // The stranger's refused call is not in the workspace's log: it went to the stranger's own workspace's.
    await waitForAccessLog(stranger.token, stranger.userId, (entries) => entries.some((e) => e.operationId === 'listAccessLog' && e.status === 404));
    const entries = (await call('GET', log(ws, 'limit=100'), { token: owner.token })).body.entries as Entry[];
    expect(entries.some((e) => e.userId === stranger.userId)).toBe(false);
  });

  it('the raw items hold IP and user agent only as ciphertext, with a TTL from the tier', async () => {
    const raw = (await partition(mainTable(), tenantPk(workspaceTenant(ws)))).filter((i) => String(i.sk).startsWith('ACCESS#'));
    expect(raw.length).toBeGreaterThanOrEqual(3);
    const entries = (await call('GET', log(ws, 'limit=100'), { token: owner.token })).body.entries as Entry[];
    const ips = new Set(entries.map((e) => e.ip));
    for (const item of raw) {
      expect(String(item.ip)).toMatch(/^fv1\./);
      expect(String(item.userAgent)).toMatch(/^fv1\./);
      const text = JSON.stringify(item);
      expect(text).not.toContain(agent);
      for (const ip of ips) expect(text).not.toContain(`"${ip}"`);
      // free tier: 30 days of audit retention.
      const at = Date.parse(String(item.at)) / 1000;
      expect(Number(item.ttl)).toBeGreaterThan(at + 29 * 86_400);
      expect(Number(item.ttl)).toBeLessThanOrEqual(at + 30 * 86_400 + 1);
    }
  });

  it('a failing recorder does not fail the request (in-process, the writer replaced)', async () => {
    jest.doMock('../../functions/access-log/access-line', () => ({
      ...jest.requireActual('../../functions/access-log/access-line'),
      sealAccessLine: async () => {
        throw new Error('access log unavailable');
      },
    }));
    let fn: Awaited<ReturnType<typeof inProcessFunction>>;
    try {
      fn = await inProcessFunction('workspaces');
    } finally {
      jest.dontMock('../../functions/access-log/access-line');
    }
    const ok = await fn.invoke(listApplications, { path: `/api/v1/workspaces/${ws}/applications`, pathParameters: { workspaceId: ws }, token: owner.token });
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body!).applications).toEqual([]);
    const refused = await fn.invoke(listApplications, { path: `/api/v1/workspaces/${ws}/applications`, pathParameters: { workspaceId: ws }, token: (await signUpWithToken()).token });
    expect(refused.statusCode).toBe(404);
    // Nothing was written for these two calls.
    const entries = (await call('GET', log(ws, 'limit=100'), { token: owner.token })).body.entries as Entry[];
    expect(entries.filter((e) => e.userAgent === 'jest-in-process')).toEqual([]);
  });
});
