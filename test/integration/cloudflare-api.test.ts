/**
 * Cloudflare accounts, zones and DNS over HTTP against the local runtime, whose handlers reach the
 * local Cloudflare sandbox through the official SDK (CLOUDFLARE_SANDBOX_URL, from the stack env).
 * Every test user connects its own `sandbox: true` account: a fresh sandbox account + token + 3
 * demo zones (pro/free/business, 150 records each), so tests never share zones or rate-limit budgets.
 *
 * Covers: every route, pagination past 100 records, filters, Cloudflare's error codes as problems,
 * tenant isolation (404 on every route), bad input on every route (400 with fields), fault
 * injection (5xx / dropped connections → 502), the rate-limit block (429 + Retry-After, without
 * the SDK sleeping through it), a revoked token → needs-attention, audit events.
 * The time-scaled 300 s block through the client module: cloudflare-api-ratelimit.test.ts.
 */
import { call, signUpWithToken } from '../support/http';

/**
 * Account events are audited in the workspace's chain (the workspace is the tenant), listed by
 * GET /api/v1/workspaces/{workspaceId}/audit-events (ADMIN+: the user owns their personal workspace).
 */
async function workspaceAudit(user: { userId: string; token: string }) {
  const r = await call('GET', `/api/v1/workspaces/${user.userId}/audit-events?limit=50`, { token: user.token });
  expect(r.status).toBe(200);
  return r as { body: { events: Array<{ type: string; metadata: any }> }; text: string };
}

const SANDBOX_URL = process.env.CLOUDFLARE_SANDBOX_URL!;
const ADMIN_TOKEN = process.env.CLOUDFLARE_SANDBOX_ADMIN_TOKEN!;
const ORIGIN = SANDBOX_URL ? new URL(SANDBOX_URL).origin : '';
const BASE = '/api/v1/cloudflare/accounts';
const ZERO_ID = '0'.repeat(32);

