/**
 * Issue 13 item 7, the engine side: the plan preview shows each zone's DNS record quota, its record
 * count after the job and `overQuota`; a plan past a zone's quota, or setting tags on a Free zone,
 * is refused at apply (412 zone-plan-limits, force or not) with nothing sent to Cloudflare.
 */
import { applyJob } from '../../functions/jobs/apply';
import { getJob } from '../../functions/jobs/queries';
import { DomainError } from '../../functions/errors';
import { addRecords } from '../../lib/local/cloudflare/seed';
import { pump, startHarness, type Harness } from './jobs-harness';

jest.setTimeout(120_000);

const records = (n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ type: 'A' as const, name: `quota-${i}`, content: `198.51.100.${(i % 250) + 1}`, ttl: 300, proxied: false, ...extra }));

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DomainError);
  return e as DomainError;
}

describe('record quotas per plan', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  test('a create job past a Free zone\'s quota shows overQuota in the preview; apply is refused even with force, nothing is sent', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 2, recordsPerZone: 150, plan: ['free', 'pro'] }, timeScale: 100 } });
    const actor = h.actor('pro');
    const [free, pro] = [...h.sb.state.zones.keys()] as [string, string];
    const job = await h.plan(actor, { kind: 'dns-create', accountId: h.accountId, zones: [free, pro], params: { records: records(60) } });
    const byZone = new Map(job.plan.zones.map((z) => [z.zoneId, z]));
    expect(byZone.get(free)).toMatchObject({ creates: 60, recordsInZone: 150, recordQuota: 200, recordsAfter: 210, overQuota: true, tagsRefused: 0 });
    expect(byZone.get(pro)).toMatchObject({ creates: 60, recordQuota: 3500, recordsAfter: 210, overQuota: false });
    expect(job.plan.zonesRefused).toBe(1);

    const requestsBefore = h.requests();
    const logBefore = h.sb.log.entries().length;
    const sentBefore = h.queue.sent; // planning's own messages
    for (const force of [false, true]) {
      const e = await refusal(applyJob(h.deps, actor, job.id, { force, mode: 'server' }));
      expect(e.kind).toBe('precondition-failed');
      expect(e.options.code).toBe('zone-plan-limits');
      expect(e.message).toContain('zone-001.example: 210 of 200');
      expect(e.options.extra).toEqual({ zones: [expect.objectContaining({ zoneId: free, zoneName: 'zone-001.example', recordQuota: 200, recordsAfter: 210, overQuota: true })] });
    }
    expect(h.requests()).toBe(requestsBefore);
    expect(h.sb.log.entries().slice(logBefore)).toEqual([]);
    expect(h.queue.sent).toBe(sentBefore);
    expect((await getJob(h.deps, actor, job.id)).status).toBe('planned');
    expect(h.sb.state.zones.get(free)!.records.size).toBe(150);
    expect(h.sb.state.zones.get(pro)!.records.size).toBe(150);
  });

  test('a create job within the quota applies; a Free zone created before 2024-09-01 has 1,000', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 2, recordsPerZone: 150, plan: 'free' }, timeScale: 100 } });
    const actor = h.actor('pro');
    const [recent, older] = [...h.sb.state.zones.keys()] as [string, string];
    h.sb.state.zones.get(older)!.zone.created_on = '2024-08-31T12:00:00Z';
    const job = await h.plan(actor, { kind: 'dns-create', accountId: h.accountId, zones: [recent, older], params: { records: records(50) } });
    const byZone = new Map(job.plan.zones.map((z) => [z.zoneId, z]));
    expect(byZone.get(recent)).toMatchObject({ recordQuota: 200, recordsAfter: 200, overQuota: false });
    expect(byZone.get(older)).toMatchObject({ recordQuota: 1000, recordsAfter: 200, overQuota: false });
    expect(job.plan.zonesRefused).toBe(0);
    await applyJob(h.deps, actor, job.id, { force: false, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 2 });
    const done = await getJob(h.deps, actor, job.id);
    expect([done.status, done.counts.done, done.counts.failed]).toEqual(['done', 100, 0]);
    expect(h.sb.state.zones.get(recent)!.records.size).toBe(200);
  });

  test('replace and delete jobs never count as over quota, even on a zone already past it', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 1, recordsPerZone: 230, plan: 'free' }, timeScale: 100 } });
    const actor = h.actor('pro');
    const [zone] = [...h.sb.state.zones.keys()] as [string];
    const job = await h.plan(actor, { kind: 'dns-replace', accountId: h.accountId, zones: [zone], params: { match: { types: ['TXT'] }, set: { ttl: 600 } } });
    expect(job.plan.zones[0]).toMatchObject({ recordQuota: 200, recordsAfter: 230, overQuota: false });
    await applyJob(h.deps, actor, job.id, { force: true, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 2 });
    expect((await getJob(h.deps, actor, job.id)).counts.failed).toBe(0);
  });

  test('tags: refused in the preview and at apply on a Free zone; sent to Cloudflare on a paid zone', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 2, recordsPerZone: 5, plan: ['free', 'pro'] }, timeScale: 100 } });
    const actor = h.actor('pro');
    const [free, pro] = [...h.sb.state.zones.keys()] as [string, string];
    const tagged = records(3, { tags: ['owner:dns-team'] });
    const both = await h.plan(actor, { kind: 'dns-create', accountId: h.accountId, zones: [free, pro], params: { records: tagged } });
    const byZone = new Map(both.plan.zones.map((z) => [z.zoneId, z]));
    expect(byZone.get(free)).toMatchObject({ tagsRefused: 3, overQuota: false });
    expect(byZone.get(pro)).toMatchObject({ tagsRefused: 0 });
    const logBefore = h.sb.log.entries().length;
    const e = await refusal(applyJob(h.deps, actor, both.id, { force: true, mode: 'server' }));
    expect(e.options.code).toBe('zone-plan-limits');
    expect(e.message).toContain('zone-001.example (free)');
    expect(h.sb.log.entries().slice(logBefore)).toEqual([]);

    const paidOnly = await h.plan(actor, { kind: 'dns-create', accountId: h.accountId, zones: [pro], params: { records: tagged } });
    await applyJob(h.deps, actor, paidOnly.id, { force: false, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 2 });
    expect((await getJob(h.deps, actor, paidOnly.id)).counts).toMatchObject({ done: 3, failed: 0 });
    const landed = [...h.sb.state.zones.get(pro)!.records.values()].filter((r) => r.name.startsWith('quota-'));
    expect(landed.map((r) => r.tags)).toEqual([['owner:dns-team'], ['owner:dns-team'], ['owner:dns-team']]);
  });

  test('a refused zone past the first 100 the job view carries: the job counts it, apply names it', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 102, recordsPerZone: 0, plan: (i) => (i === 101 ? 'free' : 'pro') }, timeScale: 100 } });
    const actor = h.actor('pro');
    const zoneIds = [...h.sb.state.zones.keys()];
    const last = h.sb.state.zones.get(zoneIds[101]!)!;
    addRecords(h.sb.state, last, records(150).map((r) => ({ ...r, name: `old-${r.name}` })));
    const job = await h.plan(actor, { kind: 'dns-create', accountId: h.accountId, zones: zoneIds, params: { records: records(60) } });
    expect(job.plan.zonesTotal).toBe(102);
    expect(job.plan.zones.some((z) => z.zoneId === last.zone.id)).toBe(false);
    expect(job.plan.zonesRefused).toBe(1);
    const e = await refusal(applyJob(h.deps, actor, job.id, { force: true, mode: 'server' }));
    expect(e.options.extra).toEqual({ zones: [expect.objectContaining({ zoneName: last.zone.name, recordQuota: 200, recordsAfter: 210, overQuota: true })] });
  });
});
