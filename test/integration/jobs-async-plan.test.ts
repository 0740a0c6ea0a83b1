/**
 * Planning and apply's drift check on the tier queue (issue 13, items 13–14): POST /jobs and apply
 * answer at once whatever the number of zones, the job shows its progress, a 1,000-zone job plans
 * and applies with a job item that stays small (per-zone summaries are their own items), planning
 * survives killed workers and lost messages, fails with its reason, and can be cancelled.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CfCallError, type CfApi } from '../../functions/cloudflare/bulk-client';
import { applyJob } from '../../functions/jobs/apply';
import { cancelJob } from '../../functions/jobs/cancel';
import { jobSk } from '../../functions/jobs/model';
import { planJob } from '../../functions/jobs/plan';
import { getJob, listEvents, listItems, listZones } from '../../functions/jobs/queries';
import { sweep } from '../../functions/jobs/sweep';
import { tenantPk } from '../../functions/tenancy/tenant';
import { isPlanningWork, pump, startHarness, zoneRecords, type Harness } from './jobs-harness';

jest.setTimeout(300_000);

/** The stored job item as DynamoDB holds it (encrypted attributes included), in bytes of JSON. */
async function jobItemBytes(h: Harness, jobId: string, userTenant: ReturnType<Harness['actor']>['tenant']): Promise<number> {
  const out = await h.dl.table.doc.send(new GetCommand({ TableName: h.dl.table.name, Key: { pk: tenantPk(userTenant), sk: jobSk(jobId) } }));
  return Buffer.byteLength(JSON.stringify(out.Item));
}

