/**
 * The bulk-jobs engine: plan → (preview) → apply → chunks through the tier
 * queue (or paced by the browser) → settle, with cancel, retry, revert and a
 * sweeper. Domain logic only: every dependency is a port (repository, job
 * store, queue, Cloudflare connection, clock, sleep), so tests run it against
 * DynamoDB Local and the Cloudflare sandbox with no HTTP or SQS in between.
 *
 * Chunk state machine (conditional writes on the chunk item):
 *
 *   pending ──claim──▶ applying ──settle──▶ done | failed
 *      │                  │  ▲                  (TransactWrite with the job's counters:
 *      │                  │  └─ re-claim when the lease expired        exactly once)
 *      └──cancel──▶ cancelled
 *
 * A claim of a chunk that was already `applying` (a worker died or timed out
 * after it may have sent the batch), or one marked `ambiguous` (5xx/timeout
 * after sending), first RECONCILES: it reads the zone and decides from live
 * state whether the all-or-nothing batch was applied (→ settle done, with the
 * created record ids found by identity) or not (→ send again). So a change is
 * applied at most once however often the message is delivered.
 */
import { randomBytes } from 'node:crypto';
import type { Repository } from '../data/repository';
import { DomainError, invalid, notFound } from '../errors';
import type { TierLimits } from '../platform/tiers';
import type { Tier } from '../platform/tiers';
import { CfCallError, type BatchBody, type CfApi, type CfZone } from '../cloudflare/bulk-client';
import type { JobMessage } from './messages';
import {
  ACTIVE_STATUSES,
  chunkPrefix,
  chunkSk,
  ChunkEntity,
  eventPrefix,
  EventEntity,
  jobSk,
  JobEntity,
  newJobId,
  pagePrefix,
  pageSk,
  PageEntity,
  SLOTS_SK,
  SlotsEntity,
  type ChunkOutcome,
  type ChunkRow,
  type EventRow,
  type ItemStatus,
  type JobKind,
  type JobRow,
  type JobStatus,
  type PlanItem,
  type RecordLite,
  type ZoneSummary,
} from './model';
import { chunkSizeFor, inverseItem, paramsToStore, planPages, planZone, stateNeeded, summarize, wantedRecords, type ZonePlan, type ZonePlanItem } from './planner';
import { fingerprintRecords, fingerprintValues, identity, sameRecord, type LiveRecord } from '../cloudflare/records';
import { TxConditionFailed, type JobStore } from './store';

export interface JobQueue {
  send(tier: Tier, messages: readonly JobMessage[]): Promise<void>;
}

export interface JobsConfig {
  /** Claims of one chunk before it is failed (= the queue's maxReceiveCount). */
  maxAttempts: number;
  /** Tries of one chunk inside one invocation (bounded backoff between them). */
  triesPerAttempt: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Lease of a claim when the caller gives no deadline. */
  leaseMs: number;
  /** Queue visibility timeout (sweeper: a chunk stuck longer is re-enqueued). */
  visibilityMs: number;
  /** Zones read concurrently while planning / checking drift. */
  readConcurrency: number;
  /** @default 0.3 */
  defaultThreshold: number;
  /** Items a single 400 may eliminate one by one before the rest of the chunk is failed. */
  maxBisect: number;
}

export const DEFAULT_JOBS_CONFIG: JobsConfig = {
  maxAttempts: 5,
  triesPerAttempt: 4,
  backoffBaseMs: 250,
  backoffCapMs: 8000,
  leaseMs: 120_000,
  visibilityMs: 720_000,
  readConcurrency: 8,
  defaultThreshold: 0.3,
  maxBisect: 25,
};

export interface JobsDeps {
  repo: Repository;
  store: JobStore;
  queue: JobQueue;
  /** The user's Cloudflare account connection (token decrypted, limiter attached). */
  connect(userId: string, accountId: string): Promise<CfApi>;
  limits(tier: Tier): TierLimits;
  now(): number;
  sleep(ms: number): Promise<void>;
  config: JobsConfig;
  log?: (message: string, extra?: Record<string, unknown>) => void;
}

export interface Actor {
  userId: string;
  tier: Tier;
}

export interface CreateJobInput {
  kind: JobKind;
  accountId: string;
  zones?: string[];
  zoneFilter?: { nameContains: string };
  safetyThreshold?: number;
  params: Record<string, unknown>;
}

// ───────────────────────────── views ─────────────────────────────

export interface JobView {
  id: string;
  kind: JobKind;
  accountId: string;
  status: JobStatus;
  mode: 'server' | 'browser' | null;
  createdAt: string;
  appliedAt: string | null;
  finishedAt: string | null;
  safetyThreshold: number;
  needsForce: boolean;
  plan: { zones: Array<Omit<ZoneSummary, 'fingerprint' | 'plan' | 'batchLimit' | 'skipped'>>; totalChanges: number; chunks: number };
  counts: { total: number; done: number; failed: number; skipped: number; cancelled: number };
  throughput: number | null;
  revertOf: string | null;
  revertedBy: string | null;
}

export function toView(j: JobRow, now: number): JobView {
  const applied = j.appliedAt ? Date.parse(j.appliedAt) : null;
  const end = j.finishedAt ? Date.parse(j.finishedAt) : now;
  const secs = applied !== null ? Math.max(0.001, (end - applied) / 1000) : null;
  return {
    id: j.jobId,
    kind: j.kind,
    accountId: j.accountId,
    status: j.status,
    mode: j.mode,
    createdAt: j.createdAt,
    appliedAt: j.appliedAt,
    finishedAt: j.finishedAt,
    safetyThreshold: j.safetyThreshold,
    needsForce: j.needsForce,
    plan: {
      zones: (j.zones ?? []).map((z) => ({
        zoneId: z.zoneId,
        zoneName: z.zoneName,
        creates: z.creates,
        updates: z.updates,
        deletes: z.deletes,
        other: z.other,
        recordsInZone: z.recordsInZone,
        share: z.share,
        overThreshold: z.overThreshold,
      })),
      totalChanges: j.total - j.skipped,
      chunks: j.chunks,
    },
    counts: { total: j.total, done: j.done, failed: j.failed, skipped: j.skipped, cancelled: j.cancelled },
    throughput: secs !== null ? Math.round((j.done / secs) * 100) / 100 : null,
    revertOf: j.revertOf,
    revertedBy: j.revertedBy,
  };
}

// ───────────────────────────── helpers ─────────────────────────────

const iso = (ms: number) => new Date(ms).toISOString();
const rand = (n = 9) => randomBytes(n).toString('base64url');

async function mapLimit<T, R>(xs: readonly T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(xs.length);
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, xs.length) }, async () => {
      while (i < xs.length) {
        const k = i++;
        out[k] = await f(xs[k]!);
      }
    }),
  );
  return out;
}

