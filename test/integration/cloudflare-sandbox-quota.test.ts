/**
 * Issue 13 item 7, the sandbox side: each plan's DNS record quota (400 81045 "Record quota
 * exceeded.") on single creates, inside an atomic batch and on import; tags refused on Free zones
 * (1004 → 9300) and capped at 20 on paid plans; comment length per plan. Driven through the SDK.
 */
import Cloudflare from 'cloudflare';
import { apiError } from '../support/cloudflare';
import { startCloudflareSandbox, type CloudflareSandbox } from '../../lib/local/cloudflare';
import { addRecords } from '../../lib/local/cloudflare/seed';
import type { ZoneState } from '../../lib/local/cloudflare/types';

let sb: CloudflareSandbox;
let cf: Cloudflare;

const zoneNamed = (name: string): ZoneState => [...sb.state.zones.values()].find((z) => z.zone.name === name)!;
/** Fill a zone (directly in the state) up to `count` records. */
function fillTo(zs: ZoneState, count: number, tag: string): void {
  const missing = count - zs.records.size;
  addRecords(sb.state, zs, Array.from({ length: missing }, (_, i) => ({ type: 'A', name: `${tag}-${i}`, content: `198.51.100.${i % 250}`, ttl: 300 })));
  expect(zs.records.size).toBe(count);
}
const a = (name: string, extra: Record<string, unknown> = {}) => ({ type: 'A' as const, name, content: '192.0.2.10', ttl: 300, ...extra });

beforeAll(async () => {
  sb = await startCloudflareSandbox({ seed: { zones: 7, recordsPerZone: 5, plan: (i) => (i < 3 || i === 6 ? 'free' : i < 5 ? 'pro' : 'enterprise') } });
  cf = new Cloudflare({ apiToken: sb.tokens[0]!.value, baseURL: sb.url, maxRetries: 0 });
});

afterAll(async () => {
  await sb.close();
});

describe('record quota per plan', () => {
  test('a Free zone created now holds 200 records: the 201st single create answers 400 81045', async () => {
    const zs = zoneNamed('zone-001.example');
    fillTo(zs, 199, 'fill');
    await cf.dns.records.create({ zone_id: zs.zone.id, ...a('last') });
    expect(zs.records.size).toBe(200);
    const err = await apiError(() => cf.dns.records.create({ zone_id: zs.zone.id, ...a('one-too-many') }));
    expect(err.status).toBe(400);
    expect(err.errors).toEqual([expect.objectContaining({ code: 81045, message: 'Record quota exceeded.' })]);
    expect(zs.records.size).toBe(200);
    // Updates and deletes still work at the quota.
    const rec = [...zs.records.values()].find((r) => r.name.startsWith('last.'))!;
    await cf.dns.records.edit(rec.id, { zone_id: zs.zone.id, ttl: 600 } as Parameters<typeof cf.dns.records.edit>[1]);
    await cf.dns.records.delete(rec.id, { zone_id: zs.zone.id });
    await cf.dns.records.create({ zone_id: zs.zone.id, ...a('fits-again') });
    expect(zs.records.size).toBe(200);
  });

  test('a Free zone created before 2024-09-01 keeps the 1,000-record quota', async () => {
    const zs = zoneNamed('zone-002.example');
    zs.zone.created_on = '2024-08-31T23:59:59Z';
    fillTo(zs, 999, 'old');
    await cf.dns.records.create({ zone_id: zs.zone.id, ...a('thousandth') });
    const err = await apiError(() => cf.dns.records.create({ zone_id: zs.zone.id, ...a('past') }));
    expect([err.status, err.errors[0]?.code]).toEqual([400, 81045]);
    expect(zs.records.size).toBe(1000);
  });

  test('paid plans (Pro, Enterprise by default) hold 3,500 records', async () => {
    for (const name of ['zone-004.example', 'zone-006.example']) {
      const zs = zoneNamed(name);
      fillTo(zs, 3499, 'paid');
      await cf.dns.records.create({ zone_id: zs.zone.id, ...a('last') });
      const err = await apiError(() => cf.dns.records.create({ zone_id: zs.zone.id, ...a('past') }));
      expect([name, err.status, err.errors[0]?.code]).toEqual([name, 400, 81045]);
    }
  });

  test('a batch that would pass the quota applies nothing (atomic); deletes in the same batch make room', async () => {
    const zs = zoneNamed('zone-003.example');
    fillTo(zs, 195, 'batch');
    const before = [...zs.records.keys()].sort();
    const posts = Array.from({ length: 10 }, (_, i) => a(`post-${i}`));
    const err = await apiError(() => cf.dns.records.batch({ zone_id: zs.zone.id, posts }));
    expect(err.status).toBe(400);
    expect(err.errors).toEqual([expect.objectContaining({ code: 81045, message: 'Record quota exceeded.' })]);
    expect([...zs.records.keys()].sort()).toEqual(before);

    const deletes = before.slice(0, 5).map((id) => ({ id }));
    const res = await cf.dns.records.batch({ zone_id: zs.zone.id, deletes, posts });
    expect(res.posts).toHaveLength(10);
    expect(zs.records.size).toBe(200);
  });

  test('import: lines past the quota are not added', async () => {
    const zs = zoneNamed('zone-003.example');
    const deletes = [...zs.records.keys()].slice(0, 3).map((id) => ({ id }));
    await cf.dns.records.batch({ zone_id: zs.zone.id, deletes });
    const file = Array.from({ length: 5 }, (_, i) => `imp-${i}.${zs.zone.name}. 300 IN A 203.0.113.${i + 1}`).join('\n');
    const res = await cf.dns.records.import({ zone_id: zs.zone.id, file });
    expect(res).toMatchObject({ recs_added: 3, total_records_parsed: 5 });
    expect(zs.records.size).toBe(200);
  });
});

