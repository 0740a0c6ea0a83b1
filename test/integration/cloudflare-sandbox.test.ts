/**
 * The Cloudflare sandbox driven through the official `cloudflare` SDK: zones, DNS records
 * (pagination past 100, dotted filters, CRUD, error codes), batch, BIND import/export,
 * settings, purge, token verification and scoping.
 */
import Cloudflare from 'cloudflare';
import { apiError } from '../support/cloudflare';
import { startCloudflareSandbox, parseBind, type CloudflareSandbox } from '../../lib/local/cloudflare';
import { txtData } from '../../lib/local/cloudflare/txt';

let sb: CloudflareSandbox;
let cf: Cloudflare;
let token: string;

const client = (apiToken: string, extra: Partial<ConstructorParameters<typeof Cloudflare>[0]> = {}) =>
  new Cloudflare({ apiToken, baseURL: sb.url, maxRetries: 0, ...extra });

async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iter) out.push(x);
  return out;
}


const zoneNamed = (name: string) => [...sb.state.zones.values()].find((z) => z.zone.name === name)!;

beforeAll(async () => {
  sb = await startCloudflareSandbox({
    seed: {
      accounts: [{ name: 'Alpha' }, { name: 'Beta' }],
      zones: 57,
      recordsPerZone: 8,
      plan: (i) => (i === 1 ? 'pro' : 'free'),
    },
  });
  token = sb.tokens[0]!.value;
  cf = client(token);
  // One big zone for pagination past 100.
  const big = zoneNamed('zone-001.example');
  const { addRecords } = await import('../../lib/local/cloudflare/seed');
  addRecords(
    sb.state,
    big,
    Array.from({ length: 242 }, (_, i) => ({ type: 'A', name: `bulk-${String(i).padStart(3, '0')}`, content: `203.0.113.${i % 250}`, ttl: 300 })),
  );
});

afterAll(async () => {
  await sb.close();
});

describe('zones', () => {
  test('auto-pagination walks every page (20 per page) and stops at the empty page', async () => {
    sb.log.clear();
    const zones = await collect(cf.zones.list());
    expect(zones).toHaveLength(57);
    expect(zones[0]!.name).toBe('zone-001.example');
    expect(zones[0]!.id).toMatch(/^[0-9a-f]{32}$/);
    const pages = sb.log.entries().map((e) => e.path);
    expect(pages).toEqual(['/zones', '/zones?page=2', '/zones?page=3', '/zones?page=4']);
  });

  test('past the last page: 200, empty result, honest result_info', async () => {
    const res = await fetch(`${sb.url}/zones?page=99&per_page=50`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      success: true,
      errors: [],
      messages: [],
      result: [],
      result_info: { page: 99, per_page: 50, count: 0, total_count: 57, total_pages: 2 },
    });
  });

  test('filters: name operators, status, account, match=any, order/direction, per_page capped at 50', async () => {
    const page = await cf.zones.list({ name: 'contains:-05', per_page: 50 });
    expect(page.result.map((z) => z.name)).toEqual(
      ['zone-050', 'zone-051', 'zone-052', 'zone-053', 'zone-054', 'zone-055', 'zone-056', 'zone-057'].map((n) => `${n}.example`),
    );
    expect((await cf.zones.list({ name: 'zone-002.example' })).result).toHaveLength(1);
    expect((await cf.zones.list({ name: 'starts_with:zone-01' })).result).toHaveLength(10);
    const beta = [...sb.state.accounts.values()].find((a) => a.name === 'Beta')!;
    const betaZones = await collect(cf.zones.list({ account: { id: beta.id } }));
    expect(betaZones).toHaveLength(28);
    expect(betaZones.every((z) => z.account.name === 'Beta')).toBe(true);
    expect((await cf.zones.list({ account: { name: 'contains:alp' }, per_page: 50 })).result).toHaveLength(29);
    expect((await cf.zones.list({ status: 'pending' })).result).toHaveLength(0);
    const any = await cf.zones.list({ name: 'zone-001.example', status: 'pending', match: 'any' });
    expect(any.result.map((z) => z.name)).toEqual(['zone-001.example']);
    const desc = await cf.zones.list({ order: 'name', direction: 'desc', per_page: 5 });
    expect(desc.result[0]!.name).toBe('zone-057.example');
    const capped = await cf.zones.list({ per_page: 500 });
    expect(capped.result).toHaveLength(50);
    expect(capped.result_info.per_page).toBe(50);
  });

  test('zone object has the real fields; get, create, delete', async () => {
    const z = zoneNamed('zone-002.example').zone;
    const got = await cf.zones.get({ zone_id: z.id });
    expect(got).toMatchObject({
      id: z.id,
      name: 'zone-002.example',
      status: 'active',
      paused: false,
      type: 'full',
      development_mode: 0,
      account: { id: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'Beta' },
      plan: { name: 'Pro Website', legacy_id: 'pro' },
      owner: { type: 'user' },
    });
    expect(got.name_servers).toHaveLength(2);
    expect(got.name_servers[0]).toMatch(/\.ns\.cloudflare\.com$/);
    for (const k of ['created_on', 'modified_on', 'activated_on', 'original_name_servers', 'permissions', 'meta']) {
      expect(got).toHaveProperty(k);
    }
    const acc = [...sb.state.accounts.values()][0]!;
    const created = await cf.zones.create({ name: 'brand-new.example', account: { id: acc.id }, type: 'full' });
    expect(created).toMatchObject({ name: 'brand-new.example', status: 'pending', activated_on: null, plan: { legacy_id: 'free' } });
    const dup = await apiError(() => cf.zones.create({ name: 'brand-new.example', account: { id: acc.id } }));
    expect(dup.status).toBe(400);
    expect(dup.errors[0]!.code).toBe(1061);
    expect(await cf.zones.delete({ zone_id: created.id })).toEqual({ id: created.id });
    const gone = await apiError(() => cf.zones.get({ zone_id: created.id }));
    expect(gone.status).toBe(403);
    expect(gone.errors[0]).toMatchObject({ code: 10000, message: 'Authentication error' });
    const bad = await apiError(() => cf.zones.get({ zone_id: 'not-a-zone' }));
    expect(bad.status).toBe(404);
    expect(bad.errors.map((e) => e.code)).toEqual([7003, 7000]);
    expect(bad.errors[0]!.message).toBe('Could not route to /client/v4/zones/not-a-zone, perhaps your object identifier is invalid?');
  });
});