async function admin(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${ORIGIN}/__sandbox/${path}`, {
    method,
    headers: { 'x-sandbox-admin': ADMIN_TOKEN, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`sandbox admin ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

interface Zone {
  id: string;
  name: string;
  plan: string;
  batchLimit: number;
}

/** A user with one sandbox account; zones sorted by name (pro, free, business). */
async function userWithSandbox(label = 'Demo') {
  const user = await signUpWithToken();
  const created = await call('POST', BASE, { token: user.token, body: { name: label, sandbox: true } });
  if (created.status !== 201) throw new Error(`sandbox account: ${created.status} ${created.text}`);
  const account = created.body.account;
  const zones = await call('GET', `${BASE}/${account.id}/zones`, { token: user.token });
  expect(zones.status).toBe(200);
  return { ...user, account, zones: zones.body.zones as Zone[] };
}

/** The sandbox token behind an account (found through the admin API by the hint). */
async function sandboxTokenOf(zoneId: string, hint: string): Promise<string> {
  const state = await admin('GET', 'state');
  const zone = state.zones.find((z: { id: string }) => z.id === zoneId);
  const tok = state.tokens.find((t: { value: string; accounts: string[] | '*' }) => t.value.endsWith(hint) && Array.isArray(t.accounts) && t.accounts.includes(zone.account.id));
  return tok.value;
}

beforeAll(() => {
  if (!SANDBOX_URL || !ADMIN_TOKEN) throw new Error('the local stack did not publish CLOUDFLARE_SANDBOX_URL / CLOUDFLARE_SANDBOX_ADMIN_TOKEN');
});

describe('accounts', () => {
  it('connects a sandbox account, lists it, never returns the token, re-verifies, removes it (audited)', async () => {
    const user = await signUpWithToken();
    const created = await call('POST', BASE, { token: user.token, body: { name: 'My demo', sandbox: true } });
    expect(created.status).toBe(201);
    const account = created.body.account;
    expect(account).toMatchObject({ name: 'My demo', sandbox: true, status: 'active', statusDetail: null });
    expect(account.tokenHint).toMatch(/^.{4}$/);
    expect(account.verifiedAt).toBeTruthy();
    expect(account.token).toBeUndefined();

    const list = await call('GET', BASE, { token: user.token });
    expect(list.status).toBe(200);
    expect(list.body.accounts).toEqual([account]);

    const zones = await call('GET', `${BASE}/${account.id}/zones`, { token: user.token });
    const secret = await sandboxTokenOf(zones.body.zones[0].id, account.tokenHint);
    expect(secret.length).toBeGreaterThan(20);
    for (const r of [created, list, zones]) expect(r.text).not.toContain(secret);

    const verified = await call('POST', `${BASE}/${account.id}/verify`, { token: user.token });
    expect(verified.status).toBe(200);
    expect(verified.body.account).toMatchObject({ id: account.id, status: 'active' });

    const del = await call('DELETE', `${BASE}/${account.id}`, { token: user.token });
    expect(del.status).toBe(204);
    expect((await call('GET', BASE, { token: user.token })).body.accounts).toEqual([]);
    expect((await call('DELETE', `${BASE}/${account.id}`, { token: user.token })).status).toBe(404);
    // the sandbox token is revoked with it
    const st = await admin('GET', 'state');
    expect(st.tokens.some((t: { value: string }) => t.value === secret)).toBe(false);

    const audit = await workspaceAudit(user);
    const types = audit.body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['cloudflare.account.connected', 'cloudflare.account.removed']));
    expect(audit.text).not.toContain(secret);
  });

  it('gives each sandbox account its own fresh zones (users do not share)', async () => {
    const [a, b] = await Promise.all([userWithSandbox(), userWithSandbox()]);
    expect(a.zones).toHaveLength(3);
    expect(b.zones).toHaveLength(3);
    const aIds = new Set(a.zones.map((z) => z.id));
    expect(b.zones.some((z) => aIds.has(z.id))).toBe(false);
  });

  it('marks the account needs-attention when Cloudflare rejects its (revoked) token, audited', async () => {
    const user = await userWithSandbox();
    const secret = await sandboxTokenOf(user.zones[0]!.id, user.account.tokenHint);
    await admin('DELETE', `tokens/${encodeURIComponent(secret)}`);

    const zones = await call('GET', `${BASE}/${user.account.id}/zones`, { token: user.token });
    expect(zones.status).toBe(409);
    expect(zones.body.type).toMatch(/\/cloudflare-token-rejected$/);
    expect(zones.body.accountStatus).toBe('needs-attention');
    expect(zones.body.cloudflare.errors[0].code).toBe(9109);
    expect(zones.body.detail).toMatch(/needs attention/);

    const list = await call('GET', BASE, { token: user.token });
    expect(list.body.accounts[0]).toMatchObject({ status: 'needs-attention' });
    expect(list.body.accounts[0].statusDetail).toMatch(/9109/);

    const verify = await call('POST', `${BASE}/${user.account.id}/verify`, { token: user.token });
    expect(verify.status).toBe(200);
    expect(verify.body.account.status).toBe('needs-attention');
    expect(verify.body.account.statusDetail).toMatch(/1000 Invalid API Token/);

    const audit = await workspaceAudit(user);
    const failed = audit.body.events.filter((e: { type: string }) => e.type === 'cloudflare.account.verify-failed');
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed.every((e: { metadata: { accountId: string } }) => e.metadata.accountId === user.account.id)).toBe(true);
  });
});