function upstream(e: unknown): DomainError {
  if (e instanceof CfCallError) {
    if (e.kind === 'rate-limited') return new DomainError('rate-limited', 'Cloudflare rate limit reached; try again shortly', { retryAfterSeconds: e.detail.retryAfterSeconds ?? 30 });
    if (e.kind === 'auth') return new DomainError('upstream-failed', `Cloudflare refused the token: ${e.message}`, { code: 'cloudflare-auth' });
    return new DomainError('upstream-failed', `Cloudflare call failed: ${e.message}`, { code: 'cloudflare-failed' });
  }
  return e as DomainError;
}

/** Full-jitter exponential backoff, bounded; a Retry-After inside the cap is honoured. */
export function backoffMs(cfg: JobsConfig, attempt: number, retryAfterSeconds?: number): number {
  const exp = Math.min(cfg.backoffCapMs, cfg.backoffBaseMs * 2 ** attempt);
  const jitter = Math.random() * exp;
  const floor = retryAfterSeconds !== undefined ? Math.min(cfg.backoffCapMs, retryAfterSeconds * 1000) : 0;
  return Math.max(floor, jitter);
}

/** Reads are idempotent: retry 429/5xx/timeouts with the same bounded backoff. */
async function readRetry<T>(deps: JobsDeps, f: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      if (!(e instanceof CfCallError) || (e.kind !== 'ambiguous' && e.kind !== 'rate-limited') || attempt + 1 >= deps.config.triesPerAttempt + 2) throw e;
      await deps.sleep(backoffMs(deps.config, attempt + 1, e.detail.retryAfterSeconds));
    }
  }
}

async function readZoneState(cf: CfApi, kind: JobKind, zoneId: string): Promise<{ records?: LiveRecord[]; settings?: Record<string, unknown> }> {
  const need = stateNeeded(kind);
  if (need === 'records') return { records: await cf.listRecords(zoneId) };
  if (need === 'settings') return { settings: await cf.getSettings(zoneId) };
  return {};
}

async function loadJob(deps: JobsDeps, userId: string, jobId: string): Promise<JobRow & { version: number }> {
  const j = await deps.repo.get(deps.store.tenantOf(userId), JobEntity, jobSk(jobId));
  if (!j) throw notFound('Job');
  return j as JobRow & { version: number };
}

async function loadChunks(deps: JobsDeps, userId: string, jobId: string): Promise<Array<ChunkRow & { version: number }>> {
  const out: Array<ChunkRow & { version: number }> = [];
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(deps.store.tenantOf(userId), ChunkEntity, { skPrefix: chunkPrefix(jobId), limit: 1000, cursor, consistent: true });
    out.push(...(page.items as Array<ChunkRow & { version: number }>));
    cursor = page.cursor;
  } while (cursor);
  return out;
}

