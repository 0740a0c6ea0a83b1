/**
 * The Cloudflare sandbox's rate limit (1,200 requests / 300 s per token, then a 300 s block),
 * time-scaled and with an injected clock, fault injection of every kind, the admin HTTP API
 * and persistence.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import Cloudflare from 'cloudflare';
import { apiError } from '../support/cloudflare';
import { startCloudflareSandbox, type CloudflareSandbox } from '../../lib/local/cloudflare';

const sandboxes: CloudflareSandbox[] = [];
async function start(opts: Parameters<typeof startCloudflareSandbox>[0]): Promise<CloudflareSandbox> {
  const sb = await startCloudflareSandbox(opts);
  sandboxes.push(sb);
  return sb;
}
afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((s) => s.close()));
});

const get = (sb: CloudflareSandbox, token: string, path = '/zones') =>
  fetch(`${sb.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
afterAll(() => agent.destroy());
function rawGet(sb: CloudflareSandbox, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${sb.url}/user/tokens/verify`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** n requests, `width` at a time; returns the statuses. */
async function burst(sb: CloudflareSandbox, token: string, n: number, width = 100): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += width) {
    const batch = await Promise.all(Array.from({ length: Math.min(width, n - i) }, () => rawGet(sb, token)));
    out.push(...batch);
  }
  return out;
}