describe('dns records', () => {
  test('list walks past 100 records (default per_page 100) with the SDK iterator', async () => {
    const zone = zoneNamed('zone-001.example').zone;
    sb.log.clear();
    const all = await collect(cf.dns.records.list({ zone_id: zone.id }));
    expect(all).toHaveLength(250);
    expect(new Set(all.map((r) => r.id)).size).toBe(250);
    const log = sb.log.entries();
    expect(log.map((e) => e.path.replace(/^.*\?/, '?').replace(/^\/.*$/, ''))).toEqual(['', '?page=2', '?page=3', '?page=4']);
    expect(log.every((e) => e.status === 200)).toBe(true);
    const first = (await cf.dns.records.list({ zone_id: zone.id })).result_info;
    expect(first).toEqual({ page: 1, per_page: 100, count: 100, total_count: 250, total_pages: 3 });
  });

  test('record object shape', async () => {
    const zone = zoneNamed('zone-003.example').zone;
    const page = await cf.dns.records.list({ zone_id: zone.id, type: 'MX' });
    expect(page.result).toHaveLength(1);
    const mx = page.result[0]!;
    expect(mx).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'zone-003.example',
      type: 'MX',
      content: 'mail.zone-003.example',
      priority: 10,
      proxiable: false,
      proxied: false,
      ttl: 3600,
      settings: {},
      meta: {},
      comment: null,
      tags: [],
      created_on: expect.any(String),
      modified_on: expect.any(String),
    });
  });

  test('dotted filters, match, order, direction', async () => {
    const zone_id = zoneNamed('zone-001.example').zone.id;
    const list = async (q: Omit<Parameters<typeof cf.dns.records.list>[0], 'zone_id'>) =>
      collect(cf.dns.records.list({ zone_id, ...q }));
    expect(await list({ name: { exact: 'bulk-007.zone-001.example' } })).toHaveLength(1);
    expect(await list({ name: { exact: 'BULK-007.zone-001.EXAMPLE' } })).toHaveLength(1); // case-insensitive
    expect(await list({ name: { startswith: 'bulk-01' } })).toHaveLength(10);
    expect(await list({ name: { endswith: '9.zone-001.example' } })).toHaveLength(24);
    expect(await list({ name: { contains: 'host-' } })).toHaveLength(3);
    expect(await list({ content: { exact: '203.0.113.5' } })).toHaveLength(1);
    expect(await list({ content: { startswith: '203.0.113.1' } })).toHaveLength(111);
    expect(await list({ type: 'CNAME' })).toHaveLength(1);
    expect(await list({ proxied: true })).toHaveLength(3);
    expect(await list({ type: 'TXT', name: { startswith: 'bulk' } })).toHaveLength(0);
    expect(await list({ type: 'TXT', name: { startswith: 'bulk' }, match: 'any' })).toHaveLength(242 + 2);
    const byContentDesc = await cf.dns.records.list({ zone_id, type: 'A', order: 'content', direction: 'desc', per_page: 5 });
    expect(byContentDesc.result[0]!.content).toBe('203.0.113.99');
    const byTtl = await cf.dns.records.list({ zone_id, order: 'ttl', per_page: 5 });
    expect(byTtl.result.map((r) => r.ttl)).toEqual([1, 1, 1, 300, 300]);
    const bad = await apiError(() => fetch(`${sb.url}/zones/${zone_id}/dns_records?order=bogus`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => {
      throw new Cloudflare.APIError(r.status, await r.json(), undefined, r.headers);
    }));
    expect(bad.status).toBe(400);
  });

  test('create, get, PATCH, PUT, DELETE with the SDK', async () => {
    const zone_id = zoneNamed('zone-004.example').zone.id;
    const a = await cf.dns.records.create({ zone_id, type: 'A', name: 'app', content: '198.51.100.4', ttl: 120, proxied: false, comment: 'app server' });
    expect(a).toMatchObject({ name: 'app.zone-004.example', type: 'A', content: '198.51.100.4', ttl: 120, proxiable: true, proxied: false, comment: 'app server' });
    expect(a.comment_modified_on).toBeDefined();
    expect(await cf.dns.records.get(a.id, { zone_id })).toEqual(a);

    const patched = await cf.dns.records.edit(a.id, { zone_id, type: 'A', name: 'app', proxied: true } as never);
    expect(patched).toMatchObject({ id: a.id, content: '198.51.100.4', proxied: true, ttl: 1, comment: 'app server' });

    const put = await cf.dns.records.update(a.id, { zone_id, type: 'AAAA', name: 'app.zone-004.example', content: '2001:DB8::4', ttl: 300 });
    expect(put).toMatchObject({ id: a.id, type: 'AAAA', content: '2001:db8::4', ttl: 300, proxied: false, comment: null, created_on: a.created_on });
    // Cloudflare reads an IPv6 address back shortened (terraform-provider-cloudflare#3888).
    const long = await cf.dns.records.create({ zone_id, type: 'AAAA', name: 'v6', content: '2001:4860:4860:0:0:0:0:8888', ttl: 300 });
    expect(long.content).toBe('2001:4860:4860::8888');
    expect((await cf.dns.records.edit(long.id, { zone_id, type: 'AAAA', name: 'v6', content: '2001:0DB8:0000:0000:0001:0000:0000:0001' } as never)).content).toBe('2001:db8::1:0:0:1');
    await cf.dns.records.delete(long.id, { zone_id });

    const srv = await cf.dns.records.create({ zone_id, type: 'SRV', name: '_xmpp._tcp', ttl: 3600, data: { priority: 5, weight: 10, port: 5222, target: 'chat.zone-004.example' } });
    expect(srv).toMatchObject({ content: '10 5222 chat.zone-004.example', priority: 5, data: { priority: 5, weight: 10, port: 5222, target: 'chat.zone-004.example' } });
    const caa = await cf.dns.records.create({ zone_id, type: 'CAA', name: '@', ttl: 3600, data: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } });
    expect(caa.content).toBe('0 issue "letsencrypt.org"');

    expect(await cf.dns.records.delete(a.id, { zone_id })).toEqual({ id: a.id });
    const missing = await apiError(() => cf.dns.records.get(a.id, { zone_id }));
    expect(missing.status).toBe(404);
    expect(missing.errors[0]!.code).toBe(81044);
    const malformed = await apiError(() => cf.dns.records.get('nope', { zone_id }));
    expect(malformed.errors[0]!.code).toBe(7003);
  });

  test("validation and conflicts answer Cloudflare's codes", async () => {
    const zone_id = zoneNamed('zone-005.example').zone.id;
    const code = async (body: Record<string, unknown>) => {
      const e = await apiError(() => cf.dns.records.create({ zone_id, ...body } as Parameters<typeof cf.dns.records.create>[0]));
      expect(e.status).toBe(400);
      const top = e.errors[0] as { code: number; error_chain?: Array<{ code: number }> };
      return top.error_chain ? `${top.code}/${top.error_chain[0]!.code}` : String(top.code);
    };
    expect(await code({ type: 'A', name: 'x', content: '999.1.1.1', ttl: 1 })).toBe('1004/9005');
    expect(await code({ type: 'AAAA', name: 'x', content: '10.0.0.1', ttl: 1 })).toBe('1004/9006');
    expect(await code({ type: 'A', name: 'x', content: '192.0.2.9', ttl: 30 })).toBe('1004/9021');
    expect(await code({ type: 'TXT', name: 'x', content: 'hello', ttl: 1, proxied: true })).toBe('1004/9004');
    expect(await code({ type: 'MX', name: 'x', content: 'mx.example.net', ttl: 1 })).toBe('1004/9101');
    // zone-005 has: A @ 192.0.2.1 (proxied, ttl 1), CNAME www, MX @, TXT @, A mail
    expect(await code({ type: 'A', name: '@', content: '192.0.2.1', ttl: 1, proxied: true })).toBe('81058');
    expect(await code({ type: 'A', name: '@', content: '192.0.2.1', ttl: 300, proxied: false })).toBe('81057');
    expect(await code({ type: 'CNAME', name: 'mail', content: 'elsewhere.example.net', ttl: 1 })).toBe('81053');
    expect(await code({ type: 'A', name: 'www', content: '192.0.2.80', ttl: 1 })).toBe('81054');
    const e = await apiError(() => cf.dns.records.create({ zone_id, type: 'CNAME', name: 'mail', content: 'x.example.net', ttl: 1 }));
    expect(e.errors[0]!.message).toBe('An A, AAAA, or CNAME record with that host already exists.');
  });
});

