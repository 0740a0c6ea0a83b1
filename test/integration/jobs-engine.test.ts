/**
 * The jobs engine at the domain level: DynamoDB Local + KMS (global setup),
 * a Cloudflare sandbox per test, the in-memory queue harness. Checks the
 * issue's "done when": thousands of changes over tens of zones end exactly as
 * planned; with ~20% injected 429/5xx/timeouts (half of them after the write
 * was applied) and workers killed mid-batch, nothing is lost or duplicated and
 * the token is never blocked; cancel, retry, revert, drift refusal, limits.
 */
import { DomainError } from '../../functions/errors';
import type { CfApi } from '../../functions/cloudflare/bulk-client';
import { cancelJob } from '../../functions/jobs/cancel';
import type { ChunkMessage } from '../../functions/jobs/messages';
import { processChunk } from '../../functions/jobs/process-chunk';
import { getJob, listEvents, listItems } from '../../functions/jobs/queries';
import { retryJob } from '../../functions/jobs/retry';
import { revertJob } from '../../functions/jobs/revert';
import { sweep } from '../../functions/jobs/sweep';
import { planAndWait, pump, startHarness, zoneRecords, type Harness } from './jobs-harness';

jest.setTimeout(180_000);

async function expectProblem(p: Promise<unknown>, kind: string, code?: string): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).kind).toBe(kind);
    if (code) expect((e as DomainError).options.code).toBe(code);
    return e as DomainError;
  }
  throw new Error(`expected a ${kind} problem`);
}

function blockedRequests(h: Harness) {
  return h.sb.log.entries().filter((e) => e.rateLimited);
}

