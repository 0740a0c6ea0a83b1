/** jobs/quota.ts: what a zone summary stores, what the preview derives, and apply's refusal. */
import { DomainError } from '../../functions/errors';
import type { CfZone } from '../../functions/cloudflare/bulk-client';
import type { LiveRecord } from '../../functions/cloudflare/records';
import { planZone, summarize } from '../../functions/jobs/planner';
import { assertWithinPlanLimits, zoneQuota } from '../../functions/jobs/quota';

const free: CfZone = { id: 'f'.repeat(32), name: 'free.example', plan: 'free', batchLimit: 200, recordQuota: 200, tagsAllowed: false };
const olderFree: CfZone = { ...free, id: 'e'.repeat(32), name: 'older.example', recordQuota: 1000 };
const pro: CfZone = { id: 'a'.repeat(32), name: 'pro.example', plan: 'pro', batchLimit: 3500, recordQuota: 3500, tagsAllowed: true };
const live = (n: number): LiveRecord[] => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, type: 'A', name: `h${i}.x`, content: `192.0.2.${(i % 250) + 1}`, ttl: 300, proxied: false }));
const create = (n: number, tags?: string[]) => ({
  kind: 'dns-create' as const,
  params: { records: Array.from({ length: n }, (_, i) => ({ type: 'A' as const, name: `new-${i}`, content: '198.51.100.1', ttl: 300, proxied: false, ...(tags ? { tags } : {}) })) },
});
const plan = (zone: CfZone, have: number, n: number, tags?: string[]) => {
  const req = create(n, tags);
  return summarize(planZone(req, zone, { records: live(have) }, req.params.records), 0.3);
};

describe('record quota per zone', () => {
  test('a summary stores nothing extra for a standard quota; an older Free zone keeps its 1,000; refused tags only when any', () => {
    const s = plan(free, 150, 60);
    expect('recordQuota' in s || 'tagsRefused' in s).toBe(false);
    expect(zoneQuota(s, true)).toEqual({ recordQuota: 200, recordsAfter: 210, overQuota: true, tagsRefused: 0 });
    const older = plan(olderFree, 150, 60);
    expect(older.recordQuota).toBe(1000);
    expect(zoneQuota(older, true)).toMatchObject({ recordsAfter: 210, overQuota: false });
    expect(plan(free, 5, 3, ['team:web']).tagsRefused).toBe(3);
    expect(plan(pro, 5, 3, ['team:web']).tagsRefused).toBeUndefined();
  });

  test('at the quota exactly is fine; kinds that touch no records have no record count', () => {
    expect(zoneQuota(plan(free, 150, 50), true)).toMatchObject({ recordsAfter: 200, overQuota: false });
    expect(zoneQuota(plan(free, 150, 50), false)).toEqual({ recordQuota: 200, recordsAfter: null, overQuota: false, tagsRefused: 0 });
  });

  test('apply refuses naming the zones, with their figures', () => {
    const zones = [plan(free, 150, 60), plan(pro, 150, 60), { ...plan(free, 5, 1, ['a:b']), zoneName: 'tagged.example' }];
    let err: unknown;
    try {
      assertWithinPlanLimits(zones, true);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    const e = err as DomainError;
    expect([e.kind, e.options.code]).toEqual(['precondition-failed', 'zone-plan-limits']);
    expect(e.message).toContain('past their DNS record quota (free.example: 210 of 200)');
    expect(e.message).toContain('whose plan has no tags (tagged.example (free))');
    expect((e.options.extra as { zones: unknown[] }).zones).toHaveLength(2);
    expect(() => assertWithinPlanLimits([plan(pro, 150, 60)], true)).not.toThrow();
  });
});
