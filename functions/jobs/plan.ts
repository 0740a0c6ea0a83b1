/**
 * Planning (POST /jobs): read the selected zones' current state once, compute
 * the exact per-zone diff (planner.ts), and store it encrypted as chunks and
 * plan pages under a `planned` job. Revert plans through `writePlan` too.
 */
import { randomBytes } from 'node:crypto';
import type { CreateJobInput } from '../contracts/jobs';
import { DomainError } from '../errors';
import type { Actor } from '../tenancy/actor';
import { readRetry } from './backoff';
import type { JobsDeps } from './deps';
import { mapLimit } from './map-limit';
import { chunkSk, ChunkEntity, iso, newJobId, pageSk, PageEntity, type ChunkRow, type JobKind, type JobRow, type PlanItem } from './model';
import { chunkSizeFor, paramsToStore, planPages, planZone, summarize, wantedRecords, type ZonePlan } from './planner';
import type { NewItem } from './table-writes';
import { toView, type JobView } from './views';
import { readZoneState, selectZones, upstream } from './zone-reads';
import { assertCan } from '../workspaces/permissions';

/** A fresh job id, for a job created at `now` (ids sort by creation time). */
export const nextJobId = (now: number) => newJobId(now, () => randomBytes(9).toString('base64url'));

/** POST /jobs: compute the exact per-zone diff from current state and store it encrypted. */
export async function planJob(deps: JobsDeps, actor: Actor, input: CreateJobInput): Promise<JobView> {
  assertCan(actor, 'jobs.plan');
  const cf = await deps.connect(actor.tenant, input.accountId);
  const wanted = wantedRecords(input);
  try {
    const zones = await readRetry(deps, () => selectZones(cf, input));
    const zonePlans = await mapLimit(zones, deps.config.readConcurrency, async (z) => planZone(input, z, await readRetry(deps, () => readZoneState(cf, input.kind, z.id)), wanted));
    const job = await writePlan(
      deps,
      actor,
      {
        kind: input.kind,
        accountId: input.accountId,
        params: { ...paramsToStore(input, wanted), selection: input.zones ? { zones: input.zones } : { zoneFilter: input.zoneFilter } },
        revertOf: null,
      },
      { zonePlans, threshold: input.safetyThreshold ?? deps.config.defaultThreshold },
    );
    return toView(job, deps.now());
  } catch (e) {
    throw upstream(e);
  }
}

export interface JobBase {
  kind: JobKind;
  accountId: string;
  params: unknown;
  revertOf: string | null;
  /** A revert's id, claimed before planning. @default a fresh id */
  jobId?: string;
}

/** The tier's operationsPerJob bounds the changes of a plan (and, loosely, its planned no-ops). */
function checkPlanSize(deps: JobsDeps, actor: Actor, zonePlans: readonly ZonePlan[]): number {
  const limits = deps.limits(actor.tier);
  const changes = zonePlans.reduce((n, z) => n + z.items.filter((i) => !i.skip).length, 0);
  if (changes > limits.operationsPerJob) {
    throw new DomainError('payload-too-large', `The plan has ${changes} changes; your tier allows ${limits.operationsPerJob} per job (operationsPerJob)`, {
      code: 'operations-per-job',
      extra: { limit: 'operationsPerJob', max: limits.operationsPerJob, requested: changes },
    });
  }
  const totalItems = zonePlans.reduce((n, z) => n + z.items.length, 0);
  if (totalItems > limits.operationsPerJob * 2 + 1000) {
    throw new DomainError('payload-too-large', `The plan lists ${totalItems} records; at most ${limits.operationsPerJob * 2 + 1000} (operationsPerJob)`, {
      code: 'operations-per-job',
      extra: { limit: 'operationsPerJob', max: limits.operationsPerJob, requested: totalItems },
    });
  }
  return changes;
}

/** Store a plan: its items cut into chunks (one Cloudflare call each) and pages, then the `planned` job. */
export async function writePlan(deps: JobsDeps, actor: Actor, base: JobBase, plan: { zonePlans: ZonePlan[]; threshold: number }): Promise<JobRow> {
  const changes = checkPlanSize(deps, actor, plan.zonePlans);
  const now = deps.now();
  const jobId = base.jobId ?? nextJobId(now);
  const summaries = plan.zonePlans.map((z) => summarize(z, plan.threshold));
  const rows: NewItem[] = [];
  let seq = 0;
  let n = 0;
  let settled = 0;
  for (const zp of plan.zonePlans) {
    // Changes first, planned no-ops after them, so chunks of no-ops settle at once.
    const ordered = [...zp.items.filter((i) => !i.skip), ...zp.items.filter((i) => i.skip)];
    const size = chunkSizeFor(base.kind, zp.zone);
    for (let i = 0; i < ordered.length; i += size) {
      const part = ordered.slice(i, i + size);
      const from = seq;
      const items: PlanItem[] = part.map((it) => ({ ...it, seq: seq++ }));
      const pages = planPages(items);
      pages.forEach((page, p) => rows.push({ entity: PageEntity, sk: pageSk(jobId, n, p), attrs: { items: page } }));
      const changesInChunk = items.filter((x) => !x.skip).length;
      if (changesInChunk === 0) settled++;
      const chunk: ChunkRow = {
        jobId,
        chunk: n,
        zoneId: zp.zone.id,
        from,
        to: seq,
        pages: pages.length,
        changes: changesInChunk,
        status: changesInChunk === 0 ? 'done' : 'pending',
        attempts: 0,
        leaseUntil: 0,
        owner: null,
        ambiguous: false,
        only: null,
        settledAt: changesInChunk === 0 ? iso(now) : null,
        outcome: { created: {}, failed: {}, error: null },
      };
      rows.push({ entity: ChunkEntity, sk: chunkSk(jobId, n), attrs: { ...chunk } });
      n++;
    }
  }
  const job: JobRow = {
    jobId,
    kind: base.kind,
    accountId: base.accountId,
    status: 'planned',
    mode: null,
    tier: actor.tier,
    createdAt: iso(now),
    appliedAt: null,
    finishedAt: null,
    lastActivityAt: null,
    safetyThreshold: plan.threshold,
    needsForce: summaries.some((s) => s.overThreshold),
    chunks: n,
    chunksSettled: settled,
    total: seq,
    done: 0,
    failed: 0,
    skipped: summaries.reduce((k, s) => k + s.skipped, 0),
    cancelled: 0,
    revertOf: base.revertOf,
    revertedBy: null,
    plannedBy: actor.memberId,
    approvedBy: null,
    approvedAt: null,
    params: base.params,
    zones: summaries,
  };
  await deps.store.createPlan(actor.tenant, job, rows);
  await deps.store.addEvent(actor.tenant, jobId, { type: 'planned', done: 0, failed: 0, message: `${changes} changes in ${summaries.length} zones` }, deps.now());
  return job;
}
