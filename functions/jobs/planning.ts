/**
 * Planning, worker side (tier queue messages; see plan.ts for the request side):
 *
 *   plan-job   list the selection (one GET /zones page per 50 zones) → one JZONE item per zone,
 *              `zonesTotal` set once → one plan-zone message per zone not planned yet
 *   plan-zone  claim the zone (conditional, leased) → read its state once → plan it → put its chunks
 *              and pages (idempotent keys; a previous claimant's leftovers deleted first) → commit:
 *              zone `planned` + job counters in one transaction (exactly once) → the commit that
 *              makes zonesPlanned = zonesTotal flips the job to `planned` (conditional, once)
 *
 * A zone is held in memory alone (its records, its plan): 1,000 zones never meet in one process.
 * Any failure that is not worth retrying ends the job `plan-failed` with the problem; cancel
 * (status no longer `planning`) makes every later step a no-op.
 */
import { LimiterDeferral } from '../cloudflare/wait-bound';
import type { Tenant } from '../tenancy/tenant';
import { readRetry } from './backoff';
import type { JobsDeps } from './deps';
import { messageTenant, planZoneMessage, type JobMessage } from './messages';
import { MAX_LISTED_CHUNKS } from '../contracts/jobs';
import { zoneSk, ZoneEntity, type JobProblem, type JobRow, type RecordLite, type ZoneRow } from './model';
import { planSizeError, problemOf, refusedByPlan, zonePlanRows } from './plan';
import { planZone, summarize, type JobRequest } from './planner';
import { chunkNumbers, findJob, findZone, forEachZone, loadJob, loadRequest, zoneItemKeys } from './reads';
import { leaseFor, RetryableError, type DeliveryOptions } from './retryable';
import { stepProblem } from './step-errors';
import { revertZone, revertZones } from './revert';
import { readZoneState, selectZones, selectZonesByName } from './zone-reads';
import { loadSyncZone, loadSyncZoneNames, planSyncZone } from './sync-plan';

export type StepResult = 'done' | 'busy';
type Msg<K extends JobMessage['kind']> = Extract<JobMessage, { kind: K }>;

/** plan-job: list the selection once, then fan out one plan-zone message per zone still to plan. */
export async function planJobStep(deps: JobsDeps, msg: Msg<'plan-job'>, o: DeliveryOptions): Promise<StepResult> {
  const tenant = messageTenant(msg);
  let job = await findJob(deps, tenant, msg.jobId);
  if (!job || job.status !== 'planning') return 'done';
  if (job.zonesTotal === null) {
    let zones;
    try {
      zones = job.revertOf ? await revertZones(deps, tenant, job.revertOf) : await listSelection(deps, tenant, job);
    } catch (e) {
      const problem = stepProblem(e, o, 'listing the zones');
      await failPlan(deps, tenant, job.jobId, problem.code === 'invalid' ? { ...problem, code: 'invalid-selection' } : problem);
      return 'done';
    }
    const rows = zones.map((zone, index) => {
      const row: ZoneRow = { jobId: job!.jobId, index, status: 'pending', owner: null, leaseUntil: 0, attempts: 0, chunks: 0, checkedRound: 0, driftedRound: 0, zone, summary: null };
      return { entity: ZoneEntity, sk: zoneSk(job!.jobId, index), attrs: { ...row } };
    });
    // Zone items before the total: nothing plans a zone until zonesTotal is set (once). Each item is
    // created once, so a concurrent second listing (a redelivery) cannot reset a zone already planned.
    await deps.store.createZones(tenant, rows);
    await deps.store.setZonesTotal(tenant, job.jobId, zones.length, deps.now());
    job = await loadJob(deps, tenant, job.jobId);
    if (job.status !== 'planning') return 'done';
  }
  const fanned = job;
  await forEachZone(deps, tenant, fanned, async (zones) => {
    const todo = zones.filter((z) => z.status !== 'planned');
    if (todo.length) await deps.queue.send(fanned.tier, todo.map((z) => planZoneMessage(tenant, fanned.jobId, z.index)));
  });
  await maybeCompletePlan(deps, tenant, job.jobId);
  return 'done';
}