async function loadPages(deps: JobsDeps, userId: string, jobId: string, chunk?: number): Promise<PlanItem[]> {
  const out: PlanItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(deps.store.tenantOf(userId), PageEntity, { skPrefix: pagePrefix(jobId, chunk), limit: 200, cursor, consistent: true });
    for (const p of page.items) out.push(...p.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

async function addEvent(deps: JobsDeps, userId: string, jobId: string, e: Omit<EventRow, 'time'>): Promise<void> {
  const t = deps.now();
  await deps.store.createOne(userId, EventEntity, `${eventPrefix(jobId)}${iso(t)}#${rand(4)}`, { ...e, time: iso(t) });
}

function itemStatus(chunk: ChunkRow, idx: number, it: PlanItem, jobCancelled: boolean): { status: ItemStatus; error: string | null } {
  if (it.skip) return { status: 'skipped', error: it.skip };
  const failed = chunk.outcome?.failed?.[String(idx)];
  if (failed && chunk.status !== 'pending' && chunk.status !== 'applying') return { status: 'failed', error: failed };
  if (chunk.only && !chunk.only.includes(idx)) return { status: 'done', error: null };
  switch (chunk.status) {
    case 'done':
      return { status: 'done', error: null };
    case 'failed':
      return { status: 'failed', error: chunk.outcome?.error ?? 'failed' };
    case 'cancelled':
      return { status: 'cancelled', error: null };
    default:
      return { status: jobCancelled ? 'cancelled' : 'planned', error: null };
  }
}

// ───────────────────────────── plan ─────────────────────────────

interface BuiltPlan {
  zonePlans: ZonePlan[];
  threshold: number;
}

async function writePlan(
  deps: JobsDeps,
  actor: Actor,
  base: { kind: JobKind; accountId: string; params: unknown; revertOf: string | null; jobId?: string },
  plan: BuiltPlan,
): Promise<JobRow> {
  const { userId } = actor;
  const limits = deps.limits(actor.tier);
  const changes = plan.zonePlans.reduce((n, z) => n + z.items.filter((i) => !i.skip).length, 0);
  if (changes > limits.operationsPerJob) {
    throw new DomainError('payload-too-large', `The plan has ${changes} changes; your tier allows ${limits.operationsPerJob} per job (operationsPerJob)`, {
      code: 'operations-per-job',
      extra: { limit: 'operationsPerJob', max: limits.operationsPerJob, requested: changes },
    });
  }
  const totalItems = plan.zonePlans.reduce((n, z) => n + z.items.length, 0);
  if (totalItems > limits.operationsPerJob * 2 + 1000) {
    throw new DomainError('payload-too-large', `The plan lists ${totalItems} records; at most ${limits.operationsPerJob * 2 + 1000} (operationsPerJob)`, {
      code: 'operations-per-job',
      extra: { limit: 'operationsPerJob', max: limits.operationsPerJob, requested: totalItems },
    });
  }
  const now = deps.now();
  const jobId = base.jobId ?? newJobId(now, () => rand(9));
  const summaries = plan.zonePlans.map((z) => summarize(z, plan.threshold));
  const rows: Array<{ entity: typeof ChunkEntity | typeof PageEntity; sk: string; attrs: Record<string, unknown> }> = [];
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
      rows.push({ entity: ChunkEntity, sk: chunkSk(jobId, n), attrs: chunk as unknown as Record<string, unknown> });
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
    params: base.params,
    zones: summaries,
  };
  await deps.store.createMany(userId, rows);
  await deps.store.createOne(userId, JobEntity, jobSk(jobId), job as unknown as Record<string, unknown>);
  await addEvent(deps, userId, jobId, { type: 'planned', done: 0, failed: 0, message: `${changes} changes in ${summaries.length} zones` });
  return job;
}

async function selectZones(cf: CfApi, input: { zones?: string[]; zoneFilter?: { nameContains: string } }): Promise<CfZone[]> {
  const zones = await cf.listZones(input.zones ? { ids: input.zones } : { nameContains: input.zoneFilter!.nameContains });
  if (input.zones) {
    const found = new Set(zones.map((z) => z.id));
    const missing = input.zones.filter((z) => !found.has(z));
    if (missing.length) {
      throw invalid('Some zones are not visible to this Cloudflare account', missing.slice(0, 20).map((z) => ({ in: 'body' as const, field: 'zones', message: `zone ${z} not found` })));
    }
  }
  if (zones.length === 0) throw invalid('No zone matches the selection', [{ in: 'body', field: 'zoneFilter', message: 'matches no zone' }]);
  if (zones.length > 1000) throw invalid('The selection matches more than 1000 zones', [{ in: 'body', field: 'zoneFilter', message: 'too broad' }]);
  return zones;
}

/** POST /jobs: compute the exact per-zone diff from current state and store it encrypted. */
export async function planJob(deps: JobsDeps, actor: Actor, input: CreateJobInput): Promise<JobView> {
  const cf = await deps.connect(actor.userId, input.accountId);
  const wanted = wantedRecords(input.kind, input.params);
  try {
    const zones = await readRetry(deps, () => selectZones(cf, input));
    const zonePlans = await mapLimit(zones, deps.config.readConcurrency, async (z) =>
      planZone(input.kind, input.params, z, await readRetry(deps, () => readZoneState(cf, input.kind, z.id)), wanted),
    );
    const job = await writePlan(
      deps,
      actor,
      {
        kind: input.kind,
        accountId: input.accountId,
        params: { ...paramsToStore(input.kind, input.params, wanted), selection: input.zones ? { zones: input.zones } : { zoneFilter: input.zoneFilter } },
        revertOf: null,
      },
      { zonePlans, threshold: input.safetyThreshold ?? deps.config.defaultThreshold },
    );
    return toView(job, deps.now());
  } catch (e) {
    throw upstream(e);
  }
}

// ───────────────────────────── apply ─────────────────────────────

async function checkDrift(deps: JobsDeps, cf: CfApi, job: JobRow): Promise<Array<{ zoneId: string; zoneName: string }>> {
  const kind = job.kind;
  const zones = job.zones.filter((z) => z.fingerprint);
  const drifted = await mapLimit(zones, deps.config.readConcurrency, async (z) => {
    let fp: string;
    if (kind === 'zone-settings') {
      const s = await readRetry(deps, () => cf.getSettings(z.zoneId));
      const keys = Object.keys((job.params as { settings?: Record<string, unknown> }).settings ?? {});
      fp = fingerprintValues(Object.fromEntries(keys.map((k) => [k, s[k] ?? null])));
    } else {
      fp = fingerprintRecords(await readRetry(deps, () => cf.listRecords(z.zoneId)));
    }
    return fp === z.fingerprint ? undefined : { zoneId: z.zoneId, zoneName: z.zoneName };
  });
  return drifted.filter((d): d is { zoneId: string; zoneName: string } => !!d);
}

/** Take a slot of the tier's concurrent-job limit and move the job to its active status, atomically. */
async function activate(deps: JobsDeps, actor: Actor, job: JobRow & { version: number }, set: Record<string, unknown>): Promise<void> {
  const limit = deps.limits(actor.tier).concurrentJobs;
  const slots = await deps.store.buildUpdate(actor.userId, SlotsEntity, SLOTS_SK, {
    add: { active: 1 },
    condition: 'active < :limit',
    values: { ':limit': limit },
  });
  // The slots item may not exist yet: create-or-increment.
  slots.ConditionExpression = '(attribute_not_exists(pk) OR (#e = :entity AND active < :limit))';
  (slots.ExpressionAttributeValues as Record<string, unknown>)[':entity'] = SlotsEntity.name;
  slots.UpdateExpression = `${slots.UpdateExpression.replace(/^ADD /, 'SET #e = :entity ADD ')}`;
  const upd = await deps.store.buildUpdate(actor.userId, JobEntity, jobSk(job.jobId), { set, condition: '#version = :v', values: { ':v': job.version } });
  try {
    await deps.store.transact([{ Update: slots }, { Update: upd }, deps.store.activePointer(actor.userId, job.jobId, true)]);
  } catch (e) {
    if (e instanceof TxConditionFailed && e.index === 0) {
      throw new DomainError('limit-exceeded', `You already have ${limit} active job(s); your tier allows ${limit} at once (concurrentJobs)`, {
        code: 'concurrent-jobs',
        retryAfterSeconds: 30,
        extra: { limit: 'concurrentJobs', max: limit },
      });
    }
    if (e instanceof TxConditionFailed) throw new DomainError('conflict', 'The job changed meanwhile; reload it', { code: 'conflict-version' });
    throw e;
  }
}

async function releaseSlot(deps: JobsDeps, userId: string, jobId: string, jobUpdate: Awaited<ReturnType<JobStore['buildUpdate']>>): Promise<boolean> {
  const slots = await deps.store.buildUpdate(userId, SlotsEntity, SLOTS_SK, { add: { active: -1 }, condition: 'active > :zero', values: { ':zero': 0 } });
  try {
    await deps.store.transact([{ Update: jobUpdate }, { Update: slots }, deps.store.activePointer(userId, jobId, false)]);
    return true;
  } catch (e) {
    if (e instanceof TxConditionFailed && e.index === 1) {
      // Counter already at 0 (repaired elsewhere): settle the job alone.
      try {
        await deps.store.transact([{ Update: jobUpdate }, deps.store.activePointer(userId, jobId, false)]);
        return true;
      } catch (e2) {
        if (e2 instanceof TxConditionFailed) return false;
        throw e2;
      }
    }
    if (e instanceof TxConditionFailed) return false;
    throw e;
  }
}

async function enqueueChunks(deps: JobsDeps, userId: string, job: JobRow, chunks: readonly ChunkRow[]): Promise<void> {
  const msgs: JobMessage[] = chunks.map((c) => ({ kind: 'apply-chunk', userId, jobId: job.jobId, chunk: c.chunk }));
  await deps.queue.send(job.tier as Tier, msgs);
}

/** POST /jobs/{id}/apply: safety threshold, drift check, snapshot, enqueue (or open for browser pacing). */
export async function applyJob(deps: JobsDeps, actor: Actor, jobId: string, opts: { force: boolean; mode: 'server' | 'browser' }): Promise<JobView> {
  const job = await loadJob(deps, actor.userId, jobId);
  if (job.status !== 'planned') throw new DomainError('conflict', `The job is ${job.status}; only a planned job can be applied`, { code: 'job-not-planned' });
  if (job.needsForce && !opts.force) {
    const over = job.zones.filter((z) => z.overThreshold);
    throw new DomainError('precondition-failed', `The plan touches more than ${Math.round(job.safetyThreshold * 100)}% of the records of ${over.length} zone(s); apply with force: true to proceed`, {
      code: 'safety-threshold',
      extra: { threshold: job.safetyThreshold, zones: over.map((z) => ({ zoneId: z.zoneId, zoneName: z.zoneName, share: z.share })) },
    });
  }
  const cf = await deps.connect(actor.userId, job.accountId);
  let drifted: Array<{ zoneId: string; zoneName: string }>;
  try {
    drifted = await checkDrift(deps, cf, job);
  } catch (e) {
    throw upstream(e);
  }
  if (drifted.length) {
    throw new DomainError('precondition-failed', `${drifted.length} zone(s) changed since the plan was made; plan the job again`, {
      code: 'plan-drifted',
      extra: { zones: drifted, replan: { method: 'POST', href: '/api/v1/jobs', note: 'submit the same request again for a fresh plan' } },
    });
  }
  // Snapshot: the plan's before-images were just verified equal to live state, so they ARE the
  // snapshot of what will change (already encrypted in the plan pages); record when it was taken.
  const now = deps.now();
  deps.log?.('apply: drift check passed', { jobId, zones: job.zones.length });
  const status: JobStatus = opts.mode === 'browser' ? 'running' : 'queued';
  const allSettled = job.chunksSettled >= job.chunks;
  await activate(deps, actor, job, { status, mode: opts.mode, appliedAt: iso(now), lastActivityAt: iso(now) });
  await addEvent(deps, actor.userId, jobId, { type: 'queued', done: 0, failed: 0, message: `snapshot verified; ${opts.mode} mode` });
  if (opts.mode === 'server' && !allSettled) {
    const chunks = (await loadChunks(deps, actor.userId, jobId)).filter((c) => c.status === 'pending');
    await enqueueChunks(deps, actor.userId, job, chunks);
    deps.log?.('apply: enqueued', { jobId, chunks: chunks.length });
  }
  if (allSettled) await maybeFinalize(deps, actor.userId, jobId);
  return toView(await loadJob(deps, actor.userId, jobId), deps.now());
}

// ───────────────────────────── chunk processing ─────────────────────────────

export type ChunkResult = 'settled' | 'busy' | 'absent';

export class ChunkRetryableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkRetryableError';
  }
}