describe('zones and DNS records', () => {
  let u: Awaited<ReturnType<typeof userWithSandbox>>;
  let zone: Zone; // pro, 150 records
  beforeAll(async () => {
    u = await userWithSandbox();
    zone = u.zones.find((z) => z.plan === 'pro')!;
  });
  const recs = (q = '') => call('GET', `${BASE}/${u.account.id}/zones/${zone.id}/dns-records${q}`, { token: u.token });

  it('lists zones with plan and batch limit, search and pagination', async () => {
    expect(u.zones.map((z) => z.plan).sort()).toEqual(['business', 'free', 'pro']);
    for (const z of u.zones) expect(z.batchLimit).toBe(z.plan === 'free' ? 200 : 3500);
    const one = u.zones[1]!;
    const search = await call('GET', `${BASE}/${u.account.id}/zones?search=${encodeURIComponent(one.name.split('.')[0]!)}`, { token: u.token });
    expect(search.status).toBe(200);
    expect(search.body.zones.map((z: Zone) => z.id)).toEqual([one.id]);
    const page2 = await call('GET', `${BASE}/${u.account.id}/zones?perPage=5&page=2`, { token: u.token });
    expect(page2.status).toBe(200);
    expect(page2.body).toMatchObject({ zones: [], page: 2, perPage: 5, totalCount: 3, totalPages: 1 });
  });

  it('paginates records past 100 with no overlap, then an empty page', async () => {
    const p1 = await recs('?perPage=100');
    const p2 = await recs('?perPage=100&page=2');
    const p3 = await recs('?perPage=100&page=3');
    expect(p1.status).toBe(200);
    expect(p1.body).toMatchObject({ page: 1, perPage: 100, totalCount: 150, totalPages: 2 });
    expect(p1.body.records).toHaveLength(100);
    expect(p2.body.records).toHaveLength(50);
    expect(p3.body.records).toEqual([]);
    const ids = new Set([...p1.body.records, ...p2.body.records].map((r: { id: string }) => r.id));
    expect(ids.size).toBe(150);
  });

  it('filters by name, type, content and proxied (ANDed)', async () => {
    const aaaa = await recs('?type=AAAA&perPage=500');
    expect(aaaa.body.records.length).toBeGreaterThan(10);
    expect(aaaa.body.records.every((r: { type: string }) => r.type === 'AAAA')).toBe(true);

    const byName = await recs('?name=host-001');
    expect(byName.body.records.length).toBeGreaterThan(0);
    expect(byName.body.records.every((r: { name: string }) => r.name.includes('host-001'))).toBe(true);

    const byContent = await recs('?content=sandbox-record');
    expect(byContent.body.records.length).toBeGreaterThan(0);
    expect(byContent.body.records.every((r: { type: string; content: string }) => r.type === 'TXT' && r.content.includes('sandbox-record'))).toBe(true);

    const proxiedA = await recs('?type=A&proxied=true&perPage=500');
    expect(proxiedA.body.records.length).toBeGreaterThan(0);
    expect(proxiedA.body.records.every((r: { type: string; proxied: boolean }) => r.type === 'A' && r.proxied)).toBe(true);
    const notProxiedA = await recs('?type=A&proxied=false&perPage=500');
    expect(notProxiedA.body.totalCount + proxiedA.body.totalCount).toBe((await recs('?type=A')).body.totalCount);
  });

  it('creates, updates (only given fields), deletes a record; Cloudflare errors become clear problems', async () => {
    const path = `${BASE}/${u.account.id}/zones/${zone.id}/dns-records`;
    const name = `api-test.${zone.name}`;
    const created = await call('POST', path, { token: u.token, body: { type: 'A', name, content: '192.0.2.77', ttl: 300, proxied: true, comment: 'from test' } });
    expect(created.status).toBe(201);
    const rec = created.body.record;
    expect(rec).toMatchObject({ type: 'A', name, content: '192.0.2.77', proxied: true, ttl: 1, comment: 'from test' });

    const dup = await call('POST', path, { token: u.token, body: { type: 'A', name, content: '192.0.2.77', ttl: 1, proxied: true, comment: 'from test' } });
    expect(dup.status).toBe(409);
    expect(dup.body.type).toMatch(/\/cloudflare-duplicate-record$/);
    expect([81057, 81058]).toContain(dup.body.cloudflare.errors[0].code);
    expect(dup.body).toMatchObject({ zoneId: zone.id, recordName: name });
    expect(dup.body.detail).toContain(name);

    const cname = await call('POST', path, { token: u.token, body: { type: 'CNAME', name, content: zone.name } });
    expect(cname.status).toBe(409);
    expect(cname.body.type).toMatch(/\/cloudflare-cname-conflict$/);
    expect(cname.body.cloudflare.errors[0].code).toBe(81053);

    const badIp = await call('POST', path, { token: u.token, body: { type: 'A', name: `bad.${zone.name}`, content: 'not-an-ip' } });
    expect(badIp.status).toBe(400);
    expect(badIp.body.type).toMatch(/\/cloudflare-rejected$/);
    expect(badIp.body.cloudflare.errors[0].code).toBe(1004);

    const patched = await call('PATCH', `${path}/${rec.id}`, { token: u.token, body: { content: '192.0.2.78' } });
    expect(patched.status).toBe(200);
    expect(patched.body.record).toMatchObject({ id: rec.id, content: '192.0.2.78', proxied: true, comment: 'from test' });

    const mx = await call('POST', path, { token: u.token, body: { type: 'MX', name: `mx-test.${zone.name}`, content: `mail.${zone.name}`, priority: 5, ttl: 3600 } });
    expect(mx.status).toBe(201);
    expect(mx.body.record.priority).toBe(5);
    const caa = await call('POST', path, { token: u.token, body: { type: 'CAA', name: `caa-test.${zone.name}`, content: '0 issue "letsencrypt.org"' } });
    expect(caa.status).toBe(201);
    const srv = await call('POST', path, { token: u.token, body: { type: 'SRV', name: `_xmpp._tcp.${zone.name}`, content: '10 5 5222 xmpp.example.net' } });
    expect(srv.status).toBe(201);
    expect(srv.body.record.priority).toBe(10);

    expect((await call('DELETE', `${path}/${rec.id}`, { token: u.token })).status).toBe(204);
    const again = await call('DELETE', `${path}/${rec.id}`, { token: u.token });
    expect(again.status).toBe(404);
    expect(again.body.type).toMatch(/\/cloudflare-not-found$/);
    expect(again.body.cloudflare.errors[0].code).toBe(81044);
    expect(again.body).toMatchObject({ zoneId: zone.id, recordId: rec.id });

    // a zone this token cannot see: 404 (not a token problem; the account stays active)
    const foreign = await call('GET', `${BASE}/${u.account.id}/zones/${ZERO_ID}/dns-records`, { token: u.token });
    expect(foreign.status).toBe(404);
    expect((await call('GET', BASE, { token: u.token })).body.accounts[0].status).toBe('active');
  });

  it('exports the zone as a BIND download', async () => {
    const r = await call('GET', `${BASE}/${u.account.id}/zones/${zone.id}/export`, { token: u.token });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/dns/);
    expect(r.headers.get('content-disposition')).toBe(`attachment; filename="${zone.name}.txt"`);
    expect(r.text).toContain(`${zone.name}.`);
    expect(r.text).toMatch(/\bIN\s+A\s+192\.0\.2\.1\b/);
  });
});