describe('asynchronous planning and drift check', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  test('a 1,000-zone job: POST and apply answer at once, progress is visible, it plans and applies; the job item stays small', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 1000, recordsPerZone: 2, plan: 'free' }, timeScale: 200 } });
    const actor = h.actor('pro');
    const zoneIds = [...h.sb.state.zones.keys()];
    expect(zoneIds).toHaveLength(1000);
    const input = { kind: 'dns-create' as const, accountId: h.accountId, zones: zoneIds, params: { records: [{ type: 'TXT' as const, name: 'async', content: 'v=1', ttl: 300, proxied: false }] } };

    const t0 = Date.now();
    const posted = await planJob(h.deps, actor, input);
    const postMs = Date.now() - t0;
    expect(posted).toMatchObject({ status: 'planning', planning: { zonesTotal: null, zonesPlanned: 0 }, plan: { zones: [], chunks: 0 } });
    expect(h.requests()).toBe(0); // the request read nothing from Cloudflare
    expect(h.queue.messages.map((m) => m.m.kind)).toEqual(['plan-job']);

    // Part of the way: the job shows how far planning got.
    await pump(h.deps, h.queue, { concurrency: 8, only: isPlanningWork, until: async () => ((await getJob(h!.deps, actor, posted.id)).planning?.zonesPlanned ?? 0) >= 50 });
    const midway = await getJob(h.deps, actor, posted.id);
    expect(midway.status).toBe('planning');
    expect(midway.planning).toMatchObject({ zonesTotal: 1000 });
    expect(midway.planning!.zonesPlanned).toBeGreaterThanOrEqual(50);
    expect(midway.planning!.zonesPlanned).toBeLessThan(1000);

    await pump(h.deps, h.queue, { concurrency: 8, only: isPlanningWork });
    const planned = await getJob(h.deps, actor, posted.id);
    expect(planned).toMatchObject({ status: 'planned', planning: null, problem: null, plan: { zonesTotal: 1000, totalChanges: 1000, chunks: 1000 } });
    expect(planned.plan.zones).toHaveLength(100); // the first zones; the rest are paged
    let zonesSeen = 0;
    for (let cursor: string | undefined, pages = 0; pages === 0 || cursor; pages++) {
      const page = await listZones(h.deps, actor, posted.id, { cursor, limit: 100 });
      zonesSeen += page.zones.length;
      cursor = page.nextCursor ?? undefined;
    }
    expect(zonesSeen).toBe(1000);
    // ~380 B of summary per zone made a 1,000-zone item exceed 400 KB; now it holds totals only.
    const plannedBytes = await jobItemBytes(h, posted.id, actor.tenant);
    expect(plannedBytes).toBeLessThan(4096);

    const t1 = Date.now();
    const applying = await applyJob(h.deps, actor, posted.id, { force: false, mode: 'server' });
    const applyMs = Date.now() - t1;
    expect(applying).toMatchObject({ status: 'checking', checking: { zonesTotal: 1000, zonesChecked: 0 } });
    expect(h.queue.messages.map((m) => m.m.kind)).toEqual(['check-job']);
    await pump(h.deps, h.queue, { concurrency: 8 });
    const done = await getJob(h.deps, actor, posted.id);
    expect(done).toMatchObject({ status: 'done', checking: null, counts: expect.objectContaining({ total: 1000, done: 1000, failed: 0 }) });
    for (const z of zoneIds) expect(zoneRecords(h.sb, z).filter((l) => l.startsWith('TXT|async.'))).toHaveLength(1);
    expect(await jobItemBytes(h, posted.id, actor.tenant)).toBeLessThan(4096);
    const items = await listItems(h.deps, actor, posted.id, { limit: 3 });
    expect(items.items.map((i) => i.zoneName)).toEqual(planned.plan.zones.slice(0, 3).map((z) => z.zoneName));
    // Both requests did O(1) work: DynamoDB writes and one message, however many zones.
    expect(postMs).toBeLessThan(3000);
    expect(applyMs).toBeLessThan(3000);
    console.log(`1,000 zones: POST /jobs ${postMs} ms, apply ${applyMs} ms, job item ${plannedBytes} B planned`);
  });

  test('planning fails with its reason (token refused, unknown zone) and never hangs; a failed revert plan frees its claim', async () => {
    let refuse = true;
    h = await startHarness({
      sandbox: { seed: { zones: 3, recordsPerZone: 40, plan: 'free' }, timeScale: 100 },
      wrapApi: (api): CfApi => ({
        ...api,
        async listRecords(zoneId) {
          if (refuse) throw new CfCallError('auth', '10000: Authentication error', { status: 403 });
          return api.listRecords(zoneId);
        },
      }),
    });
    const actor = h.actor('free');
    const zones = [...h.sb.state.zones.keys()];
    const failed = await h.plan(actor, { kind: 'dns-delete', accountId: h.accountId, zones, params: { match: { types: ['TXT'] } } });
    expect(failed).toMatchObject({ status: 'plan-failed', problem: { code: 'cloudflare-auth', message: expect.stringMatching(/Authentication error/) } });
    expect(failed.finishedAt).toBeTruthy();
    expect((await listEvents(h.deps, actor, failed.id)).map((e) => e.type)).toContain('plan-failed');
    expect(h.queue.messages).toEqual([]);
    // The sweeper's index forgot it.
    expect((await h.deps.store.listActive()).map((a) => a.jobId)).not.toContain(failed.id);

    refuse = false;
    const fine = await h.plan(actor, { kind: 'dns-delete', accountId: h.accountId, zones, params: { match: { types: ['TXT'] } } });
    expect(fine.status).toBe('planned');
    await h.apply(actor, fine.id, { force: true, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 4 });
    const applied = await getJob(h.deps, actor, fine.id);
    expect(applied).toMatchObject({ status: 'done', counts: expect.objectContaining({ done: fine.plan.totalChanges }) });

    // A revert is planned on the workers too; one whose planning fails frees its claim on the job.
    refuse = true;
    const refusedRevert = await h.revert(actor, fine.id);
    expect(refusedRevert).toMatchObject({ status: 'plan-failed', revertOf: fine.id, problem: { code: 'cloudflare-auth' } });
    expect((await getJob(h.deps, actor, fine.id)).revertedBy).toBeNull();
    refuse = false;
    const revert = await h.revert(actor, fine.id);
    expect(revert).toMatchObject({ status: 'planned', revertOf: fine.id, needsForce: false, plan: { zonesTotal: 3, totalChanges: applied.counts.done } });
    expect((await getJob(h.deps, actor, fine.id)).revertedBy).toBe(revert.id);
    // An unknown zone: the selection is refused with the field, as the synchronous 400 was.
    const unknown = await h.plan(actor, { kind: 'dns-delete', accountId: h.accountId, zones: ['0'.repeat(32)], params: { match: { types: ['TXT'] } } });
    expect(unknown).toMatchObject({ status: 'plan-failed', problem: { code: 'invalid-selection', extra: { fields: [expect.objectContaining({ field: 'zones' })] } } });
  });

  test('a cancel that reads the job planning while planning completes still cancels it (read again, no 409)', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 3, recordsPerZone: 5, plan: 'free' }, timeScale: 100 } });
    const actor = h.actor('free');
    const input = { kind: 'dns-replace' as const, accountId: h.accountId, zones: [...h.sb.state.zones.keys()], params: { match: { types: ['TXT' as const] }, set: { ttl: 900 } } };
    const job = await planJob(h.deps, actor, input);
    expect((await getJob(h.deps, actor, job.id)).status).toBe('planning');
    // The planner finishes right after the cancel read the job as planning.
    const harness = h;
    let raced = false;
    const store = {
      ...h.deps.store,
      cancelPlanning: async (...args: Parameters<typeof harness.deps.store.cancelPlanning>) => {
        if (!raced) {
          raced = true;
          await pump(harness.deps, harness.queue, { concurrency: 2 });
          expect((await getJob(harness.deps, actor, job.id)).status).toBe('planned');
        }
        return harness.deps.store.cancelPlanning(...args);
      },
    };
    expect((await cancelJob({ ...h.deps, store }, actor, job.id)).status).toBe('cancelled');
    expect(raced).toBe(true);
  });

  test('cancel during planning and during the drift check: nothing applied, the slot given back', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 12, recordsPerZone: 30, plan: 'free' }, timeScale: 100 } });
    const actor = h.actor('free'); // one active job at a time
    const zones = [...h.sb.state.zones.keys()];
    const input = { kind: 'dns-replace' as const, accountId: h.accountId, zones, params: { match: { types: ['TXT' as const] }, set: { ttl: 900 } } };

    const a = await planJob(h.deps, actor, input);
    await pump(h.deps, h.queue, { concurrency: 2, until: async () => ((await getJob(h!.deps, actor, a.id)).planning?.zonesPlanned ?? 0) >= 2 });
    expect((await cancelJob(h.deps, actor, a.id)).status).toBe('cancelled');
    await pump(h.deps, h.queue, { concurrency: 4 });
    const cancelled = await getJob(h.deps, actor, a.id);
    expect(cancelled.status).toBe('cancelled');
    expect((await listEvents(h.deps, actor, a.id)).map((e) => e.type)).not.toContain('planned');

    const b = await h.plan(actor, input);
    expect(b.status).toBe('planned');
    await applyJob(h.deps, actor, b.id, { force: true, mode: 'server' });
    expect((await cancelJob(h.deps, actor, b.id)).status).toBe('cancelled');
    await pump(h.deps, h.queue, { concurrency: 4 });
    expect((await getJob(h.deps, actor, b.id)).counts.done).toBe(0);
    expect([...h.sb.state.zones.values()].flatMap((z) => [...z.records.values()]).filter((r) => r.ttl === 900)).toEqual([]);
    // b's slot was given back: another job of this free tier can be applied.
    const c = await h.plan(actor, input);
    expect((await h.apply(actor, c.id, { force: true, mode: 'server' })).status).toBe('queued');
  });

  test('planning survives a worker killed after writing a zone (re-planned, counted once) and lost messages (the sweeper restarts it)', async () => {
    let offset = 0;
    h = await startHarness({
      sandbox: { seed: { zones: 6, recordsPerZone: 30, plan: 'free' }, timeScale: 100 },
      now: () => Date.now() + offset,
      config: { leaseMs: 1500, visibilityMs: 60_000 },
    });
    const actor = h.actor('pro');
    const zones = [...h.sb.state.zones.keys()];
    const commit = h.deps.store.commitZonePlan;
    let kills = 0;
    h.deps.store.commitZonePlan = async (...args) => {
      if (kills < 2) {
        kills++;
        throw new Error('invocation killed'); // the zone's chunks and pages are written; its count is not
      }
      return commit(...args);
    };
    const job = await planJob(h.deps, actor, { kind: 'dns-replace', accountId: h.accountId, zones, params: { match: { types: ['TXT'] }, set: { ttl: 900 } } });
    const crashed: unknown[] = [];
    // Redelivered while the dead claim's lease runs (at least 5 s): 'busy' until it ends, then re-planned.
    await pump(h.deps, h.queue, { concurrency: 4, visibilityMs: 1000, maxReceiveCount: 10, onError: (e) => crashed.push(e) });
    expect(kills).toBe(2);
    expect(crashed).toHaveLength(2);
    const planned = await getJob(h.deps, actor, job.id);
    expect(planned.status).toBe('planned');
    const txt = zones.map((z) => zoneRecords(h!.sb, z).filter((l) => l.startsWith('TXT|')).length).reduce((a, b) => a + b, 0);
    expect(planned.plan.totalChanges).toBe(txt);
    expect(planned.counts.total).toBe(txt);
    const all = await listItems(h.deps, actor, job.id, { limit: 100 });
    expect(new Set(all.items.map((i) => i.seq)).size).toBe(all.items.length);

    // Lost messages: a planning job whose plan-job message vanished is restarted by the sweeper.
    const stalled = await planJob(h.deps, actor, { kind: 'dns-delete', accountId: h.accountId, zones, params: { match: { types: ['TXT'] } } });
    h.queue.messages.splice(0);
    offset += 5 * 60_000;
    // (The index is global: this pass sweeps only this test's job, so other suites' jobs are left alone.)
    const store = h.deps.store;
    const report = await sweep({ ...h.deps, store: { ...store, listActive: async () => (await store.listActive()).filter((a) => a.jobId === stalled.id) } });
    expect(report).toMatchObject({ jobs: 1, requeued: 1 });
    expect(h.queue.messages.map((x) => x.m.kind)).toEqual(['plan-job']);
    await pump(h.deps, h.queue, { concurrency: 4 });
    expect((await getJob(h.deps, actor, stalled.id)).status).toBe('planned');
  });
});
