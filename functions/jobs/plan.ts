/**
 * Planning, request side (POST /jobs): validate, check the connection, store a `planning` job (its
 * request split into JREQ pages) and enqueue a `plan-job` message on the tier queue; the tier worker
 * plans (planning.ts). Also what both sides share: a zone's plan as chunk and page items
 * (`zonePlanRows`) and the tier's plan-size limit. Revert stores its plan at once (`writePlan`).
 */
import { randomBytes } from 'node:crypto';
import { MAX_LISTED_CHUNKS, type CreateJobInput } from '../contracts/jobs';
import { DomainError } from '../errors';
import type { Actor } from '../tenancy/actor';
import type { JobsDeps } from './deps';
import { planJobMessage } from './messages';
import {
  chunkSk,
  ChunkEntity,
  CHUNKS_PER_ZONE,
  iso,
  newJobId,
  pageSk,
  PageEntity,
  requestSk,
  RequestPageEntity,
  SEQ_PER_ZONE,
  zoneSk,
  ZoneEntity,
  type ChunkRow,
  type JobKind,
  type JobProblem,
  type JobRow,
  type PlanItem,
  type RecordLite,
  type ZoneRow,
  type ZoneSummary,
} from './model';
import { byteSizedPages, chunkSizeFor, paramsToStore, planPages, stateNeeded, summarize, wantedRecords, type ZonePlan } from './planner';
import { zoneQuota } from './quota';
import { syncParamsToStore, syncRequestPages } from './sync-plan';
import { desiredZones } from './sync-planner';
import type { ZonePlanTotals } from './store';
import type { NewItem } from './table-writes';
import { jobView, type JobView } from './views';
import { assertCan } from '../workspaces/permissions';

/** A fresh job id, for a job created at `now` (ids sort by creation time). */
export const nextJobId = (now: number) => newJobId(now, () => randomBytes(9).toString('base64url'));

/** POST /jobs: answers at once with a `planning` job; the tier worker reads the zones and stores the plan. */
export async function planJob(deps: JobsDeps, actor: Actor, input: CreateJobInput): Promise<JobView> {
  assertCan(actor, 'jobs.plan');
  if (input.kind === 'dns-sync') return planSyncJob(deps, actor, input);
  await deps.connect(actor.tenant, input.accountId); // 404 now when the account is not connected
  const wanted = wantedRecords(input); // CSV / BIND errors: 400 now
  const jobId = nextJobId(deps.now());
  return startPlanning(
    deps,
    actor,
    {
      jobId,
      kind: input.kind,
      accountId: input.accountId,
      threshold: input.safetyThreshold ?? deps.config.defaultThreshold,
      params: { ...paramsToStore(input, wanted), selection: input.zones ? { zones: input.zones.length } : { zoneFilter: input.zoneFilter } },
      revertOf: null,
    },
    requestPages(jobId, input.zones, wanted),
  );
}

/** dns-sync: the file's records checked (400 with the field) and stored per zone; the selection is its zone names. */
async function planSyncJob(deps: JobsDeps, actor: Actor, input: Extract<CreateJobInput, { kind: 'dns-sync' }>): Promise<JobView> {
  const zones = desiredZones(input.params);
  await deps.connect(actor.tenant, input.accountId);
  const jobId = nextJobId(deps.now());
  const threshold = input.safetyThreshold ?? deps.config.defaultThreshold;
  return startPlanning(deps, actor, { jobId, kind: input.kind, accountId: input.accountId, threshold, params: syncParamsToStore(input.params, zones), revertOf: null }, syncRequestPages(jobId, zones));
}

/** A `planning` job (with its request pages) and its `plan-job` message on the tier queue. */
export async function startPlanning(deps: JobsDeps, actor: Actor, j: Omit<NewJob, 'status'>, requestRows: readonly NewItem[]): Promise<JobView> {
  const job = newJobRow(actor, deps.now(), { ...j, status: 'planning' });
  await deps.store.createPlanning(actor.tenant, job, requestRows);
  await deps.queue.send(actor.tier, [planJobMessage(actor.tenant, job.jobId)]);
  deps.log?.('plan: enqueued', { jobId: job.jobId });
  return jobView(deps, actor.tenant, job.jobId);
}

/** What the planner reads beyond the job's params: the listed zone ids, the records to create (split by bytes). */
function requestPages(jobId: string, zoneIds: readonly string[] | undefined, wanted: readonly RecordLite[]): NewItem[] {
  const pages: NewItem[] = [];
  if (zoneIds) pages.push({ entity: RequestPageEntity, sk: requestSk(jobId, 0), attrs: { zoneIds: [...zoneIds] } });
  for (const records of byteSizedPages(wanted)) pages.push({ entity: RequestPageEntity, sk: requestSk(jobId, pages.length), attrs: { records } });
  return pages;
}