describe('tenant isolation', () => {
  it("another user's account id is 404 on every route, exactly like an absent id", async () => {
    const a = await userWithSandbox('A');
    const b = await signUpWithToken();
    const zoneId = a.zones[0]!.id;
    const recs = await call('GET', `${BASE}/${a.account.id}/zones/${zoneId}/dns-records?perPage=5`, { token: a.token });
    const recordId = recs.body.records[0].id;
    const routes = (id: string): Array<[string, string, unknown?]> => [
      ['DELETE', `${BASE}/${id}`],
      ['POST', `${BASE}/${id}/verify`],
      ['GET', `${BASE}/${id}/zones`],
      ['GET', `${BASE}/${id}/zones/${zoneId}/dns-records`],
      ['POST', `${BASE}/${id}/zones/${zoneId}/dns-records`, { type: 'TXT', name: 'x', content: 'y' }],
      ['PATCH', `${BASE}/${id}/zones/${zoneId}/dns-records/${recordId}`, { content: 'y' }],
      ['DELETE', `${BASE}/${id}/zones/${zoneId}/dns-records/${recordId}`],
      ['GET', `${BASE}/${id}/zones/${zoneId}/export`],
    ];
    const absent = 'A'.repeat(22);
    for (const [i, [method, path, body]] of routes(a.account.id).entries()) {
      const r = await call(method, path, { token: b.token, body });
      expect([method, path, r.status]).toEqual([method, path, 404]);
      const [m2, p2, b2] = routes(absent)[i]!;
      const r2 = await call(m2, p2, { token: b.token, body: b2 });
      expect({ ...r.body, requestId: 0 }).toEqual({ ...r2.body, requestId: 0 });
    }
    expect((await call('GET', BASE, { token: b.token })).body.accounts).toEqual([]);
    // A's account and records are untouched
    expect((await call('GET', BASE, { token: a.token })).body.accounts).toHaveLength(1);
    const after = await call('GET', `${BASE}/${a.account.id}/zones/${zoneId}/dns-records?perPage=5`, { token: a.token });
    expect(after.body.records[0]).toEqual(recs.body.records[0]);
  });
});