interface ClaimCtx {
  userId: string;
  job: JobRow;
  chunk: ChunkRow & { version: number };
  owner: string;
}

/** Claim `pending` or an `applying` chunk whose lease expired. */
async function claim(deps: JobsDeps, userId: string, jobId: string, n: number, owner: string, leaseMs: number) {
  const t = deps.now();
  const raw = await deps.store.update(userId, ChunkEntity, chunkSk(jobId, n), {
    set: { status: 'applying', owner, leaseUntil: t + leaseMs },
    add: { attempts: 1 },
    condition: '#st = :pending OR (#st = :applying AND leaseUntil < :now)',
    names: { '#st': 'status' },
    values: { ':pending': 'pending', ':applying': 'applying', ':now': t },
  });
  return raw;
}

/** Settle a chunk and count its items on the job, in one transaction (exactly once). */
async function settle(
  deps: JobsDeps,
  ctx: ClaimCtx,
  result: { status: 'done' | 'failed' | 'cancelled'; outcome: ChunkOutcome; done: number; failed: number; cancelled: number },
  expect: { status: 'applying' | 'pending'; owner?: string },
): Promise<boolean> {
  const { userId, job, chunk } = ctx;
  const t = deps.now();
  const chunkUpd = await deps.store.buildUpdate(userId, ChunkEntity, chunkSk(job.jobId, chunk.chunk), {
    set: { status: result.status, outcome: result.outcome, settledAt: iso(t), leaseUntil: 0, ambiguous: false },
    condition: expect.owner ? '#st = :expect AND #owner = :owner' : '#st = :expect',
    names: { '#st': 'status', ...(expect.owner ? { '#owner': 'owner' } : {}) },
    values: { ':expect': expect.status, ...(expect.owner ? { ':owner': expect.owner } : {}) },
  });
  const jobUpd = await deps.store.buildUpdate(userId, JobEntity, jobSk(job.jobId), {
    set: { lastActivityAt: iso(t) },
    add: { done: result.done, failed: result.failed, cancelled: result.cancelled, chunksSettled: 1 },
  });
  for (let attempt = 0; ; attempt++) {
    try {
      await deps.store.transact([{ Update: chunkUpd }, { Update: jobUpd }]);
      break;
    } catch (e) {
      // Concurrent settles of one job conflict on its counters: retry those (jittered).
      if (e instanceof TxConditionFailed && e.index === -1 && attempt < 50) {
        await deps.sleep(Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6)));
        continue;
      }
      if (e instanceof TxConditionFailed) return false; // lost the lease / already settled: the other settle counted it
      throw e;
    }
  }
  await afterSettle(deps, userId, job.jobId);
  return true;
}

async function afterSettle(deps: JobsDeps, userId: string, jobId: string): Promise<void> {
  const j = await loadJob(deps, userId, jobId);
  const step = (k: number) => Math.floor((k * 10) / Math.max(1, j.chunks));
  if (j.chunks <= 20 || step(j.chunksSettled) !== step(j.chunksSettled - 1)) {
    await addEvent(deps, userId, jobId, { type: 'progress', done: j.done, failed: j.failed, message: null });
  }
  if (j.chunksSettled >= j.chunks) await maybeFinalize(deps, userId, jobId, j);
}

function finalStatus(j: JobRow): JobStatus {
  if (j.failed > 0) return j.done > 0 ? 'partially-failed' : 'failed';
  return 'done';
}

async function maybeFinalize(deps: JobsDeps, userId: string, jobId: string, known?: JobRow & { version: number }): Promise<void> {
  const j = known ?? (await loadJob(deps, userId, jobId));
  if (!ACTIVE_STATUSES.includes(j.status) && !(j.status === 'running')) return;
  if (j.chunksSettled < j.chunks) return;
  const status = finalStatus(j);
  const upd = await deps.store.buildUpdate(userId, JobEntity, jobSk(jobId), {
    set: { status, finishedAt: iso(deps.now()) },
    condition: '(#st = :q OR #st = :r) AND chunksSettled >= chunks',
    names: { '#st': 'status' },
    values: { ':q': 'queued', ':r': 'running' },
  });
  if (await releaseSlot(deps, userId, jobId, upd)) {
    await addEvent(deps, userId, jobId, { type: status === 'done' ? 'done' : 'failed', done: j.done, failed: j.failed, message: status });
  }
}

function batchBodyFor(items: Array<{ it: PlanItem }>): BatchBody {
  const body: BatchBody = { deletes: [], patches: [], posts: [] };
  for (const { it } of items) {
    if (it.action === 'delete') body.deletes!.push({ id: it.recordId! });
    else if (it.action === 'update') body.patches!.push({ id: it.recordId!, ...toApi(it.after as unknown as RecordLite) });
    else if (it.action === 'create') body.posts!.push(toApi(it.after as unknown as RecordLite));
  }
  return body;
}

function toApi(r: RecordLite): Record<string, unknown> {
  const o: Record<string, unknown> = { type: r.type, name: r.name, content: r.content, ttl: r.ttl, proxied: r.proxied };
  if (r.priority !== undefined) o.priority = r.priority;
  if (r.comment) o.comment = r.comment;
  return o;
}

/** Index (within `work`) of the change a batch 400 names, e.g. `posts[3]: …`. */
function culprit(message: string, work: ReadonlyArray<{ it: PlanItem }>): number | undefined {
  const m = /\b(deletes|patches|puts|posts)\[(\d+)\]/.exec(message);
  if (!m) return undefined;
  const action = m[1] === 'deletes' ? 'delete' : m[1] === 'patches' ? 'update' : m[1] === 'posts' ? 'create' : undefined;
  const k = Number(m[2]);
  let seen = 0;
  for (let i = 0; i < work.length; i++) {
    if (work[i]!.it.action === action) {
      if (seen === k) return i;
      seen++;
    }
  }
  return undefined;
}