describe('tags and comments per plan', () => {
  test('tags on a Free zone are refused with 1004 → 9300 (quota of 0), in a single create and in a batch', async () => {
    const zs = zoneNamed('zone-007.example');
    const err = await apiError(() => cf.dns.records.create({ zone_id: zs.zone.id, type: 'TXT', name: 'tagged', content: 'x', ttl: 1, tags: ['owner:dns'] }));
    expect(err.status).toBe(400);
    expect(err.errors[0]).toMatchObject({ code: 1004, error_chain: [{ code: 9300, message: 'DNS record has 1 tags, exceeding the quota of 0.' }] });
    const size = zs.records.size;
    const b = await apiError(() => cf.dns.records.batch({ zone_id: zs.zone.id, posts: [{ type: 'TXT', name: 'tagged', content: 'x', ttl: 1, tags: ['owner:dns'] }] }));
    expect([b.status, b.errors[0]?.code]).toEqual([400, 1004]);
    expect(zs.records.size).toBe(size);
  });

  test('tags on a paid zone: up to 20 per record', async () => {
    const zs = zoneNamed('zone-005.example');
    const tags = Array.from({ length: 20 }, (_, i) => `t${i}:v`);
    const ok = await cf.dns.records.create({ zone_id: zs.zone.id, type: 'TXT', name: 'tagged', content: 'x', ttl: 1, tags });
    expect(ok.tags).toHaveLength(20);
    const err = await apiError(() => cf.dns.records.create({ zone_id: zs.zone.id, type: 'TXT', name: 'tagged2', content: 'x', ttl: 1, tags: [...tags, 'one:more'] }));
    expect(err.errors[0]).toMatchObject({ code: 1004, error_chain: [{ code: 9300, message: 'DNS record has 21 tags, exceeding the quota of 20.' }] });
  });

  test('comments are allowed on every plan: 100 characters on Free, 500 on paid plans', async () => {
    const free = zoneNamed('zone-007.example');
    const paid = zoneNamed('zone-005.example');
    await cf.dns.records.create({ zone_id: free.zone.id, type: 'TXT', name: 'c100', content: 'x', ttl: 1, comment: 'c'.repeat(100) });
    const err = await apiError(() => cf.dns.records.create({ zone_id: free.zone.id, type: 'TXT', name: 'c101', content: 'x', ttl: 1, comment: 'c'.repeat(101) }));
    expect([err.status, err.errors[0]?.code]).toEqual([400, 1004]);
    const long = await cf.dns.records.create({ zone_id: paid.zone.id, type: 'TXT', name: 'c500', content: 'x', ttl: 1, comment: 'c'.repeat(500) });
    expect(long.comment).toHaveLength(500);
  });
});