interface NewJob {
  jobId: string;
  kind: JobKind;
  accountId: string;
  status: 'planning' | 'planned';
  threshold: number;
  params: unknown;
  revertOf: string | null;
}

function newJobRow(actor: Actor, now: number, j: NewJob): JobRow {
  return {
    jobId: j.jobId,
    kind: j.kind,
    accountId: j.accountId,
    status: j.status,
    mode: null,
    tier: actor.tier,
    createdAt: iso(now),
    appliedAt: null,
    finishedAt: null,
    lastActivityAt: iso(now),
    safetyThreshold: j.threshold,
    needsForce: false,
    chunks: 0,
    chunksSettled: 0,
    total: 0,
    done: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
    revertOf: j.revertOf,
    revertedBy: null,
    plannedBy: actor.memberId,
    approvedBy: null,
    approvedAt: null,
    params: j.params,
    zonesTotal: null,
    zonesPlanned: 0,
    zonesRefused: 0,
    checkRound: 0,
    zonesChecked: 0,
    zonesDrifted: 0,
    chunkNumbers: null,
    problem: null,
  };
}

/** A problem as the job carries it. */
export const problemOf = (e: DomainError): JobProblem => ({
  code: e.options.code ?? e.kind,
  message: e.message,
  ...(e.options.extra || e.options.fields ? { extra: { ...(e.options.extra ?? {}), ...(e.options.fields ? { fields: e.options.fields } : {}) } } : {}),
});

/** The tier's operationsPerJob bounds the changes of a plan (and, loosely, its planned no-ops). */
export function planSizeError(deps: Pick<JobsDeps, 'limits'>, actor: Pick<Actor, 'tier'>, changes: number, totalItems: number): DomainError | undefined {
  const limits = deps.limits(actor.tier);
  if (changes > limits.operationsPerJob) {
    return new DomainError('payload-too-large', `The plan has ${changes} changes; your tier allows ${limits.operationsPerJob} per job (operationsPerJob)`, {
      code: 'operations-per-job',
      extra: { limit: 'operationsPerJob', max: limits.operationsPerJob, requested: changes },
    });
  }
  if (totalItems > limits.operationsPerJob * 2 + 1000) {
    return new DomainError('payload-too-large', `The plan lists ${totalItems} records; at most ${limits.operationsPerJob * 2 + 1000} (operationsPerJob)`, {
      code: 'operations-per-job',
      extra: { limit: 'operationsPerJob', max: limits.operationsPerJob, requested: totalItems },
    });
  }
  return undefined;
}

/** 1 when the zone's Cloudflare plan refuses the zone's plan (record quota, tags: quota.ts), else 0. */
export function refusedByPlan(kind: JobKind, summary: ZoneSummary): number {
  const q = zoneQuota(summary, stateNeeded(kind) === 'records');
  return q.overQuota || q.tagsRefused > 0 ? 1 : 0;
}

/**
 * One zone's plan as items: its chunks (one Cloudflare call each) numbered from index × CHUNKS_PER_ZONE,
 * items seq'd from index × SEQ_PER_ZONE, cut into pages; changes first, planned no-ops after them
 * (so chunks of no-ops settle at once). Deterministic for a given plan: a redelivery puts the same keys.
 */
/** The record name an item writes or removes (lower case): dns-sync keeps a name's changes in one batch. */
const itemName = (it: { before: Record<string, unknown> | null; after: Record<string, unknown> | null }) => String((it.after ?? it.before)?.name ?? '').toLowerCase();

/**
 * A zone's items cut into chunks of at most `size`. For dns-sync a name's changes stay in one chunk
 * (unless they alone exceed it): a zone's chunks run in parallel, and a CNAME replacing an A at the
 * same name only succeeds when the A's delete is in the same batch, which Cloudflare applies deletes
 * first (docs/cloudflare-sandbox.md, "dns-sync"). Items keep their order inside a chunk.
 */
export function chunkSlices<T extends { before: Record<string, unknown> | null; after: Record<string, unknown> | null; skip?: string }>(items: readonly T[], size: number, byName: boolean): T[][] {
  const live = items.filter((i) => !i.skip);
  const skipped = items.filter((i) => i.skip);
  const groups: T[][] = [];
  if (byName) {
    const at = new Map<string, T[]>();
    for (const it of live) {
      let group = at.get(itemName(it));
      if (!group) {
        group = [];
        at.set(itemName(it), group);
        groups.push(group);
      }
      group.push(it);
    }
  } else groups.push(...live.map((it) => [it]));
  groups.push(...skipped.map((it) => [it]));
  const slices: T[][] = [];
  let cur: T[] = [];
  for (const g of groups) {
    if (cur.length > 0 && cur.length + g.length > size) {
      slices.push(cur);
      cur = [];
    }
    for (const it of g) {
      cur.push(it);
      if (cur.length === size) {
        slices.push(cur);
        cur = [];
      }
    }
  }
  if (cur.length) slices.push(cur);
  if (!byName) return slices;
  // Inside a chunk the planner's order (deletes, updates, creates) again.
  const rank = new Map(items.map((it, i) => [it, i]));
  return slices.map((slice) => [...slice].sort((a, b) => rank.get(a)! - rank.get(b)!));
}