type Reconciled = { state: 'applied'; created: Record<string, string> } | { state: 'not-applied' } | { state: 'drifted'; reason: string };

/** After an ambiguous send: read live state and decide whether the (all-or-nothing) change is there. */
async function reconcile(cf: CfApi, zoneId: string, work: ReadonlyArray<{ idx: number; it: PlanItem }>): Promise<Reconciled> {
  if (work.every((w) => w.it.action === 'purge')) return { state: 'not-applied' }; // purging again is harmless
  if (work.every((w) => w.it.action === 'setting')) {
    const s = await cf.getSettings(zoneId);
    const after = work.every((w) => JSON.stringify(s[w.it.recordId!]) === JSON.stringify((w.it.after as { value: unknown }).value));
    if (after) return { state: 'applied', created: {} };
    return { state: 'not-applied' }; // PATCHing a setting again is idempotent
  }
  const live = await cf.listRecords(zoneId);
  const byId = new Map(live.map((r) => [r.id, r]));
  const byIdentity = new Map<string, LiveRecord[]>();
  for (const r of live) byIdentity.set(identity(r), [...(byIdentity.get(identity(r)) ?? []), r]);
  let applied = 0;
  let notApplied = 0;
  const created: Record<string, string> = {};
  for (const { idx, it } of work) {
    if (it.action === 'delete') {
      if (byId.has(it.recordId!)) notApplied++;
      else applied++;
    } else if (it.action === 'update') {
      const r = byId.get(it.recordId!);
      if (r && sameRecord(r, it.after as unknown as RecordLite)) applied++;
      else if (r && sameRecord(r, it.before as unknown as RecordLite)) notApplied++;
      else return { state: 'drifted', reason: 'record changed or vanished during apply' };
    } else if (it.action === 'create') {
      const hit = byIdentity.get(identity(it.after as unknown as RecordLite));
      if (hit?.length) {
        applied++;
        created[String(idx)] = hit[0]!.id;
      } else notApplied++;
    }
  }
  if (notApplied === 0) return { state: 'applied', created };
  if (applied === 0) return { state: 'not-applied' };
  // Patches whose after == before cannot be told apart; anything else mixed means someone else wrote.
  return { state: 'drifted', reason: `zone changed during apply (${applied} of ${applied + notApplied} changes present)` };
}

export interface ProcessOptions {
  /** Delivery id / request id: the claim's owner. */
  owner: string;
  /** SQS ApproximateReceiveCount (1 for browser mode). */
  receiveCount: number;
  /** Deliveries before SQS moves the message to the DLQ. */
  maxReceiveCount: number;
  /** Ms until the invocation's deadline: the lease never outlives the invocation. */
  remainingMs?: number;
}

/**
 * Apply one chunk (the worker's unit of work, also used by browser-paced mode).
 * Resolves 'settled' (done/failed/cancelled, or already settled by anyone),
 * 'busy' (another owner holds a live lease). Throws ChunkRetryableError when
 * the chunk should be retried later (the message returns to the queue).
 */
export async function processChunk(deps: JobsDeps, msg: JobMessage, o: ProcessOptions): Promise<ChunkResult> {
  const { userId, jobId } = msg;
  const tenant = deps.store.tenantOf(userId);
  const job = await deps.repo.get(tenant, JobEntity, jobSk(jobId));
  if (!job) return 'absent';
  const current = await deps.repo.get(tenant, ChunkEntity, chunkSk(jobId, msg.chunk));
  if (!current) return 'absent';
  if (current.status === 'done' || current.status === 'failed' || current.status === 'cancelled') return 'settled';

  const items = await loadPages(deps, userId, jobId, msg.chunk);
  const indexed = items.map((it, idx) => ({ idx, it }));
  const pendingIdx = indexed.filter(({ idx, it }) => !it.skip && (!current.only || current.only.includes(idx)));

  if (job.status === 'cancelled' && current.status === 'pending') {
    await settle(deps, { userId, job, chunk: current as ChunkRow & { version: number }, owner: '' }, {
      status: 'cancelled',
      outcome: current.outcome,
      done: 0,
      failed: 0,
      cancelled: pendingIdx.length,
    }, { status: 'pending' });
    return 'settled';
  }

  const leaseMs = Math.max(5_000, Math.min(deps.config.leaseMs, (o.remainingMs ?? deps.config.leaseMs) - 1_000));
  const claimed = await claim(deps, userId, jobId, msg.chunk, o.owner, leaseMs);
  if (!claimed) {
    const again = await deps.repo.get(tenant, ChunkEntity, chunkSk(jobId, msg.chunk));
    if (!again || again.status === 'done' || again.status === 'failed' || again.status === 'cancelled') return 'settled';
    return 'busy';
  }
  const attempts = Number(claimed.attempts);
  // A previous claim that never settled may have sent the batch: reconcile before sending.
  let ambiguous = current.status === 'applying' || !!current.ambiguous;
  const ctx: ClaimCtx = { userId, job, chunk: { ...(current as ChunkRow & { version: number }), version: Number(claimed.version) }, owner: o.owner };
  if (job.status === 'queued') {
    await deps.store.update(userId, JobEntity, jobSk(jobId), { set: { status: 'running' }, condition: '#st = :q', names: { '#st': 'status' }, values: { ':q': 'queued' } });
  }

  const outcome: ChunkOutcome = { created: { ...(current.outcome?.created ?? {}) }, failed: {}, error: null };
  let work = pendingIdx;
  const failItems = (xs: typeof work, reason: string) => xs.forEach((w) => (outcome.failed[String(w.idx)] = reason));
  const finish = async (status: 'done' | 'failed') => {
    const failed = Object.keys(outcome.failed).length;
    const done = pendingIdx.length - failed;
    await settle(deps, ctx, { status: done === 0 && failed > 0 ? 'failed' : status, outcome, done, failed, cancelled: 0 }, { status: 'applying', owner: o.owner });
    return 'settled' as const;
  };

  let cf: CfApi;
  try {
    cf = await deps.connect(userId, job.accountId);
  } catch (e) {
    failItems(work, e instanceof DomainError ? e.message : 'Cloudflare account unavailable');
    outcome.error = 'Cloudflare account unavailable';
    return finish('failed');
  }

  let lastError = 'unknown error';
  let bisected = 0;
  const deadline = o.remainingMs !== undefined ? deps.now() + o.remainingMs - 1_000 : Number.POSITIVE_INFINITY;
  /** Before every send: still ours? Extend the lease (never past the invocation's deadline). */
  const renew = async () => {
    const t = deps.now();
    const until = Math.min(t + leaseMs, deadline);
    if (until - t < 2_000 && until !== t + leaseMs) return false; // too close to the deadline to send safely
    const ok = await deps.store.update(userId, ChunkEntity, chunkSk(jobId, msg.chunk), {
      set: { leaseUntil: until },
      condition: '#owner = :o AND #st = :a AND leaseUntil > :now',
      names: { '#owner': 'owner', '#st': 'status' },
      values: { ':o': o.owner, ':a': 'applying', ':now': t },
    });
    return !!ok;
  };
  for (let attempt = 0; attempt < deps.config.triesPerAttempt; ) {
    if (work.length === 0) return finish('done');
    if (!(await renew())) throw new ChunkRetryableError(`chunk ${msg.chunk}: lease lost or deadline near; not sending`);
    try {
      if (ambiguous) {
        const r = await reconcile(cf, current.zoneId, work);
        if (r.state === 'applied') {
          Object.assign(outcome.created, r.created);
          return finish('done');
        }
        if (r.state === 'drifted') {
          failItems(work, r.reason);
          outcome.error = r.reason;
          return finish('failed');
        }
        ambiguous = false;
      }
      const head = work[0]!.it;
      if (head.action === 'setting') {
        await cf.patchSettings(current.zoneId, work.map((w) => ({ id: w.it.recordId!, value: (w.it.after as { value: unknown }).value })));
      } else if (head.action === 'purge') {
        const p = head.after as { everything?: boolean; files?: string[] };
        await cf.purge(current.zoneId, p.everything ? { purge_everything: true } : { files: p.files });
      } else {
        const res = await cf.batch(current.zoneId, batchBodyFor(work));
        const posts = work.filter((w) => w.it.action === 'create');
        posts.forEach((w, i) => {
          const rec = res.posts[i];
          if (rec) outcome.created[String(w.idx)] = rec.id;
        });
      }
      return finish('done');
    } catch (e) {
      // Not a Cloudflare answer (DynamoDB, a bug, the invocation dying): leave the claim as it is;
      // the redelivery reconciles once the lease has expired.
      if (!(e instanceof CfCallError)) throw e;
      const err = e;
      lastError = err.message;
      if (err.kind === 'rejected') {
        const k = culprit(err.message, work);
        if (k !== undefined && bisected < deps.config.maxBisect && work.length > 1) {
          failItems([work[k]!], err.message);
          work = work.filter((_, i) => i !== k);
          bisected++;
          continue; // not an attempt: the rest is resent without the bad change
        }
        failItems(work, err.message);
        outcome.error = err.message;
        return finish('failed');
      }
      if (err.kind === 'auth') {
        failItems(work, err.message);
        outcome.error = err.message;
        return finish('failed');
      }
      if (err.kind === 'ambiguous' && first(work).action !== 'purge') {
        ambiguous = true;
        await deps.store.update(userId, ChunkEntity, chunkSk(jobId, msg.chunk), {
          set: { ambiguous: true },
          condition: '#owner = :o',
          names: { '#owner': 'owner' },
          values: { ':o': o.owner },
        });
      }
      attempt++;
      if (attempt < deps.config.triesPerAttempt) await deps.sleep(backoffMs(deps.config, attempt, err.detail.retryAfterSeconds));
    }
  }
  // Out of tries for this delivery.
  if (attempts >= deps.config.maxAttempts || o.receiveCount >= o.maxReceiveCount) {
    const reason = `gave up after ${attempts} deliveries: ${lastError}`;
    failItems(work, reason);
    outcome.error = reason;
    await finish('failed');
    throw new ChunkRetryableError(`chunk ${msg.chunk} failed for good (${reason}); message goes to the DLQ`);
  }
  // Release the lease so the redelivery can claim at once; keep `ambiguous` for the next claim.
  await deps.store.update(userId, ChunkEntity, chunkSk(jobId, msg.chunk), {
    set: { leaseUntil: 0 },
    condition: '#owner = :o AND #st = :a',
    names: { '#owner': 'owner', '#st': 'status' },
    values: { ':o': o.owner, ':a': 'applying' },
  });
  throw new ChunkRetryableError(`chunk ${msg.chunk}: ${lastError}`);
}