/** The zones the request selected (listed ids, or a name filter), as Cloudflare lists them now. */
async function listSelection(deps: JobsDeps, tenant: Tenant, job: JobRow) {
  const cf = await deps.connect(tenant, job.accountId);
  if (job.kind === 'dns-sync') {
    const names = await loadSyncZoneNames(deps, tenant, job.jobId);
    return readRetry(deps, () => selectZonesByName(cf, names));
  }
  const { zoneIds } = await loadRequest(deps, tenant, job.jobId);
  const filter = (job.params as { selection?: { zoneFilter?: { nameContains: string } } }).selection?.zoneFilter;
  return readRetry(deps, () => selectZones(cf, zoneIds ? { zones: zoneIds } : { zoneFilter: filter }));
}

/** plan-zone: one zone, claimed, read, planned, stored and counted exactly once. */
export async function planZoneStep(deps: JobsDeps, msg: Msg<'plan-zone'>, o: DeliveryOptions): Promise<StepResult> {
  const tenant = messageTenant(msg);
  const job = await findJob(deps, tenant, msg.jobId);
  if (!job || job.status !== 'planning') return 'done';
  const zone = await findZone(deps, tenant, msg.jobId, msg.zone);
  if (!zone || (job.zonesTotal !== null && zone.index >= job.zonesTotal)) return 'done';
  if (zone.status === 'planned') {
    await maybeCompletePlan(deps, tenant, job.jobId);
    return 'done';
  }
  const leaseMs = leaseFor(deps.config.leaseMs, o);
  const claim = await deps.store.claimZone(tenant, job.jobId, zone.index, { owner: o.owner, now: deps.now(), leaseMs });
  if (!claim) {
    const again = await findZone(deps, tenant, job.jobId, zone.index);
    return again?.status === 'planned' ? 'done' : 'busy';
  }
  if (claim.attempts > deps.config.maxAttempts) {
    await failPlan(deps, tenant, job.jobId, { code: 'internal', message: `planning zone ${zone.zone.name} crashed on all ${claim.attempts - 1} deliveries` });
    return 'done';
  }
  // A previous claimant may have died mid-write: its chunks and pages (maybe more than this plan's) go first.
  if (claim.attempts > 1) await deps.store.deleteItems(tenant, await zoneItemKeys(deps, tenant, job.jobId, zone.index));
  let stored;
  try {
    stored = await planAndStoreZone(deps, tenant, job, zone);
  } catch (e) {
    let problem: JobProblem;
    try {
      problem = stepProblem(e, o, `planning zone ${zone.zone.name}`);
    } catch (retry) {
      if (retry instanceof RetryableError) await deps.store.releaseZone(tenant, job.jobId, zone.index, o.owner);
      // Waiting for a slot is no attempt: the claim goes back uncounted (nothing was stored yet).
      if (retry instanceof LimiterDeferral) await deps.store.releaseZone(tenant, job.jobId, zone.index, o.owner, { uncount: true });
      throw retry;
    }
    await failPlan(deps, tenant, job.jobId, problem);
    return 'done';
  }
  const r = await commitWithRetry(deps, () => deps.store.commitZonePlan(tenant, job.jobId, zone.index, o.owner, stored.summary, stored.totals, deps.now()));
  if (r === 'committed') await maybeCompletePlan(deps, tenant, job.jobId);
  return 'done';
}