describe('batch', () => {
  test('applies deletes → patches → puts → posts and returns each group', async () => {
    const zs = zoneNamed('zone-006.example');
    const recs = [...zs.records.values()];
    const mail = recs.find((r) => r.name === 'mail.zone-006.example')!;
    const txt = recs.find((r) => r.type === 'TXT')!;
    const apex = recs.find((r) => r.type === 'A' && r.name === 'zone-006.example')!;
    const res = await cf.dns.records.batch({
      zone_id: zs.zone.id,
      deletes: [{ id: mail.id }],
      patches: [{ id: txt.id, content: 'v=spf1 -all' } as never],
      puts: [{ id: apex.id, type: 'A', name: '@', content: '192.0.2.200', ttl: 1, proxied: true } as never],
      // Re-uses the name freed by the delete in the same batch: order matters.
      posts: [{ type: 'CNAME', name: 'mail', content: 'mail.provider.example', ttl: 1 }],
    });
    expect(res.deletes!.map((r) => r.id)).toEqual([mail.id]);
    expect(res.patches![0]).toMatchObject({ id: txt.id, content: 'v=spf1 -all' });
    expect(res.puts![0]).toMatchObject({ id: apex.id, content: '192.0.2.200' });
    expect(res.posts![0]).toMatchObject({ type: 'CNAME', name: 'mail.zone-006.example' });
    expect(zs.records.has(mail.id)).toBe(false);
  });

  test('one bad change rejects the whole batch; the zone is unchanged', async () => {
    const zs = zoneNamed('zone-007.example');
    const before = await cf.dns.records.export({ zone_id: zs.zone.id });
    const listBefore = await collect(cf.dns.records.list({ zone_id: zs.zone.id }));
    const first = listBefore[0]!;
    const e = await apiError(() =>
      cf.dns.records.batch({
        zone_id: zs.zone.id,
        deletes: [{ id: first.id }],
        posts: [
          { type: 'A', name: 'ok-1', content: '192.0.2.50', ttl: 1 },
          { type: 'A', name: 'bad', content: 'not-an-ip', ttl: 1 },
        ],
      }),
    );
    expect(e.status).toBe(400);
    expect(e.errors[0]).toMatchObject({ code: 1004, error_chain: [{ code: 9005 }] });
    // As Cloudflare: the first error only, naming no change (no `posts[1]`-style index).
    expect(e.errors).toHaveLength(1);
    expect(e.errors[0]!.message).not.toMatch(/posts|patches|deletes|puts|\[\d+\]/);
    const two = await apiError(() =>
      cf.dns.records.batch({
        zone_id: zs.zone.id,
        posts: [
          { type: 'A', name: 'ok-2', content: '192.0.2.51', ttl: 1 },
          { type: 'MX', name: 'mx-bad', content: 'mail.example.com', ttl: 1 } as never,
          { type: 'A', name: 'bad-2', content: 'not-an-ip', ttl: 1 },
        ],
      }),
    );
    expect(two.errors).toHaveLength(1);
    expect(two.errors[0]).toMatchObject({ code: 1004, error_chain: [{ code: 9101 }] }); // the MX's, met first; not the bad IP's 9005
    expect(two.errors[0]!.message).not.toMatch(/posts|\[\d+\]/);
    const listAfter = await collect(cf.dns.records.list({ zone_id: zs.zone.id }));
    expect(listAfter).toEqual(listBefore);
    const after = await cf.dns.records.export({ zone_id: zs.zone.id });
    expect(after.replace(/;; Exported:.*\n/, '').replace(/SOA.*\n/, '')).toBe(before.replace(/;; Exported:.*\n/, '').replace(/SOA.*\n/, ''));

    const missing = await apiError(() => cf.dns.records.batch({ zone_id: zs.zone.id, deletes: [{ id: 'f'.repeat(32) }] }));
    expect(missing.status).toBe(400);
    expect(missing.errors[0]!.code).toBe(81044);
  });

  test('200 changes per batch on Free zones, 3,500 on paid', async () => {
    const freeZone = zoneNamed('zone-008.example').zone;
    freeZone.created_on = '2024-08-01T00:00:00Z'; // a pre-2024-09 Free zone (1,000-record quota): 208 records fit, the batch limit is what is tested
    const free = freeZone.id;
    const pro = zoneNamed('zone-002.example').zone.id;
    const posts = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'TXT' as const, name: `b-${i}`, content: `v=${i}`, ttl: 1 as const }));
    const over = await apiError(() => cf.dns.records.batch({ zone_id: free, posts: posts(201) }));
    expect(over.status).toBe(400);
    expect(over.errors[0]!.message).toMatch(/limit .* is 200/);
    expect((await cf.dns.records.batch({ zone_id: free, posts: posts(200) })).posts).toHaveLength(200);
    expect((await cf.dns.records.batch({ zone_id: pro, posts: posts(201) })).posts).toHaveLength(201);
    const overPro = await apiError(() => cf.dns.records.batch({ zone_id: pro, posts: posts(3501) }));
    expect(overPro.errors[0]!.message).toMatch(/3500/);
  });
});