const first = (w: ReadonlyArray<{ it: PlanItem }>) => w[0]!.it;

/** Browser-paced mode: apply chunk n now (same claim, idempotency and limiter as the workers). */
export async function applyChunkNow(deps: JobsDeps, actor: Actor, jobId: string, n: number, owner: string): Promise<JobView> {
  const job = await loadJob(deps, actor.userId, jobId);
  if (job.mode !== 'browser') throw new DomainError('conflict', 'Only jobs applied in browser mode take chunks one by one', { code: 'job-not-browser-mode' });
  if (n >= job.chunks) throw notFound('Chunk');
  if (job.status !== 'running' && job.status !== 'cancelled') {
    return toView(job, deps.now());
  }
  try {
    const r = await processChunk(deps, { kind: 'apply-chunk', userId: actor.userId, jobId, chunk: n }, { owner, receiveCount: 1, maxReceiveCount: 2, remainingMs: 25_000 });
    if (r === 'busy') throw new DomainError('conflict', 'This chunk is being applied right now', { code: 'chunk-busy' });
  } catch (e) {
    if (!(e instanceof ChunkRetryableError)) throw e;
    throw new DomainError('upstream-failed', `Cloudflare did not accept the chunk yet; retry it (${e.message})`, { code: 'chunk-retry', retryAfterSeconds: 5 });
  }
  return toView(await loadJob(deps, actor.userId, jobId), deps.now());
}

// ───────────────────────────── control ─────────────────────────────

export async function getJob(deps: JobsDeps, actor: Actor, jobId: string): Promise<JobView> {
  return toView(await loadJob(deps, actor.userId, jobId), deps.now());
}

export async function listJobs(deps: JobsDeps, actor: Actor, q: { cursor?: string; limit: number }): Promise<{ jobs: JobView[]; nextCursor: string | null }> {
  const page = await deps.repo.query(deps.store.tenantOf(actor.userId), JobEntity, { limit: q.limit, cursor: q.cursor, descending: true });
  const t = deps.now();
  return { jobs: page.items.map((j) => toView(j, t)), nextCursor: page.cursor ?? null };
}

export interface ItemView {
  seq: number;
  chunk: number;
  zoneId: string;
  zoneName: string;
  action: PlanItem['action'];
  recordId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  status: ItemStatus;
  error: string | null;
}

/** Items of a job with their status; cursor = opaque `<seq>` position. */
export async function listItems(
  deps: JobsDeps,
  actor: Actor,
  jobId: string,
  q: { cursor?: string; limit: number; zoneId?: string; status?: ItemStatus },
): Promise<{ items: ItemView[]; nextCursor: string | null }> {
  const job = await loadJob(deps, actor.userId, jobId);
  const start = q.cursor === undefined ? 0 : Number.parseInt(Buffer.from(q.cursor, 'base64url').toString('utf8').replace(/^s/, ''), 10);
  if (!Number.isInteger(start) || start < 0) throw invalid('Invalid pagination cursor', [{ in: 'query', field: 'cursor', message: 'not a cursor of this list' }]);
  const chunks = (await loadChunks(deps, actor.userId, jobId)).sort((a, b) => a.from - b.from);
  const names = new Map(job.zones.map((z) => [z.zoneId, z.zoneName]));
  const out: ItemView[] = [];
  let scannedPages = 0;
  let next: number | null = null;
  for (const c of chunks) {
    if (c.to <= start) continue;
    if (q.zoneId && c.zoneId !== q.zoneId) continue;
    const items = await loadPages(deps, actor.userId, jobId, c.chunk);
    scannedPages += c.pages;
    for (let idx = 0; idx < items.length; idx++) {
      const it = items[idx]!;
      if (it.seq < start) continue;
      const st = itemStatus(c, idx, it, job.status === 'cancelled');
      if (q.status && st.status !== q.status) continue;
      if (out.length === q.limit) {
        next = it.seq;
        break;
      }
      out.push({ seq: it.seq, chunk: c.chunk, zoneId: it.zoneId, zoneName: names.get(it.zoneId) ?? '', action: it.action, recordId: it.recordId, before: it.before, after: it.after, status: st.status, error: st.error });
    }
    if (next !== null) break;
    if (scannedPages >= 40 && out.length > 0) {
      next = c.to;
      break;
    }
  }
  return { items: out, nextCursor: next === null ? null : Buffer.from(`s${next}`).toString('base64url') };
}