describe('jobs engine against the sandbox', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  test('dns-replace over 20 zones (~5k changes): safety threshold, then final state equals the plan; revert restores it', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 20, recordsPerZone: 500, plan: ['free', 'pro'] }, timeScale: 100 } });
    const actor = h.actor('pro');
    const zoneIds = [...h.sb.state.zones.keys()];
    const before = new Map(zoneIds.map((z) => [z, zoneRecords(h!.sb, z)]));
    const job = await h.plan(actor, {
      kind: 'dns-replace',
      accountId: h.accountId,
      zones: zoneIds,
      params: { match: { types: ['A'], content: { value: '198.51.', mode: 'contains' } }, set: { content: '203.0.' } },
    });
    expect(job.status).toBe('planned');
    expect(job.plan.totalChanges).toBeGreaterThan(4000);
    expect(job.needsForce).toBe(true);
    await expectProblem(h.apply(actor, job.id, { force: false, mode: 'server' }), 'precondition-failed', 'safety-threshold');

    const applied = await h.apply(actor, job.id, { force: true, mode: 'server' });
    expect(applied.status).toBe('queued');
    await pump(h.deps, h.queue, { concurrency: 8 });
    const done = await getJob(h.deps, actor, job.id);
    expect(done.status).toBe('done');
    expect(done.counts.done).toBe(job.plan.totalChanges);
    expect(done.counts.failed).toBe(0);
    expect(done.throughput).toBeGreaterThan(0);

    // Final state equals the plan: every planned after-image present, nothing else changed.
    for (const z of zoneIds) {
      const now = zoneRecords(h.sb, z);
      const expected = before.get(z)!.map((line) => {
        const [type, name, content, ttl, proxied, prio] = line.split('|');
        return type === 'A' && content!.includes('198.51.') ? [type, name, content!.replace('198.51.', '203.0.'), ttl, proxied, prio].join('|') : line;
      });
      expect(now).toEqual([...expected].sort());
    }
    // Requests: one zone list + 20 plan reads + 20 drift reads + one batch per chunk.
    expect(h.requests() / done.counts.done).toBeLessThan(0.02);
    expect(blockedRequests(h)).toEqual([]);

    const items = await listItems(h.deps, actor, job.id, { limit: 50 });
    expect(items.items).toHaveLength(50);
    expect(items.items.every((i) => i.status === 'done')).toBe(true);
    expect(items.nextCursor).not.toBeNull();
    const events = await listEvents(h.deps, actor, job.id);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['planned', 'queued', 'progress', 'done']));

    // Revert: a new job with the inverse, applied → the zones are as before.
    const rev = await h.revert(actor, job.id);
    expect(rev.kind).toBe('dns-replace');
    expect(rev.revertOf).toBe(job.id);
    expect(rev.plan.totalChanges).toBe(done.counts.done);
    await expectProblem(revertJob(h.deps, actor, job.id), 'conflict', 'job-reverted');
    await h.apply(actor, rev.id, { force: false, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 8 });
    expect((await getJob(h.deps, actor, rev.id)).status).toBe('done');
    for (const z of zoneIds) expect(zoneRecords(h.sb, z)).toEqual(before.get(z));
  });

  test('dns-create of 4,000 records under 20% faults and killed workers: nothing lost, nothing duplicated, token never blocked', async () => {
    let kills = 0;
    const wrap = (api: CfApi): CfApi => ({
      ...api,
      async batch(zoneId, body) {
        const r = await api.batch(zoneId, body);
        if (kills < 4) {
          kills++;
          // The batch was applied; the invocation dies before it can record anything.
          throw new Error('invocation killed');
        }
        return r;
      },
    });
    h = await startHarness({
      sandbox: {
        seed: { zones: 20, recordsPerZone: 20, plan: ['free', 'pro'] },
        timeScale: 100,
        faults: { rateLimit: 0.06, serverError: 0.08, timeout: 0.06, afterApply: 0.5, retryAfterSeconds: 30, seed: 11 },
      },
      timeoutMs: 500,
      wrapApi: wrap,
      config: { maxAttempts: 8, leaseMs: 1500 },
    });
    // Free zones from before 2024-09 (1,000-record quota): 20 + 200 records fit (a newer Free zone holds 200).
    for (const zs of h.sb.state.zones.values()) zs.zone.created_on = '2024-08-01T00:00:00Z';
    const actor = h.actor('pro');
    const zoneIds = [...h.sb.state.zones.keys()];
    const records = Array.from({ length: 200 }, (_, i) => ({ type: 'TXT' as const, name: `bulk-${i}`, content: `v=${i}`, ttl: 300, proxied: false }));
    // Planning runs on the workers under the same faults, and two planning workers die after
    // storing a zone's chunks but before counting it: the zone is planned again, counted once.
    const commit = h.deps.store.commitZonePlan;
    let planKills = 0;
    h.deps.store.commitZonePlan = async (...args) => {
      if (planKills++ < 2) throw new Error('invocation killed');
      return commit(...args);
    };
    const job = await planAndWait(h.deps, h.queue, actor, { kind: 'dns-create', accountId: h.accountId, zones: zoneIds, params: { records } }, { maxReceiveCount: 8, visibilityMs: 2000 });
    expect(planKills).toBeGreaterThan(2);
    expect(job).toMatchObject({ status: 'planned', plan: { zonesTotal: 20 } });
    expect(job.plan.totalChanges).toBe(4000);
    expect(job.counts.total).toBe(4000);
    await h.apply(actor, job.id, { force: false, mode: 'server' });
    const crashed: unknown[] = [];
    await pump(h.deps, h.queue, { concurrency: 8, maxReceiveCount: 8, visibilityMs: 2000, onError: (e) => crashed.push(e) });
    expect(kills).toBe(4);
    expect(crashed.length).toBeGreaterThanOrEqual(4);
    const final = await getJob(h.deps, actor, job.id);
    expect(final.counts).toMatchObject({ total: 4000, done: 4000, failed: 0 });
    expect(final.status).toBe('done');
    for (const z of zoneIds) {
      const txt = zoneRecords(h.sb, z).filter((l) => l.includes('|bulk-'));
      expect(txt).toHaveLength(200); // every record exactly once
      expect(new Set(txt).size).toBe(200);
    }
    const log = h.sb.log.entries();
    expect(log.filter((e) => e.fault).length).toBeGreaterThan(5);
    expect(log.filter((e) => e.afterApply).length).toBeGreaterThan(0);
    expect(blockedRequests(h)).toEqual([]);
    expect(h.queue.dlq).toEqual([]);
    // Created ids were recorded (also for chunks settled by reconcile): revert deletes them all.
    const rev = await h.revert(actor, job.id);
    expect(rev.plan.totalChanges).toBe(4000);
  });

  test('drift since the plan → the check refuses the apply (back to planned, re-plan hint); cancel; retry of failed items', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 6, recordsPerZone: 30, plan: 'free' }, timeScale: 100 }, config: { maxAttempts: 2, triesPerAttempt: 2, leaseMs: 1500 } });
    const actor = h.actor('pro');
    const zoneIds = [...h.sb.state.zones.keys()];
    const params = { match: { name: { value: 'host-000*', mode: 'pattern' as const } }, set: { ttl: 600 } };

    const drifting = await h.plan(actor, { kind: 'dns-replace', accountId: h.accountId, zones: zoneIds, params });
    const zs = h.sb.state.zones.get(zoneIds[2]!)!;
    const someone = [...zs.records.values()][7]!;
    zs.records.set(someone.id, { ...someone, ttl: 3600 });
    // The drift check runs on the tier queue: the job comes back `planned`, carrying the problem.
    const refused = await h.apply(actor, drifting.id, { force: true, mode: 'server' });
    expect(refused.status).toBe('planned');
    expect(refused.problem).toMatchObject({ code: 'plan-drifted', zones: [expect.objectContaining({ zoneId: zoneIds[2] })] });
    expect(refused.problem?.extra?.replan).toBeDefined();
    expect(h.queue.messages).toEqual([]); // nothing enqueued
    expect((await listEvents(h.deps, actor, drifting.id)).map((e) => e.type)).toContain('drifted');

    // Cancel before any worker runs: every chunk is cancelled, nothing applied.
    const c = await h.plan(actor, { kind: 'dns-replace', accountId: h.accountId, zones: zoneIds, params });
    await h.apply(actor, c.id, { force: true, mode: 'server' });
    const cancelled = await cancelJob(h.deps, actor, c.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.counts.cancelled).toBe(c.plan.totalChanges);
    await pump(h.deps, h.queue, { concurrency: 4 });
    expect((await getJob(h.deps, actor, c.id)).counts.done).toBe(0);
    expect([...h.sb.state.zones.values()].flatMap((z) => [...z.records.values()]).filter((r) => r.ttl === 600)).toEqual([]);

    // Every batch fails (5xx before apply) → chunks fail after maxAttempts, items carry the reason.
    const r = await h.plan(actor, { kind: 'dns-replace', accountId: h.accountId, zones: zoneIds, params });
    await h.apply(actor, r.id, { force: true, mode: 'server' });
    h.sb.faults.set({ serverError: 1, serverErrorStatuses: [503], pathPrefixes: ['/zones/'], methods: ['POST'] });
    await pump(h.deps, h.queue, { concurrency: 4, maxReceiveCount: 2, visibilityMs: 3000 });
    const failed = await getJob(h.deps, actor, r.id);
    expect(failed.status).toBe('failed');
    expect(failed.counts.failed).toBe(r.plan.totalChanges);
    expect(h.queue.dlq.length).toBe(r.plan.chunks);
    const failedItems = await listItems(h.deps, actor, r.id, { limit: 5, status: 'failed' });
    expect(failedItems.items[0]!.error).toMatch(/gave up after 2 deliveries/);
    h.queue.dlq.length = 0;

    h.sb.faults.clear();
    const retried = await retryJob(h.deps, actor, r.id);
    expect(retried.status).toBe('queued');
    expect(retried.counts.failed).toBe(0);
    await pump(h.deps, h.queue, { concurrency: 4 });
    const ok = await getJob(h.deps, actor, r.id);
    expect(ok.status).toBe('done');
    expect(ok.counts.done).toBe(r.plan.totalChanges);
  });

  test('tier limits: changes per job → plan-failed naming the limit, concurrent jobs → 429', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 3, recordsPerZone: 500, plan: 'free' }, timeScale: 100 } });
    const free = h.actor('free');
    const zoneIds = [...h.sb.state.zones.keys()];
    const big = await h.plan(free, { kind: 'dns-delete', accountId: h.accountId, zones: zoneIds, params: { match: { types: ['A', 'AAAA', 'TXT'] } } });
    expect(big.status).toBe('plan-failed');
    expect(big.problem).toMatchObject({ code: 'operations-per-job', extra: { limit: 'operationsPerJob', max: 1000 } });

    const params = { match: { name: { value: 'host-000*', mode: 'pattern' as const } }, set: { ttl: 600 } };
    const a = await h.plan(free, { kind: 'dns-replace', accountId: h.accountId, zones: zoneIds, params });
    const b = await h.plan(free, { kind: 'dns-replace', accountId: h.accountId, zones: zoneIds, params });
    await h.apply(free, a.id, { force: true, mode: 'server' });
    const busy = await expectProblem(h.apply(free, b.id, { force: true, mode: 'server' }), 'limit-exceeded', 'concurrent-jobs');
    expect(busy.options.extra).toMatchObject({ limit: 'concurrentJobs', max: 1 });
    await pump(h.deps, h.queue, { concurrency: 2 });
    expect((await getJob(h.deps, free, a.id)).status).toBe('done');
    // The slot is free again, but b's zones changed meanwhile (a touched them): drift.
    expect((await h.apply(free, b.id, { force: true, mode: 'server' })).problem).toMatchObject({ code: 'plan-drifted' });
    // The refused apply gave its slot back: a is done, b refused, so another apply is not over the limit.
    expect((await h.apply(free, b.id, { force: true, mode: 'server' })).problem?.code).toBe('plan-drifted');
  });
  test('sweeper: a chunk whose worker died after sending and whose message is gone is re-enqueued and reconciled, not applied twice', async () => {
    let offset = 0;
    let killNext = 2;
    h = await startHarness({
      sandbox: { seed: { zones: 2, recordsPerZone: 20, plan: 'free' }, timeScale: 100 },
      now: () => Date.now() + offset,
      config: { maxAttempts: 2, leaseMs: 10_000, visibilityMs: 60_000 },
      wrapApi: (api) => ({
        ...api,
        async batch(zoneId, body) {
          const r = await api.batch(zoneId, body);
          if (killNext-- > 0) throw new Error('invocation killed'); // applied, then the worker dies
          return r;
        },
      }),
    });
    const actor = h.actor('pro');
    const zoneIds = [...h.sb.state.zones.keys()];
    const job = await h.plan(actor, { kind: 'dns-create', accountId: h.accountId, zones: zoneIds, params: { records: [{ type: 'TXT', name: 'swept', content: 'v=1', ttl: 300, proxied: false }] } });
    await h.apply(actor, job.id, { force: false, mode: 'server' });
    const [m0, m1] = h.queue.messages.splice(0).map((x) => x.m as ChunkMessage);
    // Chunk 0: the worker dies after the batch was applied and the message is lost (e.g. DLQ'd elsewhere).
    await expect(processChunk(h.deps, m0!, { owner: 'w1', receiveCount: 1, maxReceiveCount: 5 })).rejects.toThrow('invocation killed');
    // Chunk 1: dies on its first two deliveries (= maxAttempts): its message is in the DLQ.
    await expect(processChunk(h.deps, m1!, { owner: 'w2', receiveCount: 1, maxReceiveCount: 2 })).rejects.toThrow('invocation killed');
    offset += 11_000; // lease over
    await expect(processChunk(h.deps, m1!, { owner: 'w3', receiveCount: 2, maxReceiveCount: 2 })).resolves.toBe('settled');
    // (the second delivery reconciled: the first attempt's batch was there → done, not applied twice)
    expect((await getJob(h.deps, actor, job.id)).counts.done).toBe(1);

    offset += 80_000; // past lease + visibility
    const report = await sweep(h.deps);
    expect(report.requeued).toBeGreaterThanOrEqual(1); // the index is global: other suites' jobs may be swept too
    expect(h.queue.messages.filter((x) => x.m.jobId === job.id).map((x) => x.m)).toEqual([m0]);
    h.queue.messages.splice(0, h.queue.messages.length, ...h.queue.messages.filter((x) => x.m.jobId === job.id));
    await pump(h.deps, h.queue, { concurrency: 1 });
    const done = await getJob(h.deps, actor, job.id);
    expect(done).toMatchObject({ status: 'done', counts: expect.objectContaining({ done: 2, failed: 0 }) });
    for (const z of zoneIds) expect(zoneRecords(h.sb, z).filter((l) => l.includes('swept.'))).toHaveLength(1);
    // The finished job left the active index (the index is global: other suites' jobs may be in it).
    await sweep(h.deps);
    expect((await h.deps.store.listActive()).map((a) => a.jobId)).not.toContain(job.id);
  });

  test('sweeper fails a chunk that crashed on every delivery (message in the DLQ)', async () => {
    let offset = 0;
    h = await startHarness({
      sandbox: { seed: { zones: 1, recordsPerZone: 20, plan: 'free' }, timeScale: 100 },
      now: () => Date.now() + offset,
      config: { maxAttempts: 2, leaseMs: 10_000, visibilityMs: 60_000 },
      wrapApi: (api) => ({
        ...api,
        async batch() {
          throw new Error('invocation killed before sending');
        },
      }),
    });
    const actor = h.actor('pro');
    const job = await h.plan(actor, { kind: 'dns-create', accountId: h.accountId, zones: [...h.sb.state.zones.keys()], params: { records: [{ type: 'TXT', name: 'dlq', content: 'v=1', ttl: 300, proxied: false }] } });
    await h.apply(actor, job.id, { force: false, mode: 'server' });
    const m = h.queue.messages.splice(0)[0]!.m as ChunkMessage;
    for (let d = 1; d <= 2; d++) {
      await expect(processChunk(h.deps, m, { owner: `w${d}`, receiveCount: d, maxReceiveCount: 2 })).rejects.toThrow('killed');
      offset += 11_000;
    }
    offset += 80_000;
    expect(await sweep(h.deps)).toMatchObject({ failed: 1 }); // settling the last chunk finalizes the job
    const j = await getJob(h.deps, actor, job.id);
    expect(j).toMatchObject({ status: 'failed', counts: expect.objectContaining({ failed: 1 }) });
    const items = await listItems(h.deps, actor, job.id, { limit: 5, status: 'failed' });
    expect(items.items[0]!.error).toMatch(/crashed on all 2 deliveries/);
  });
  test('zone-settings (one PATCH per zone, revertible) and cache-purge (one request per zone)', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 4, recordsPerZone: 5, plan: ['free', 'pro'] }, timeScale: 100 } });
    const actor = h.actor('pro');
    const zoneIds = [...h.sb.state.zones.keys()];
    const ssl = (z: string) => h!.sb.state.zones.get(z)!.settings.get('ssl')!.value;
    const before = zoneIds.map(ssl);
    const job = await h.plan(actor, { kind: 'zone-settings', accountId: h.accountId, zones: zoneIds, params: { settings: { ssl: 'strict', min_tls_version: '1.2' } } });
    expect(job.plan.chunks).toBe(4);
    await h.apply(actor, job.id, { force: false, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 4 });
    expect((await getJob(h.deps, actor, job.id)).status).toBe('done');
    expect(zoneIds.map(ssl)).toEqual(zoneIds.map(() => 'strict'));
    const patches = h.sb.log.entries().filter((e) => e.method === 'PATCH');
    expect(patches).toHaveLength(4);
    const rev = await h.revert(actor, job.id);
    await h.apply(actor, rev.id, { force: false, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 4 });
    expect(zoneIds.map(ssl)).toEqual(before);

    const purge = await h.plan(actor, { kind: 'cache-purge', accountId: h.accountId, zones: zoneIds, params: { everything: true } });
    await h.apply(actor, purge.id, { force: false, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 4 });
    expect((await getJob(h.deps, actor, purge.id)).counts.done).toBe(4);
    expect(zoneIds.map((z) => h!.sb.state.zones.get(z)!.purges.length)).toEqual([1, 1, 1, 1]);
    await expectProblem(revertJob(h.deps, actor, purge.id), 'conflict', 'nothing-to-revert');
  });

  test('bind-import: a BIND template into many zones (records already present are skipped)', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 5, recordsPerZone: 10, plan: 'free' }, timeScale: 100 } });
    const actor = h.actor('pro');
    const zoneIds = [...h.sb.state.zones.keys()];
    const bind = `$ORIGIN template.example.\n$TTL 3600\n@ IN SOA ns1 admin 1 7200 3600 1209600 3600\napi IN A 192.0.2.50\nstatic IN CNAME cdn.example.net.\n@ IN TXT "v=spf1 include:_spf.example.net ~all"\n`;
    const job = await h.plan(actor, { kind: 'bind-import', accountId: h.accountId, zones: zoneIds, params: { bind, proxied: false } });
    expect(job.plan.totalChanges).toBe(10);
    expect(job.counts.skipped).toBe(5); // the seeded SPF record already exists in every zone
    await h.apply(actor, job.id, { force: false, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 4 });
    expect((await getJob(h.deps, actor, job.id)).status).toBe('done');
    for (const z of zoneIds) {
      const name = h.sb.state.zones.get(z)!.zone.name;
      expect(zoneRecords(h.sb, z)).toEqual(expect.arrayContaining([`A|api.${name}|192.0.2.50|3600|false|`, `CNAME|static.${name}|cdn.example.net|3600|false|`]));
    }
  });
});