describe('BIND import and export', () => {
  test('export → import into a new zone reproduces the records', async () => {
    const src = zoneNamed('zone-009.example');
    await cf.dns.records.create({ zone_id: src.zone.id, type: 'TXT', name: 'long', content: 'x'.repeat(300) + ' "quoted" ;not a comment', ttl: 300 });
    await cf.dns.records.create({ zone_id: src.zone.id, type: 'SRV', name: '_sip._udp', ttl: 300, data: { priority: 1, weight: 2, port: 5060, target: 'sip.zone-009.example' } });
    const text = await cf.dns.records.export({ zone_id: src.zone.id });
    expect(typeof text).toBe('string');
    expect(text).toContain(';; Domain:     zone-009.example.');
    expect(text).toMatch(/^zone-009\.example\.\t1\tIN\tA\t192\.0\.2\.1 ; cf_tags=cf-proxied:true$/m);

    const acc = src.zone.account.id;
    // Same name is impossible in one sandbox; import into a zone with another name via $ORIGIN rewrite.
    const dest = await cf.zones.create({ name: 'copy.example', account: { id: acc } });
    const rewritten = text.replaceAll('zone-009.example', 'copy.example');
    const res = await cf.dns.records.import({ zone_id: dest.id, file: rewritten });
    expect(res).toEqual({ recs_added: src.records.size, total_records_parsed: src.records.size });

    const norm = (recs: Array<{ type: string; name: string; content?: string; ttl: number; proxied?: boolean; priority?: number }>, zone: string) =>
      // TXT by value: the export quotes records the API stored unquoted, and the import keeps the file's quoted strings.
      recs.map((r) => `${r.type} ${r.name.replace(zone, 'Z')} ${(r.type === 'TXT' ? txtData(r.content ?? '') : (r.content ?? '')).replaceAll(zone, 'Z')} ${r.ttl} ${r.proxied} ${r.priority ?? ''}`).sort();
    const a = norm(await collect(cf.dns.records.list({ zone_id: src.zone.id })), 'zone-009.example');
    const b = norm(await collect(cf.dns.records.list({ zone_id: dest.id })), 'copy.example');
    expect(b).toEqual(a);
  });

  test('import: relative names, $ORIGIN/$TTL, proxied form field, duplicates skipped, 3 per minute', async () => {
    const acc = [...sb.state.accounts.values()][0]!.id;
    const z = await cf.zones.create({ name: 'imported.example', account: { id: acc } });
    const file = [
      '$ORIGIN imported.example.',
      '$TTL 1h',
      '@        IN  A     192.0.2.10',
      'www      300 IN CNAME @',
      'mail     IN  MX    10 mx.imported.example.',
      '         IN  TXT   "part one " "part two"',
      'dup      IN  A     192.0.2.11',
      'dup      IN  A     192.0.2.11',
      'weird    IN  HINFO "x" "y"',
      '@ IN SOA ns.example. admin.example. ( 1 7200 3600',
      '   1209600 3600 )',
    ].join('\n');
    const res = await cf.dns.records.import({ zone_id: z.id, file: file, proxied: 'true' });
    expect(res).toEqual({ recs_added: 5, total_records_parsed: 7 });
    const recs = await collect(cf.dns.records.list({ zone_id: z.id }));
    const www = recs.find((r) => r.type === 'CNAME')!;
    expect(www).toMatchObject({ name: 'www.imported.example', content: 'imported.example', proxied: true, ttl: 1 });
    expect(recs.find((r) => r.type === 'TXT')).toMatchObject({ name: 'mail.imported.example', content: '"part one " "part two"', ttl: 3600 });
    expect(recs.find((r) => r.type === 'MX')).toMatchObject({ priority: 10, content: 'mx.imported.example', proxied: false });
    await cf.dns.records.import({ zone_id: z.id, file: '' });
    await cf.dns.records.import({ zone_id: z.id, file: '' });
    const limited = await apiError(async () => cf.dns.records.import({ zone_id: z.id, file: '' }));
    expect(limited.status).toBe(429);
    const big = await apiError(async () => {
      const other = await cf.zones.create({ name: 'too-big.example', account: { id: acc } });
      return cf.dns.records.import({ zone_id: other.id, file: 'a'.repeat(256 * 1024 + 1) });
    });
    expect(big.status).toBe(413);
  });

  test('parser: parentheses, escaped quotes, blank owner, TTL units', () => {
    const { records, skipped } = parseBind('$ORIGIN a.example.\n$TTL 2d\nx 1h IN TXT "say \\"hi\\""\n  IN A 192.0.2.1 ; trailing\n', 'a.example');
    expect(skipped).toEqual([]);
    expect(records.map((r) => [r.name, r.ttl, r.type, r.content])).toEqual([
      ['x.a.example', 3600, 'TXT', '"say \\"hi\\""'],
      ['x.a.example', 172800, 'A', '192.0.2.1'],
    ]);
  });
});