export async function listEvents(deps: JobsDeps, actor: Actor, jobId: string): Promise<EventRow[]> {
  await loadJob(deps, actor.userId, jobId);
  const page = await deps.repo.query(deps.store.tenantOf(actor.userId), EventEntity, { skPrefix: eventPrefix(jobId), limit: 500, descending: true });
  return page.items.map((e) => ({ type: e.type, time: e.time, done: e.done, failed: e.failed, message: e.message })).reverse();
}

/** POST /jobs/{id}/cancel: chunks not yet claimed are cancelled now; claimed ones finish. */
export async function cancelJob(deps: JobsDeps, actor: Actor, jobId: string): Promise<JobView> {
  const job = await loadJob(deps, actor.userId, jobId);
  const t = iso(deps.now());
  if (job.status === 'planned') {
    const ok = await deps.store.update(actor.userId, JobEntity, jobSk(jobId), { set: { status: 'cancelled', finishedAt: t }, condition: '#st = :p', names: { '#st': 'status' }, values: { ':p': 'planned' } });
    if (!ok) throw new DomainError('conflict', 'The job changed meanwhile; reload it', { code: 'conflict-version' });
  } else if (ACTIVE_STATUSES.includes(job.status)) {
    const upd = await deps.store.buildUpdate(actor.userId, JobEntity, jobSk(jobId), {
      set: { status: 'cancelled', finishedAt: t },
      condition: '#st = :q OR #st = :r',
      names: { '#st': 'status' },
      values: { ':q': 'queued', ':r': 'running' },
    });
    if (!(await releaseSlot(deps, actor.userId, jobId, upd))) throw new DomainError('conflict', 'The job changed meanwhile; reload it', { code: 'conflict-version' });
    const cancelled = await loadJob(deps, actor.userId, jobId);
    const chunks = (await loadChunks(deps, actor.userId, jobId)).filter((c) => c.status === 'pending');
    await mapLimit(chunks, 8, async (c) => {
      const n = c.only ? c.only.length : c.changes;
      await settle(deps, { userId: actor.userId, job: cancelled, chunk: c, owner: '' }, { status: 'cancelled', outcome: c.outcome, done: 0, failed: 0, cancelled: n }, { status: 'pending' });
    });
  } else {
    throw new DomainError('conflict', `The job is already ${job.status}`, { code: 'job-finished' });
  }
  await addEvent(deps, actor.userId, jobId, { type: 'cancelled', done: job.done, failed: job.failed, message: null });
  return toView(await loadJob(deps, actor.userId, jobId), deps.now());
}

/** POST /jobs/{id}/retry: the failed items only, in their chunks, through the queue again. */
export async function retryJob(deps: JobsDeps, actor: Actor, jobId: string): Promise<JobView> {
  const job = await loadJob(deps, actor.userId, jobId);
  if (job.status !== 'failed' && job.status !== 'partially-failed') {
    throw new DomainError('conflict', `Only a failed or partially-failed job can be retried (it is ${job.status})`, { code: 'job-not-failed' });
  }
  const chunks = (await loadChunks(deps, actor.userId, jobId)).filter((c) => Object.keys(c.outcome?.failed ?? {}).length > 0);
  const failedCount = chunks.reduce((k, c) => k + Object.keys(c.outcome.failed).length, 0);
  // Move failed items back to pending: chunk by chunk (each conditional on its version), then the job.
  for (const c of chunks) {
    const only = Object.keys(c.outcome.failed).map(Number).sort((a, b) => a - b);
    const ok = await deps.store.update(actor.userId, ChunkEntity, chunkSk(jobId, c.chunk), {
      set: { status: 'pending', only, attempts: 0, ambiguous: false, owner: null, leaseUntil: 0, settledAt: null, outcome: { created: c.outcome.created, failed: {}, error: null } },
      condition: '#version = :v',
      values: { ':v': c.version },
    });
    if (!ok) throw new DomainError('conflict', 'The job changed meanwhile; reload it', { code: 'conflict-version' });
    await deps.store.update(actor.userId, JobEntity, jobSk(jobId), { add: { failed: -only.length, chunksSettled: -1 } });
  }
  const fresh = await loadJob(deps, actor.userId, jobId);
  await activate(deps, actor, fresh, { status: 'queued', finishedAt: null, mode: fresh.mode === 'browser' ? 'browser' : 'server', lastActivityAt: iso(deps.now()) });
  await addEvent(deps, actor.userId, jobId, { type: 'retried', done: fresh.done, failed: fresh.failed, message: `${failedCount} failed items re-queued` });
  if (fresh.mode === 'browser') {
    await deps.store.update(actor.userId, JobEntity, jobSk(jobId), { set: { status: 'running' } });
  } else {
    await enqueueChunks(deps, actor.userId, fresh, chunks);
  }
  return toView(await loadJob(deps, actor.userId, jobId), deps.now());
}

/** POST /jobs/{id}/revert: plan the inverse of the applied changes from the snapshot, as a new job. */
export async function revertJob(deps: JobsDeps, actor: Actor, jobId: string): Promise<JobView> {
  const job = await loadJob(deps, actor.userId, jobId);
  if (ACTIVE_STATUSES.includes(job.status) || job.status === 'planned') {
    throw new DomainError('conflict', `A ${job.status} job cannot be reverted; wait for it to finish or cancel it`, { code: 'job-active' });
  }
  if (job.revertedBy) throw alreadyReverted(job.revertedBy);
  if (job.done === 0) throw new DomainError('conflict', 'The job applied no change; there is nothing to revert', { code: 'nothing-to-revert' });
  const chunks = await loadChunks(deps, actor.userId, jobId);
  const inverse = new Map<string, ZonePlanItem[]>();
  for (const c of chunks) {
    const items = await loadPages(deps, actor.userId, jobId, c.chunk);
    items.forEach((it, idx) => {
      if (itemStatus(c, idx, it, false).status !== 'done') return;
      const inv = inverseItem(it, c.outcome.created[String(idx)]);
      if (inv) inverse.set(it.zoneId, [...(inverse.get(it.zoneId) ?? []), inv]);
    });
  }
  if (inverse.size === 0) throw new DomainError('conflict', 'None of the applied changes can be reverted (cache purges cannot)', { code: 'nothing-to-revert' });
  // Claim the job for this revert before planning it, so concurrent reverts create one job.
  const revertJobId = newJobId(deps.now(), () => rand(9));
  if (!(await deps.store.claimRevert(actor.userId, jobId, revertJobId))) {
    const current = await loadJob(deps, actor.userId, jobId);
    if (current.revertedBy) throw alreadyReverted(current.revertedBy);
    throw new DomainError('conflict', `A ${current.status} job cannot be reverted; wait for it to finish or cancel it`, { code: 'job-active' });
  }
  try {
    return await planRevert(deps, actor, job, inverse, revertJobId);
  } catch (e) {
    // The revert job was not created: free the claim so the revert can be asked for again.
    await deps.store.releaseRevert(actor.userId, jobId, revertJobId);
    throw e;
  }
}