describe('rate limit', () => {
  test('Ratelimit and Ratelimit-Policy headers on every response', async () => {
    const sb = await start({ seed: { zones: 1 } });
    const res = await get(sb, sb.tokens[0]!.value);
    expect(res.headers.get('ratelimit')).toBe('"default";r=1199;t=300');
    expect(res.headers.get('ratelimit-policy')).toBe('"default";q=1200;w=300');
    const res2 = await get(sb, sb.tokens[0]!.value);
    expect(res2.headers.get('ratelimit')).toMatch(/^"default";r=1198;t=(299|300)$/);
    const unauth = await fetch(`${sb.url}/zones`);
    expect(unauth.headers.get('ratelimit-policy')).toBe('"default";q=1200;w=300');
  });

  test('1,200 per 300 s, then a 300 s block with 429/971 and Retry-After (injected clock)', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const sb = await start({ seed: { zones: 1, tokens: [{ name: 'a', user: 'alice' }, { name: 'b', user: 'bob' }, { name: 'a2', user: 'alice' }] }, clock: () => now });
    const [a, b, a2] = sb.tokens.map((t) => t.value) as [string, string, string];
    expect((await burst(sb, a, 1200)).every((s) => s === 200)).toBe(true);
    const over = await get(sb, a);
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('300');
    expect(over.headers.get('ratelimit')).toBe('"default";r=0;t=300');
    expect(await over.json()).toEqual({
      success: false,
      errors: [{ code: 971, message: 'Please wait and consider throttling your request speed' }],
      messages: [],
      result: null,
    });
    // Another user's token is unaffected; a token of the same user shares the block.
    expect((await get(sb, b)).status).toBe(200);
    expect((await get(sb, a2)).status).toBe(429);
    now += 299_000;
    const still = await get(sb, a);
    expect(still.status).toBe(429);
    expect(still.headers.get('retry-after')).toBe('1');
    now += 1_000;
    const free = await get(sb, a);
    expect(free.status).toBe(200);
    expect(free.headers.get('ratelimit')).toBe('"default";r=1199;t=300');
    expect(sb.log.entries().filter((e) => e.rateLimited)).toHaveLength(3);
  });

  test('sliding window: requests leave the window 300 s after they were made', async () => {
    let now = 1_000_000;
    const sb = await start({ seed: { zones: 1 }, clock: () => now, rateLimit: { limit: 10 } });
    const t = sb.tokens[0]!.value;
    await burst(sb, t, 5);
    now += 200_000;
    await burst(sb, t, 5);
    expect((await get(sb, t)).status).toBe(429); // 11th within 300 s
    // The block started now; after it ends the budget is fresh.
    now += 300_000;
    expect((await burst(sb, t, 10)).every((s) => s === 200)).toBe(true);
  });

  test('budgets: tokens of one user share one; account-owned tokens spend their account\'s, not a user\'s', async () => {
    const now = 1_000_000;
    const sb = await start({ seed: { zones: 1 }, clock: () => now, rateLimit: { limit: 10 } });
    const acc = [...sb.state.accounts.values()][0]!.id;
    const u1 = sb.addToken({ name: 'u1', user: 'carol' }).value;
    const u2 = sb.addToken({ name: 'u2', user: 'carol' }).value;
    const a1 = sb.addToken({ name: 'a1', accounts: [acc], owner: 'account', user: 'carol' }).value;
    const a2 = sb.addToken({ name: 'a2', accounts: [acc], owner: 'account' }).value;
    await burst(sb, u1, 6);
    const shared = await get(sb, u2);
    expect(shared.headers.get('ratelimit')).toMatch(/^"default";r=3;/); // 6 + this one of 10
    await burst(sb, u2, 3);
    expect((await get(sb, u1)).status).toBe(429);
    // The account's tokens are not the user's: their own (shared) budget.
    const viaAccount = await Promise.all(Array.from({ length: 5 }, () => get(sb, a1).then((r) => r.status)));
    expect(viaAccount.every((x) => x === 200)).toBe(true);
    const acct = await get(sb, a2, `/accounts/${acc}/tokens/verify`);
    expect(acct.headers.get('ratelimit')).toMatch(/^"default";r=4;/);
  });

  test('cache purge has its own bucket per account and plan: Free 25 at once then 5 per minute, Pro 25 then 5 per second', async () => {
    let now = 5_000_000;
    const sb = await start({ seed: { zones: 3, plan: ['free', 'free', 'pro'] }, clock: () => now });
    const token = sb.tokens[0]!.value;
    const [free1, free2, pro] = [...sb.state.zones.keys()] as [string, string, string];
    const purge = (zone: string) =>
      fetch(`${sb.url}/zones/${zone}/purge_cache`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"purge_everything":true}' });
    for (let i = 0; i < 25; i++) expect((await purge(i % 2 ? free1 : free2)).status).toBe(200); // one bucket for the account's Free zones
    const refused = await purge(free1);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('12'); // one token per 12 s
    expect(((await refused.json()) as { errors: Array<{ code: number }> }).errors[0]!.code).toBe(971);
    // Not the API budget: it has plenty left, and other calls go on.
    expect(refused.headers.get('ratelimit')).toMatch(/^"default";r=11\d\d;/);
    expect((await get(sb, token)).status).toBe(200);
    expect((await purge(pro)).status).toBe(200); // the Pro bucket is another one
    now += 12_000;
    expect((await purge(free2)).status).toBe(200);
    expect((await purge(free2)).status).toBe(429);
    expect(sb.log.entries().filter((e) => e.rateLimited)).toEqual([]);
  });

  test('GET /user answers the token\'s user with "User Details Read" only; 403 10000 without it or for an account token', async () => {
    const sb = await start({ seed: { zones: 1 } });
    const acc = [...sb.state.accounts.values()][0]!.id;
    const withPerm = sb.addToken({ name: 'reads user', user: 'a'.repeat(32), userDetails: true }).value;
    const user = await get(sb, withPerm, '/user');
    expect(user.status).toBe(200);
    expect(((await user.json()) as { result: { id: string } }).result.id).toBe('a'.repeat(32));
    for (const t of [sb.addToken({ name: 'dns only', user: 'a'.repeat(32) }), sb.addToken({ name: 'acct', accounts: [acc], owner: 'account', userDetails: true })]) {
      const denied = await get(sb, t.value, '/user');
      expect(denied.status).toBe(403);
      expect(((await denied.json()) as { errors: Array<{ code: number }> }).errors[0]!.code).toBe(10000);
    }
  });

  test('time-scaled (×100): the SDK sees 429 + Retry-After 3, and the block lifts after 3 s', async () => {
    // Same rule at a smaller quota so the burst fits in the 3 s window (the full 1,200 is checked above).
    const sb = await start({ seed: { zones: 1 }, timeScale: 100, rateLimit: { limit: 300 } });
    const token = sb.tokens[0]!.value;
    const cf = new Cloudflare({ apiToken: token, baseURL: sb.url, maxRetries: 0 });
    const ok = await get(sb, token);
    expect(ok.headers.get('ratelimit-policy')).toBe('"default";q=300;w=3');
    const statuses = await burst(sb, token, 299);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const e = await apiError(() => cf.zones.list());
    expect(e).toBeInstanceOf(Cloudflare.RateLimitError);
    expect(e.status).toBe(429);
    expect(e.errors[0]!.code).toBe(971);
    const retryAfter = Number(e.headers?.get('retry-after'));
    expect(retryAfter).toBe(3);
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
    expect((await cf.zones.list()).result).toHaveLength(1);
  }, 20_000);
});