describe('settings and purge', () => {
  test('get, edit (validated), list', async () => {
    const zone_id = zoneNamed('zone-010.example').zone.id;
    const ssl = await cf.zones.settings.get('ssl', { zone_id });
    expect(ssl).toEqual({ id: 'ssl', value: 'full', editable: true, modified_on: null });
    const edited = await cf.zones.settings.edit('ssl', { zone_id, value: 'strict' } as never);
    expect(edited).toMatchObject({ id: 'ssl', value: 'strict', editable: true, modified_on: expect.any(String) });
    await cf.zones.settings.edit('min_tls_version', { zone_id, value: '1.2' } as never);
    await cf.zones.settings.edit('always_use_https', { zone_id, value: 'on' } as never);
    await cf.zones.settings.edit('security_level', { zone_id, value: 'high' } as never);
    const bad = await apiError(() => cf.zones.settings.edit('ssl', { zone_id, value: 'maybe' } as never));
    expect(bad.status).toBe(400);
    expect(bad.errors[0]).toMatchObject({ code: 1007, message: 'Invalid value for zone setting ssl' });
    const badTls = await apiError(() => cf.zones.settings.edit('min_tls_version', { zone_id, value: '1.4' } as never));
    expect(badTls.errors[0]!.code).toBe(1007);
    const unknown = await apiError(() => cf.zones.settings.get('no_such_setting', { zone_id }));
    expect(unknown.status).toBe(404);
    const all = await fetch(`${sb.url}/zones/${zone_id}/settings`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<{ result: Array<{ id: string; value: unknown }> }>);
    const map = Object.fromEntries(all.result.map((s) => [s.id, s.value]));
    expect(map).toMatchObject({ ssl: 'strict', min_tls_version: '1.2', always_use_https: 'on', security_level: 'high' });
  });

  test('purge_cache answers {id}; bad bodies are refused', async () => {
    const zone_id = zoneNamed('zone-010.example').zone.id;
    const everything = await cf.cache.purge({ zone_id, purge_everything: true });
    expect(everything).toEqual({ id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const files = await cf.cache.purge({ zone_id, files: ['https://zone-010.example/a.css'] });
    expect(files!.id).toMatch(/^[0-9a-f]{32}$/);
    const bad = await apiError(() => cf.cache.purge({ zone_id } as never));
    expect(bad.status).toBe(400);
  });
});

describe('tokens', () => {
  test('verify: active token; unknown token 401/1000', async () => {
    const v = await cf.user.tokens.verify();
    expect(v).toEqual({ id: sb.tokens[0]!.id, status: 'active' });
    const bad = await apiError(() => client('x'.repeat(40)).user.tokens.verify());
    expect(bad).toBeInstanceOf(Cloudflare.AuthenticationError);
    expect(bad.errors[0]).toMatchObject({ code: 1000, message: 'Invalid API Token' });
    const acc = [...sb.state.accounts.values()][0]!;
    const res = await fetch(`${sb.url}/accounts/${acc.id}/tokens/verify`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await res.json()) as { result: { status: string } }).result.status).toBe('active');
  });

  test('bad credentials elsewhere: 9109 invalid token, 9106 missing, 6003 malformed', async () => {
    const e = await apiError(() => client('y'.repeat(40)).zones.list());
    expect(e.status).toBe(403);
    expect(e.errors[0]).toEqual({ code: 9109, message: 'Invalid access token' });
    const missing = await fetch(`${sb.url}/zones`);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { errors: Array<{ code: number }> }).errors[0]!.code).toBe(9106);
    const malformed = await fetch(`${sb.url}/zones`, { headers: { authorization: 'Token abc' } });
    expect(((await malformed.json()) as { errors: Array<{ code: number }> }).errors[0]!.code).toBe(6003);
  });

  test('a revoked token stops working; a scoped token sees only its zones; a read-only token cannot write', async () => {
    const t = sb.addToken({ name: 'temp' });
    expect((await client(t.value).user.tokens.verify()).status).toBe('active');
    sb.state.revokeToken(t.id);
    expect((await apiError(() => client(t.value).zones.list())).errors[0]!.code).toBe(9109);

    const z3 = zoneNamed('zone-003.example').zone;
    const scoped = sb.addToken({ zones: [z3.id] });
    const visible = await collect(client(scoped.value).zones.list());
    expect(visible.map((z) => z.name)).toEqual(['zone-003.example']);
    const other = zoneNamed('zone-004.example').zone;
    const denied = await apiError(() => client(scoped.value).dns.records.list({ zone_id: other.id }));
    expect(denied.status).toBe(403);
    expect(denied.errors[0]!.code).toBe(10000);

    const ro = sb.addToken({ write: false });
    expect((await client(ro.value).dns.records.list({ zone_id: z3.id })).result.length).toBeGreaterThan(0);
    const roWrite = await apiError(() => client(ro.value).dns.records.create({ zone_id: z3.id, type: 'A', name: 'ro', content: '192.0.2.3', ttl: 1 }));
    expect(roWrite.status).toBe(403);
    expect(roWrite.errors[0]!.code).toBe(10000);
  });

  test('the SDK honours CLOUDFLARE_BASE_URL', async () => {
    const prev = process.env.CLOUDFLARE_BASE_URL;
    process.env.CLOUDFLARE_BASE_URL = sb.url;
    try {
      const c = new Cloudflare({ apiToken: token, maxRetries: 0 });
      expect((await c.user.tokens.verify()).status).toBe('active');
    } finally {
      if (prev === undefined) delete process.env.CLOUDFLARE_BASE_URL;
      else process.env.CLOUDFLARE_BASE_URL = prev;
    }
  });
});