const alreadyReverted = (by: string) => new DomainError('conflict', `The job was already reverted by job ${by}`, { code: 'job-reverted', extra: { revertedBy: by } });

/** The revert job (id claimed already): live state read again, changed records planned as skipped. */
async function planRevert(deps: JobsDeps, actor: Actor, job: JobRow, inverse: Map<string, ZonePlanItem[]>, revertJobId: string): Promise<JobView> {
  const jobId = job.jobId;
  const cf = await deps.connect(actor.userId, job.accountId);
  const zoneById = new Map(job.zones.map((z) => [z.zoneId, z]));
  const settingsKeys: Record<string, unknown> = {};
  let zonePlans: ZonePlan[];
  try {
    zonePlans = await mapLimit([...inverse.entries()], deps.config.readConcurrency, async ([zoneId, items]) => {
      const z = zoneById.get(zoneId)!;
      const zone: CfZone = { id: zoneId, name: z.zoneName, plan: z.plan, batchLimit: z.batchLimit };
      if (items[0]!.action === 'setting') {
        const s = await readRetry(deps, () => cf.getSettings(zoneId));
        const out = items.map((i) => {
          settingsKeys[i.recordId!] = true;
          const cur = s[i.recordId!];
          const expected = (i.before as { value: unknown }).value;
          return JSON.stringify(cur) === JSON.stringify(expected) ? i : { ...i, skip: 'changed since the job ran' };
        });
        const fp = fingerprintValues(Object.fromEntries(items.map((i) => [i.recordId!, s[i.recordId!] ?? null])));
        return { zone, items: out, recordsInZone: 0, fingerprint: fp };
      }
      const live = await readRetry(deps, () => cf.listRecords(zoneId));
      const byId = new Map(live.map((r) => [r.id, r]));
      const ids = new Set(live.map(identity));
      const out = items.map((i) => {
        if (i.action === 'create') return ids.has(identity(i.after as unknown as RecordLite)) ? { ...i, skip: 'already exists' } : i;
        const r = byId.get(i.recordId!);
        if (!r || !sameRecord(r, i.before as unknown as RecordLite)) return { ...i, skip: 'changed since the job ran' };
        return i;
      });
      return { zone: { ...zone, plan: z.plan }, items: out, recordsInZone: live.length, fingerprint: fingerprintRecords(live) };
    });
  } catch (e) {
    throw upstream(e);
  }
  const created = await writePlan(
    deps,
    actor,
    { kind: job.kind, accountId: job.accountId, params: { revertOf: jobId, settings: settingsKeys }, revertOf: jobId, jobId: revertJobId },
    { zonePlans, threshold: 1 },
  );
  // A revert is explicitly asked for: it never needs force.
  await deps.store.update(actor.userId, JobEntity, jobSk(created.jobId), { set: { needsForce: false } });
  return toView(await loadJob(deps, actor.userId, created.jobId), deps.now());
}

// ───────────────────────────── sweeper ─────────────────────────────

export interface SweepReport {
  jobs: number;
  requeued: number;
  failed: number;
  finalized: number;
  expired: number;
}

/**
 * Re-enqueue chunks stuck past their visibility window (a worker died and the
 * message is gone or in the DLQ), fail those out of attempts, finalize jobs
 * whose last settle crashed before finalizing, cancel idle browser-paced jobs.
 */
export async function sweep(deps: JobsDeps, opts: { browserIdleMs?: number } = {}): Promise<SweepReport> {
  const report: SweepReport = { jobs: 0, requeued: 0, failed: 0, finalized: 0, expired: 0 };
  const now = deps.now();
  const vis = deps.config.visibilityMs;
  for (const { userId, jobId } of await deps.store.listActive()) {
    report.jobs++;
    let job: JobRow & { version: number };
    try {
      job = await loadJob(deps, userId, jobId);
    } catch {
      await deps.store.deleteActivePointer(userId, jobId);
      continue;
    }
    if (!ACTIVE_STATUSES.includes(job.status)) {
      await deps.store.deleteActivePointer(userId, jobId);
      continue;
    }
    if (job.mode === 'browser') {
      const idle = now - Date.parse(job.lastActivityAt ?? job.appliedAt ?? job.createdAt);
      if (idle > (opts.browserIdleMs ?? 3_600_000)) {
        await cancelJob(deps, { userId, tier: job.tier as Tier }, jobId);
        report.expired++;
      }
      continue;
    }
    const chunks = await loadChunks(deps, userId, jobId);
    const stuck: ChunkRow[] = [];
    for (const c of chunks) {
      const stale = c.status === 'applying' && c.leaseUntil + vis < now;
      // Pending with no progress on the whole job for 4 visibility windows: its message was lost.
      const lost = c.status === 'pending' && now - Date.parse(job.lastActivityAt ?? job.appliedAt ?? job.createdAt) > 4 * vis;
      if (!stale && !lost) continue;
      if (c.status === 'applying' && c.attempts >= deps.config.maxAttempts) {
        // The last delivery crashed: its message is in the DLQ. Fail the items with the reason.
        const items = await loadPages(deps, userId, jobId, c.chunk);
        const reason = `worker crashed on all ${c.attempts} deliveries (message in the DLQ)`;
        const failed: Record<string, string> = {};
        items.forEach((it, idx) => {
          if (!it.skip && (!c.only || c.only.includes(idx))) failed[String(idx)] = reason;
        });
        const ok = await settle(deps, { userId, job, chunk: c as ChunkRow & { version: number }, owner: c.owner ?? '' }, {
          status: 'failed',
          outcome: { created: c.outcome.created, failed, error: reason },
          done: 0,
          failed: Object.keys(failed).length,
          cancelled: 0,
        }, { status: 'applying', owner: c.owner ?? '' });
        if (ok) report.failed++;
      } else stuck.push(c);
    }
    if (stuck.length) {
      await enqueueChunks(deps, userId, job, stuck);
      report.requeued += stuck.length;
    }
    const fresh = await loadJob(deps, userId, jobId);
    if (fresh.chunksSettled >= fresh.chunks && ACTIVE_STATUSES.includes(fresh.status)) {
      await maybeFinalize(deps, userId, jobId, fresh);
      report.finalized++;
    }
  }
  return report;
}