describe('fault injection', () => {
  test('scripted faults: 429, 5xx, timeout, dropped connection — as the SDK sees them', async () => {
    const sb = await start({ seed: { zones: 1 }, timeScale: 60 });
    const token = sb.tokens[0]!.value;
    const cf = new Cloudflare({ apiToken: token, baseURL: sb.url, maxRetries: 0, timeout: 300 });
    sb.faults.script('rate_limit', { kind: 'server_error', status: 503 }, { kind: 'server_error', status: 500 }, 'timeout', 'drop');

    const limited = await apiError(() => cf.zones.list());
    expect(limited).toBeInstanceOf(Cloudflare.RateLimitError);
    expect(limited.headers?.get('retry-after')).toBe('1'); // 60 s scaled by 60
    expect(limited.errors[0]!.code).toBe(971);

    const unavailable = await apiError(() => cf.zones.list());
    expect(unavailable).toBeInstanceOf(Cloudflare.InternalServerError);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers?.get('content-type')).toMatch(/text\/html/);

    const internal = await apiError(() => cf.zones.list());
    expect(internal.status).toBe(500);
    expect(internal.errors[0]!.code).toBe(10001);

    const t0 = Date.now();
    // The SDK aborts after `timeout` (APIConnectionTimeoutError outside jest's realm; its base class here).
    await expect(cf.zones.list()).rejects.toBeInstanceOf(Cloudflare.APIConnectionError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);

    const dropped = cf.zones.list();
    await expect(dropped).rejects.toBeInstanceOf(Cloudflare.APIConnectionError);

    expect((await cf.zones.list()).result).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 50)); // let the timed-out socket close and log
    const log = sb.log.entries();
    expect(log.map((e) => [e.status, e.fault ?? null])).toEqual([
      [429, 'rate_limit'],
      [503, 'server_error'],
      [500, 'server_error'],
      [0, 'timeout'],
      [0, 'drop'],
      [200, null],
    ]);
    expect(sb.faults.injected).toEqual({ rate_limit: 1, server_error: 2, timeout: 1, drop: 1 });
  });

  test('a fault after the write was applied: the client sees 500, the record exists', async () => {
    const sb = await start({ seed: { zones: 1 } });
    const cf = new Cloudflare({ apiToken: sb.tokens[0]!.value, baseURL: sb.url, maxRetries: 0 });
    const zone_id = [...sb.state.zones.keys()][0]!;
    sb.faults.script({ kind: 'server_error', status: 500, afterApply: true });
    const e = await apiError(() => cf.dns.records.create({ zone_id, type: 'A', name: 'ghost', content: '192.0.2.7', ttl: 1 }));
    expect(e.status).toBe(500);
    const found = await cf.dns.records.list({ zone_id, name: { exact: 'ghost.zone-001.example' } });
    expect(found.result).toHaveLength(1);
    expect(sb.log.entries()[0]).toMatchObject({ status: 500, fault: 'server_error', afterApply: true });
  });

  test('random shares are deterministic for a seed and roughly the share asked for', async () => {
    const run = async () => {
      const sb = await start({ seed: { zones: 1 }, faults: { rateLimit: 0.1, serverError: 0.2, seed: 7 } });
      return burst(sb, sb.tokens[0]!.value, 400, 50);
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    const share = (s: (x: number) => boolean) => a.filter(s).length / a.length;
    expect(share((x) => x === 429)).toBeGreaterThan(0.05);
    expect(share((x) => x === 429)).toBeLessThan(0.15);
    expect(share((x) => x >= 500)).toBeGreaterThan(0.14);
    expect(share((x) => x >= 500)).toBeLessThan(0.26);
    expect(new Set(a.filter((x) => x >= 500))).toEqual(new Set([500, 502, 503, 504]));
  });

  test('latency, and SDK retries honouring a (scaled) Retry-After', async () => {
    const sb = await start({ seed: { zones: 1 }, timeScale: 60, faults: { latencyMs: 120 } });
    const cf = new Cloudflare({ apiToken: sb.tokens[0]!.value, baseURL: sb.url, maxRetries: 2 });
    const t0 = Date.now();
    await cf.user.tokens.verify();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    sb.faults.set({});
    sb.faults.script('rate_limit');
    const t1 = Date.now();
    expect((await cf.zones.list()).result).toHaveLength(1);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(900); // waited Retry-After: 1
    expect(sb.log.entries().slice(-2).map((e) => e.status)).toEqual([429, 200]);
  });

  test('faults can be limited to paths and methods', async () => {
    const sb = await start({ seed: { zones: 1 }, faults: { serverError: 1, methods: ['POST'], pathPrefixes: ['/zones/'] } });
    const cf = new Cloudflare({ apiToken: sb.tokens[0]!.value, baseURL: sb.url, maxRetries: 0 });
    const zone_id = [...sb.state.zones.keys()][0]!;
    expect((await cf.dns.records.list({ zone_id })).result).toEqual([]);
    const e = await apiError(() => cf.dns.records.create({ zone_id, type: 'A', name: 'x', content: '192.0.2.1', ttl: 1 }));
    expect(e.status).toBeGreaterThanOrEqual(500);
  });
});