export function zonePlanRows(jobId: string, index: number, kind: JobKind, zp: ZonePlan, now: number): { rows: NewItem[]; totals: ZonePlanTotals } {
  const slices = chunkSlices(zp.items, chunkSizeFor(kind, zp.zone), kind === 'dns-sync');
  const ordered = slices.flat();
  const chunks = slices.length;
  if (chunks > CHUNKS_PER_ZONE) {
    throw new DomainError('payload-too-large', `Zone ${zp.zone.name} would need ${chunks} batches; at most ${CHUNKS_PER_ZONE} per zone`, { code: 'zone-too-large' });
  }
  const rows: NewItem[] = [];
  const totals: ZonePlanTotals = { chunks, chunksSettled: 0, total: ordered.length, skipped: ordered.length - zp.items.filter((i) => !i.skip).length, refused: 0 };
  let seq = index * SEQ_PER_ZONE;
  for (let k = 0; k < chunks; k++) {
    const n = index * CHUNKS_PER_ZONE + k;
    const from = seq;
    const items: PlanItem[] = slices[k]!.map((it) => ({ ...it, seq: seq++ }));
    const pages = planPages(items);
    pages.forEach((page, p) => rows.push({ entity: PageEntity, sk: pageSk(jobId, n, p), attrs: { items: page } }));
    const changes = items.filter((x) => !x.skip).length;
    if (changes === 0) totals.chunksSettled++;
    const chunk: ChunkRow = {
      jobId,
      chunk: n,
      zoneId: zp.zone.id,
      from,
      to: seq,
      pages: pages.length,
      changes,
      status: changes === 0 ? 'done' : 'pending',
      attempts: 0,
      leaseUntil: 0,
      owner: null,
      ambiguous: false,
      only: null,
      settledAt: changes === 0 ? iso(now) : null,
      outcome: { created: {}, failed: {}, error: null },
    };
    rows.push({ entity: ChunkEntity, sk: chunkSk(jobId, n), attrs: { ...chunk } });
  }
  return { rows, totals };
}

export interface JobBase {
  kind: JobKind;
  accountId: string;
  params: unknown;
  revertOf: string | null;
  /** A revert's id, claimed before planning. @default a fresh id */
  jobId?: string;
}

/** Store a plan computed at once (revert): zone items, chunks and pages, then the `planned` job. */
export async function writePlan(deps: JobsDeps, actor: Actor, base: JobBase, plan: { zonePlans: ZonePlan[]; threshold: number }): Promise<JobRow> {
  const changes = plan.zonePlans.reduce((n, z) => n + z.items.filter((i) => !i.skip).length, 0);
  const tooLarge = planSizeError(deps, actor, changes, plan.zonePlans.reduce((n, z) => n + z.items.length, 0));
  if (tooLarge) throw tooLarge;
  const now = deps.now();
  const job = newJobRow(actor, now, { jobId: base.jobId ?? nextJobId(now), kind: base.kind, accountId: base.accountId, status: 'planned', threshold: plan.threshold, params: base.params, revertOf: base.revertOf });
  const rows: NewItem[] = [];
  const chunkNumbers: number[] = [];
  plan.zonePlans.forEach((zp, index) => {
    const summary = summarize(zp, plan.threshold);
    const { rows: zoneRows, totals } = zonePlanRows(job.jobId, index, base.kind, zp, now);
    rows.push(...zoneRows);
    for (let k = 0; k < totals.chunks; k++) chunkNumbers.push(index * CHUNKS_PER_ZONE + k);
    const zone: ZoneRow = { jobId: job.jobId, index, status: 'planned', owner: null, leaseUntil: 0, attempts: 1, chunks: totals.chunks, checkedRound: 0, driftedRound: 0, zone: zp.zone, summary };
    rows.push({ entity: ZoneEntity, sk: zoneSk(job.jobId, index), attrs: { ...zone } });
    job.chunks += totals.chunks;
    job.chunksSettled += totals.chunksSettled;
    job.total += totals.total;
    job.skipped += totals.skipped;
    job.zonesRefused += refusedByPlan(base.kind, summary);
    job.needsForce ||= summary.overThreshold;
  });
  job.zonesTotal = job.zonesPlanned = plan.zonePlans.length;
  job.chunkNumbers = chunkNumbers.length <= MAX_LISTED_CHUNKS ? chunkNumbers : null;
  await deps.store.createPlan(actor.tenant, job, rows);
  await deps.store.addEvent(actor.tenant, job.jobId, { type: 'planned', done: 0, failed: 0, message: `${changes} changes in ${plan.zonePlans.length} zones` }, deps.now());
  return job;
}