/** Read the zone's state once, plan it, put its chunk and page items. */
async function planAndStoreZone(deps: JobsDeps, tenant: Tenant, job: JobRow, zone: ZoneRow) {
  const cf = await deps.connect(tenant, job.accountId);
  const state = () => readRetry(deps, () => readZoneState(cf, job.kind, zone.zone.id));
  const zp = job.revertOf
    ? await revertZone(deps, tenant, cf, job, zone)
    : job.kind === 'dns-sync'
      ? planSyncZone(zone.zone, (await state()).records ?? [], await loadSyncZone(deps, tenant, job.jobId, zone.index), job.params as { prune: boolean })
      : planZone({ kind: job.kind, params: job.params } as JobRequest, zone.zone, await state(), await wantedOf(deps, tenant, job));
  const { rows, totals } = zonePlanRows(job.jobId, zone.index, job.kind, zp, deps.now());
  await deps.store.putItems(tenant, rows);
  const summary = summarize(zp, job.safetyThreshold);
  return { summary, totals: { ...totals, refused: refusedByPlan(job.kind, summary) } };
}

/** Concurrent commits of one job conflict on its counters: retried (jittered). */
export async function commitWithRetry<R extends string>(deps: Pick<JobsDeps, 'sleep'>, commit: () => Promise<R | 'conflict'>): Promise<R | 'conflict'> {
  for (let attempt = 0; ; attempt++) {
    const r = await commit();
    if (r !== 'conflict' || attempt >= 50) return r;
    await deps.sleep(Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6)));
  }
}

// The records a create job plans into every zone, read once per container and job (a bounded cache).
const wantedCache = new Map<string, RecordLite[]>();
async function wantedOf(deps: JobsDeps, tenant: Tenant, job: JobRow): Promise<RecordLite[]> {
  if (job.kind !== 'dns-create' && job.kind !== 'bind-import') return [];
  const key = `${tenant.id}/${job.jobId}`;
  let wanted = wantedCache.get(key);
  if (!wanted) {
    wanted = (await loadRequest(deps, tenant, job.jobId)).records;
    if (wantedCache.size >= 4) wantedCache.delete(wantedCache.keys().next().value!);
    wantedCache.set(key, wanted);
  }
  return wanted;
}

/**
 * After a zone's commit: a plan over the tier's operationsPerJob fails at once (no need to read the
 * other zones); once every zone is planned the job becomes `planned` (once: conditional).
 */
export async function maybeCompletePlan(deps: JobsDeps, tenant: Tenant, jobId: string): Promise<void> {
  const job = await loadJob(deps, tenant, jobId);
  if (job.status !== 'planning' || job.zonesTotal === null) return;
  const tooLarge = planSizeError(deps, job, job.total - job.skipped, job.total);
  if (tooLarge) {
    await failPlan(deps, tenant, jobId, problemOf(tooLarge));
    return;
  }
  if (job.zonesPlanned < job.zonesTotal) return;
  const numbers = job.chunks <= MAX_LISTED_CHUNKS ? await chunkNumbers(deps, tenant, jobId) : null;
  if (await deps.store.completePlan(tenant, jobId, numbers)) {
    await deps.store.addEvent(tenant, jobId, { type: 'planned', done: 0, failed: 0, message: `${job.total - job.skipped} changes in ${job.zonesTotal} zones` }, deps.now());
    deps.log?.('plan: planned', { jobId, zones: job.zonesTotal, chunks: job.chunks });
  }
}

/** End planning with the problem (once; a cancelled job stays cancelled). A failed revert frees its claim on the reverted job. */
export async function failPlan(deps: JobsDeps, tenant: Tenant, jobId: string, problem: JobProblem): Promise<void> {
  if (await deps.store.failPlan(tenant, jobId, problem, deps.now())) {
    const { revertOf } = await loadJob(deps, tenant, jobId);
    if (revertOf) await deps.store.releaseRevert(tenant, revertOf, jobId);
    await deps.store.addEvent(tenant, jobId, { type: 'plan-failed', done: 0, failed: 0, message: problem.message }, deps.now());
    deps.log?.('plan: failed', { jobId, code: problem.code });
  }
}