describe('bad input → 400 with field detail on every route', () => {
  it('refuses bad ids, bodies and queries', async () => {
    const u = await userWithSandbox();
    const id = u.account.id;
    const z = u.zones[0]!.id;
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', BASE, { name: 'x' }, 'token'],
      ['POST', BASE, { name: 'x', token: 'short' }, 'token'],
      ['POST', BASE, { name: 'x', token: 'y'.repeat(40), sandbox: true }, 'sandbox'],
      ['POST', BASE, { name: 'x', sandbox: false }, 'sandbox'],
      ['POST', BASE, { name: '', sandbox: true }, 'name'],
      ['POST', BASE, { name: 'x', sandbox: true, extra: 1 }, ''],
      ['DELETE', `${BASE}/bad!id`, undefined, 'id'],
      ['POST', `${BASE}/bad!id/verify`, undefined, 'id'],
      ['GET', `${BASE}/${id}/zones?perPage=1000`, undefined, 'perPage'],
      ['GET', `${BASE}/${id}/zones?page=0`, undefined, 'page'],
      ['GET', `${BASE}/${id}/zones/not-hex/dns-records`, undefined, 'zoneId'],
      ['GET', `${BASE}/${id}/zones/${z}/dns-records?type=BOGUS`, undefined, 'type'],
      ['GET', `${BASE}/${id}/zones/${z}/dns-records?proxied=maybe`, undefined, 'proxied'],
      ['GET', `${BASE}/${id}/zones/${z}/dns-records?perPage=5000`, undefined, 'perPage'],
      ['POST', `${BASE}/${id}/zones/${z}/dns-records`, { type: 'A', name: 'x' }, 'content'],
      ['POST', `${BASE}/${id}/zones/${z}/dns-records`, { type: 'A', name: 'x', content: '192.0.2.1', ttl: 5 }, 'ttl'],
      ['POST', `${BASE}/${id}/zones/${z}/dns-records`, { type: 'A', name: 'x', content: '192.0.2.1', zone_id: z }, ''],
      ['POST', `${BASE}/${id}/zones/${z}/dns-records`, { type: 'SRV', name: '_a._tcp.x', content: 'nonsense' }, 'content'],
      ['PATCH', `${BASE}/${id}/zones/${z}/dns-records/${ZERO_ID}`, {}, ''],
      ['PATCH', `${BASE}/${id}/zones/${z}/dns-records/xyz`, { content: '1' }, 'recordId'],
      ['DELETE', `${BASE}/${id}/zones/${z}/dns-records/xyz`, undefined, 'recordId'],
      ['GET', `${BASE}/${id}/zones/${z.toUpperCase()}/export`, undefined, 'zoneId'],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await call(method, path, { token: u.token, body });
      expect([method, path, r.status]).toEqual([method, path, 400]);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      expect(Array.isArray(r.body.errors)).toBe(true);
      if (field) expect([path, r.body.errors.map((e: { field: string }) => e.field)]).toEqual([path, expect.arrayContaining([field])]);
    }
    const malformed = await call('POST', BASE, { token: u.token, rawBody: '{"name":' });
    expect(malformed.status).toBe(400);
  });
});