describe('admin HTTP API', () => {
  /** Calls of the sandbox's admin API with its admin token. */
  const adminOf =
    (sb: { origin: string }) =>
    (method: string, path: string, body?: unknown) =>
      fetch(`${sb.origin}/__sandbox${path}`, {
        method,
        headers: { 'x-sandbox-admin': 'admin-secret', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));

  test('seed, tokens, faults, log, state — driven over HTTP', async () => {
    const sb = await start({ adminToken: 'admin-secret' });
    const admin = adminOf(sb);

    expect((await fetch(`${sb.origin}/__sandbox/state`)).status).toBe(401);
    const seeded = await admin('POST', '/seed', { zones: 3, recordsPerZone: 4, plan: 'pro' });
    expect(seeded.body.zones.map((z: { name: string; plan: string; records: number }) => [z.name, z.plan, z.records])).toEqual([
      ['zone-001.example', 'pro', 4],
      ['zone-002.example', 'pro', 4],
      ['zone-003.example', 'pro', 4],
    ]);
    const token = seeded.body.tokens[0].value as string;
    const extra = await admin('POST', '/tokens', { name: 'ci', write: false });
    expect(extra.body.value).toMatch(/^[A-Za-z0-9_-]{40}$/);

    const cf = new Cloudflare({ apiToken: token, baseURL: sb.url, maxRetries: 0 });
    await admin('PUT', '/faults', { serverError: 1, serverErrorStatuses: [502] });
    const e = await apiError(() => cf.zones.list());
    expect(e.status).toBe(502);
    await admin('DELETE', '/faults');
    expect((await cf.zones.list()).result).toHaveLength(3);
    await admin('POST', '/faults/script', { faults: [{ kind: 'server_error', status: 504 }] });
    expect((await apiError(() => cf.zones.list())).status).toBe(504);

    const log = await admin('GET', '/log');
    expect(log.body.entries.map((x: { status: number; tokenHint: string }) => [x.status, x.tokenHint])).toEqual([
      [502, token.slice(-4)],
      [200, token.slice(-4)],
      [504, token.slice(-4)],
    ]);
    const since = await admin('GET', `/log?since=${log.body.entries[1].seq}`);
    expect(since.body.entries).toHaveLength(1);

    await admin('DELETE', '/ratelimit'); // fresh budgets
    await admin('PATCH', '/ratelimit', { limit: 2 });
    await cf.zones.list();
    await cf.zones.list();
    expect((await apiError(() => cf.zones.list())).status).toBe(429);
    await admin('DELETE', '/ratelimit');
    await admin('PATCH', '/ratelimit', { limit: 1200 });
    expect((await cf.zones.list()).result).toHaveLength(3);

    expect((await admin('DELETE', `/tokens/${encodeURIComponent(token)}`)).body.revoked).toBe(true);
    expect((await apiError(() => cf.zones.list())).errors[0]!.code).toBe(9109);
  });

  test('snapshot over HTTP: a state taken with GET /snapshot is put back with PUT /snapshot (records, ids, tokens)', async () => {
    const sb = await start({ adminToken: 'admin-secret', seed: { zones: 2, recordsPerZone: 6, plan: 'pro' } });
    const admin = adminOf(sb);
    const cf = new Cloudflare({ apiToken: sb.tokens[0]!.value, baseURL: sb.url, maxRetries: 0 });
    const zone = (await cf.zones.list({ name: 'zone-001.example' })).result[0]!;
    const records = async () => (await cf.dns.records.list({ zone_id: zone.id, per_page: 100 })).result.map((r) => [r.id, r.type, r.name, r.content, r.ttl]);
    const before = await records();

    expect((await fetch(`${sb.origin}/__sandbox/snapshot`)).status).toBe(401);
    const snap = await admin('GET', '/snapshot');
    expect(snap.body).toMatchObject({ version: 1 });
    expect(snap.body.zones).toHaveLength(2);

    const [first, second] = before as [string, string, string, string, number][];
    await cf.dns.records.delete(first[0], { zone_id: zone.id });
    await cf.dns.records.edit(second[0], { zone_id: zone.id, type: second[1], name: second[2], content: '198.51.100.99', ttl: 600 } as never);
    await cf.dns.records.create({ zone_id: zone.id, type: 'TXT', name: 'added', content: 'later', ttl: 300 });
    expect(await records()).not.toEqual(before);

    const restored = await admin('PUT', '/snapshot', snap.body);
    expect(restored.status).toBe(200);
    expect(await records()).toEqual(before);
    // A record created after the restore gets an id no restored record has.
    const again = await cf.dns.records.create({ zone_id: zone.id, type: 'TXT', name: 'after', content: 'restore', ttl: 300 });
    expect(before.map((r) => r[0])).not.toContain(again.id);

    const bad = await admin('PUT', '/snapshot', { version: 2, zones: [] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].message).toMatch(/GET \/__sandbox\/snapshot/);
    expect((await records()).length).toBe(before.length + 1);
  });

  test('demo seed and JSON persistence across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfsb-'));
    try {
      const path = join(dir, 'cloudflare.json');
      const first = await start({ seed: 'demo', persistPath: path });
      const token = first.tokens[0]!.value;
      const cf1 = new Cloudflare({ apiToken: token, baseURL: first.url, maxRetries: 0 });
      const zones = (await cf1.zones.list()).result.map((z) => z.name);
      expect(zones).toEqual(['acme-blog.example', 'acme-internal.example', 'acme-shop.example']);
      const shop = (await cf1.zones.list({ name: 'acme-shop.example' })).result[0]!;
      const rec = await cf1.dns.records.create({ zone_id: shop.id, type: 'TXT', name: 'persisted', content: 'yes', ttl: 1 });
      await cf1.zones.settings.edit('ssl', { zone_id: shop.id, value: 'strict' } as never);
      await new Promise((r) => setTimeout(r, 20));
      await first.close();

      const second = await start({ seed: 'demo', persistPath: path });
      const cf2 = new Cloudflare({ apiToken: token, baseURL: second.url, maxRetries: 0 });
      expect(await cf2.dns.records.get(rec.id, { zone_id: shop.id })).toMatchObject({ name: 'persisted.acme-shop.example' });
      expect(await cf2.zones.settings.get('ssl', { zone_id: shop.id })).toMatchObject({ value: 'strict' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('import accepts a real multipart file part (curl --form file=@zone.txt)', async () => {
    const sb = await start({ seed: { zones: 1 } });
    const zone_id = [...sb.state.zones.keys()][0]!;
    const form = new FormData();
    form.append('file', new Blob(['www 300 IN A 192.0.2.44\n']), 'zone.txt');
    const res = await fetch(`${sb.url}/zones/${zone_id}/dns_records/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sb.tokens[0]!.value}` },
      body: form,
    });
    expect(await res.json()).toMatchObject({ success: true, result: { recs_added: 1, total_records_parsed: 1 } });
  });
});