describe('Cloudflare faults and rate limits', () => {
  it('turns 5xx and dropped connections into 502 problems naming the zone and Cloudflare code', async () => {
    const u = await userWithSandbox();
    const zone = u.zones[0]!;
    const path = `${BASE}/${u.account.id}/zones/${zone.id}/dns-records`;
    const prefix = `/zones/${zone.id}/dns_records`;
    try {
      await admin('PUT', 'faults', { serverError: 1, serverErrorStatuses: [500], pathPrefixes: [prefix] });
      const t0 = Date.now();
      const r = await call('GET', path, { token: u.token });
      expect(r.status).toBe(502);
      expect(r.body.type).toMatch(/\/cloudflare-upstream-error$/);
      expect(r.body.cloudflare).toMatchObject({ status: 500, errors: [{ code: 10001 }] });
      expect(r.body.zoneId).toBe(zone.id);
      expect(r.body.detail).toContain(zone.id);
      expect(Date.now() - t0).toBeLessThan(15_000);

      await admin('PUT', 'faults', { serverError: 1, serverErrorStatuses: [503], pathPrefixes: [prefix] });
      const html = await call('GET', path, { token: u.token });
      expect(html.status).toBe(502);
      expect(html.body.cloudflare.status).toBe(503);

      await admin('PUT', 'faults', { drop: 1, pathPrefixes: [prefix] });
      const dropped = await call('GET', path, { token: u.token });
      expect(dropped.status).toBe(502);
      expect(dropped.body.type).toMatch(/\/cloudflare-unreachable$/);

      // a transient fault is retried by the interactive client: the user sees success
      await admin('DELETE', 'faults');
      await admin('POST', 'faults/script', { faults: [{ kind: 'server_error', status: 502 }] });
      const recovered = await call('GET', `${path}?perPage=5`, { token: u.token });
      expect(recovered.status).toBe(200);
    } finally {
      await admin('DELETE', 'faults');
    }
    // the account is not flagged by upstream failures
    expect((await call('GET', BASE, { token: u.token })).body.accounts[0].status).toBe('active');
  });

  it('answers 429 with Retry-After while the token is blocked, without waiting out the block', async () => {
    const u = await userWithSandbox();
    const secret = await sandboxTokenOf(u.zones[0]!.id, u.account.tokenHint);
    // Spend the token's budget directly at the sandbox (1,200 requests / 300 s), tripping the block.
    let blocked = false;
    for (let i = 0; i < 30 && !blocked; i++) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, () => fetch(`${SANDBOX_URL}/user/tokens/verify`, { headers: { authorization: `Bearer ${secret}` } }).then((r) => r.status)),
      );
      blocked = batch.includes(429);
    }
    expect(blocked).toBe(true);
    const t0 = Date.now();
    const r = await call('GET', `${BASE}/${u.account.id}/zones`, { token: u.token });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.status).toBe(429);
    expect(r.body.type).toMatch(/\/cloudflare-rate-limited$/);
    expect(r.body.cloudflare.errors[0].code).toBe(971);
    const retryAfter = Number(r.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(200);
    expect(retryAfter).toBeLessThanOrEqual(300);
    expect((await call('GET', BASE, { token: u.token })).body.accounts[0].status).toBe('active');
  });
});
