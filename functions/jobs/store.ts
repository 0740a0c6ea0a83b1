/**
 * The jobs store: every DynamoDB write of the engine, behind a method named
 * for what it does (Powertools idempotency's persistence-layer style: the
 * engine speaks in intentions, the conditions live here). Every key is built
 * from the tenant; nothing here takes a partition key from a caller.
 *
 *   chunk:  claimChunk, renewLease, markAmbiguous, releaseLease, deferChunk, settleChunk, requeueFailedItems
 *   plan:   createPlanning, createZones, putItems, deleteItems, setZonesTotal, claimZone, releaseZone, commitZonePlan,
 *           completePlan, failPlan, cancelPlanning
 *   check:  recordZoneCheck, passCheck, refuseCheck (gives the slot back)
 *   job:    createPlan, addEvent, approve, activate (takes a concurrency slot), markRunning, resumeInBrowser,
 *           finish / cancelActive (release it), cancelPlanned, uncountRequeued, clearNeedsForce,
 *           claimRevert, releaseRevert
 *   global: listActive, deleteActivePointer (the sweeper's index of active jobs)
 */
import { randomBytes } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { Keyring } from '../crypto/keyring';
import type { TableRef } from '../aws/table';
import { partitionItems } from '../aws/table';
import { parseTenantKey, tenantKey, type Tenant } from '../tenancy/tenant';
import {
  chunkSk,
  ChunkEntity,
  eventPrefix,
  EventEntity,
  iso,
  jobSk,
  JobEntity,
  SLOTS_SK,
  SlotsEntity,
  zoneSk,
  ZoneEntity,
  type ChunkOutcome,
  type EventRow,
  type JobProblem,
  type JobRow,
  type JobStatus,
  type ZoneSummary,
} from './model';
import { createTableWrites, TxConditionFailed, type NewItem, type TxItem, type UpdateInput } from './table-writes';

/** Global pointer to an active job (sweeper's index). Holds ids only. */
export const ACTIVE_PK = 'ACTIVEJOB#all';

/** What a settle writes: the chunk's final status and outcome, and what it adds to the job's counters. */
export interface Settlement {
  status: 'done' | 'failed' | 'cancelled';
  outcome: ChunkOutcome;
  done: number;
  failed: number;
  cancelled: number;
}

/** The state a settle expects the chunk in: `applying` by this owner, or `pending` (cancel). */
export interface SettleExpectation {
  status: 'applying' | 'pending';
  /** When given (non-empty), the claim's owner must match. */
  owner?: string;
}

export type SettleResult = 'settled' | 'lost' | 'conflict';
/** 'stale': the job left the expected status/round (cancelled, failed); 'lost': the zone was not ours / counted already. */
export type ZoneCommitResult = 'committed' | 'lost' | 'stale' | 'conflict';

/** What one zone's stored plan adds to the job. */
export interface ZonePlanTotals {
  chunks: number;
  chunksSettled: number;
  total: number;
  skipped: number;
  /** 1 when the zone's Cloudflare plan refuses this plan (quota.ts), else 0. */
  refused: number;
}
export type ActivateResult = 'activated' | 'over-limit' | 'changed';

export function createJobStore(table: TableRef, keyring: Pick<Keyring, 'current'>) {
  const T = table.name;
  const w = createTableWrites(table, keyring);
  const chunkUpdate = (tenant: Tenant, jobId: string, n: number, u: Parameters<typeof w.update>[3]) => w.update(tenant, ChunkEntity, chunkSk(jobId, n), u);
  const jobUpdate = (tenant: Tenant, jobId: string, u: Parameters<typeof w.update>[3]) => w.update(tenant, JobEntity, jobSk(jobId), u);

  // The sort key stays `<tenant id>#<jobId>` (the `<userId>#<jobId>` of pointers already written);
  // the tenant itself is read from the pointer's `tenant` attribute.
  const pointerKey = (tenant: Tenant, jobId: string) => ({ pk: ACTIVE_PK, sk: `${tenant.id}#${jobId}` });
  const addPointer = (tenant: Tenant, jobId: string): TxItem => ({ Put: { TableName: T, Item: { ...pointerKey(tenant, jobId), _e: 'global', tenant: tenantKey(tenant), jobId } } });
  const removePointer = (tenant: Tenant, jobId: string): TxItem => ({ Delete: { TableName: T, Key: pointerKey(tenant, jobId) } });

  /** Create-or-increment the tenant's active-job counter, only while below the limit. */
  const takeConcurrencySlot = (tenant: Tenant, limit: number) =>
    w.buildUpdate(tenant, SlotsEntity, SLOTS_SK, { add: { active: 1 }, condition: 'active < :limit', values: { ':limit': limit }, createIfMissing: true });
  const releaseConcurrencySlot = (tenant: Tenant) => w.buildUpdate(tenant, SlotsEntity, SLOTS_SK, { add: { active: -1 }, condition: 'active > :zero', values: { ':zero': 0 } });

  /** End an active job (`jobEnd`) and give its slot back, in one transaction. False if the job's condition failed. */
  async function endActive(tenant: Tenant, jobId: string, jobEnd: UpdateInput): Promise<boolean> {
    try {
      await w.transact([{ Update: jobEnd }, { Update: await releaseConcurrencySlot(tenant) }, removePointer(tenant, jobId)]);
      return true;
    } catch (e) {
      if (e instanceof TxConditionFailed && e.index === 1) {
        // Counter already at 0 (repaired elsewhere): end the job alone.
        try {
          await w.transact([{ Update: jobEnd }, removePointer(tenant, jobId)]);
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

  const status = { names: { '#st': 'status' } };
  /** A leased claim (chunk or zone): `pending`, or `held` with an expired lease → `held` by the owner, attempts + 1. */
  const claimSpec = (held: string, claim: { owner: string; now: number; leaseMs: number }) => ({
    set: { status: held, owner: claim.owner, leaseUntil: claim.now + claim.leaseMs },
    add: { attempts: 1 },
    condition: '#st = :pending OR (#st = :held AND leaseUntil < :now)',
    ...status,
    values: { ':pending': 'pending', ':held': held, ':now': claim.now },
  });
  const zoneUpdate = (tenant: Tenant, jobId: string, index: number, u: Parameters<typeof w.update>[3]) => w.update(tenant, ZoneEntity, zoneSk(jobId, index), u);

  /** Move a job out of `planning` (the sweeper's index forgets it) when `condition` holds. */
  async function endPlanning(tenant: Tenant, jobId: string, set: Partial<JobRow>, condition = '#st = :planning', values: Record<string, unknown> = {}): Promise<boolean> {
    const end = await w.buildUpdate(tenant, JobEntity, jobSk(jobId), { set, condition, ...status, values: { ':planning': 'planning', ...values } });
    try {
      await w.transact([{ Update: end }, removePointer(tenant, jobId)]);
      return true;
    } catch (e) {
      if (e instanceof TxConditionFailed && e.index === 0) return false;
      throw e;
    }
  }

  /** A two-item transaction (a zone and its job's counters): which condition failed decides the result. */
  async function zoneAndJob(zone: UpdateInput, job: UpdateInput): Promise<ZoneCommitResult> {
    try {
      await w.transact([{ Update: zone }, { Update: job }]);
      return 'committed';
    } catch (e) {
      if (e instanceof TxConditionFailed) return e.index === -1 ? 'conflict' : e.index === 0 ? 'lost' : 'stale';
      throw e;
    }
  }

  return {
    // ───────────── chunks ─────────────

    /** Claim a `pending` chunk, or an `applying` one whose lease expired: owner, lease, attempts + 1. Undefined when not claimable. */
    async claimChunk(tenant: Tenant, jobId: string, n: number, claim: { owner: string; now: number; leaseMs: number }): Promise<{ attempts: number; version: number } | undefined> {
      const raw = await chunkUpdate(tenant, jobId, n, claimSpec('applying', claim));
      return raw && { attempts: Number(raw.attempts), version: Number(raw.version) };
    },

    /** Extend the owner's live lease to `until`. False when the lease was lost. */
    async renewLease(tenant: Tenant, jobId: string, n: number, lease: { owner: string; now: number; until: number }): Promise<boolean> {
      const ok = await chunkUpdate(tenant, jobId, n, {
        set: { leaseUntil: lease.until },
        condition: '#owner = :o AND #st = :a AND leaseUntil > :now',
        names: { '#owner': 'owner', '#st': 'status' },
        values: { ':o': lease.owner, ':a': 'applying', ':now': lease.now },
      });
      return !!ok;
    },

    /** A send may have reached Cloudflare unanswered: the next claim reconciles first. */
    async markAmbiguous(tenant: Tenant, jobId: string, n: number, owner: string): Promise<void> {
      await chunkUpdate(tenant, jobId, n, { set: { ambiguous: true }, condition: '#owner = :o', names: { '#owner': 'owner' }, values: { ':o': owner } });
    },

    /** Give the lease up (keeping `ambiguous`) so a redelivery can claim at once. */
    async releaseLease(tenant: Tenant, jobId: string, n: number, owner: string): Promise<void> {
      await chunkUpdate(tenant, jobId, n, {
        set: { leaseUntil: 0 },
        condition: '#owner = :o AND #st = :a',
        names: { '#owner': 'owner', '#st': 'status' },
        values: { ':o': owner, ':a': 'applying' },
      });
    },

    /**
     * Hand a claimed chunk back untried (a limiter deferral): `pending` again, the claim not counted as
     * an attempt; `ambiguous` when a send of this or an earlier claim may have landed (the next claim
     * reconciles first).
     */
    async deferChunk(tenant: Tenant, jobId: string, n: number, owner: string, ambiguous: boolean): Promise<void> {
      await chunkUpdate(tenant, jobId, n, {
        set: { status: 'pending', owner: null, leaseUntil: 0, ambiguous },
        add: { attempts: -1 },
        condition: '#owner = :o AND #st = :a',
        names: { '#owner': 'owner', '#st': 'status' },
        values: { ':o': owner, ':a': 'applying' },
      });
    },

    /**
     * Settle a chunk and add its items to the job's counters in one transaction (exactly once).
     * 'lost': the chunk was not in the expected state (another settle counted it);
     * 'conflict': concurrent settles of the job kept conflicting (the caller retries).
     */
    async settleChunk(tenant: Tenant, jobId: string, n: number, s: Settlement, expect: SettleExpectation, now: number): Promise<SettleResult> {
      const chunkEnd = await w.buildUpdate(tenant, ChunkEntity, chunkSk(jobId, n), {
        set: { status: s.status, outcome: s.outcome, settledAt: iso(now), leaseUntil: 0, ambiguous: false },
        condition: expect.owner ? '#st = :expect AND #owner = :owner' : '#st = :expect',
        names: { '#st': 'status', ...(expect.owner ? { '#owner': 'owner' } : {}) },
        values: { ':expect': expect.status, ...(expect.owner ? { ':owner': expect.owner } : {}) },
      });
      const counters = await w.buildUpdate(tenant, JobEntity, jobSk(jobId), {
        set: { lastActivityAt: iso(now) },
        add: { done: s.done, failed: s.failed, cancelled: s.cancelled, chunksSettled: 1 },
      });
      try {
        await w.transact([{ Update: chunkEnd }, { Update: counters }]);
        return 'settled';
      } catch (e) {
        if (e instanceof TxConditionFailed) return e.index === -1 ? 'conflict' : 'lost';
        throw e;
      }
    },

    /** Retry: a settled chunk goes back to `pending` for its failed items `only` (if unchanged since read). */
    async requeueFailedItems(tenant: Tenant, jobId: string, chunk: { chunk: number; version: number; created: Record<string, string> }, only: number[]): Promise<boolean> {
      const ok = await chunkUpdate(tenant, jobId, chunk.chunk, {
        set: { status: 'pending', only, attempts: 0, ambiguous: false, owner: null, leaseUntil: 0, settledAt: null, outcome: { created: chunk.created, failed: {}, error: null } },
        condition: '#version = :v',
        values: { ':v': chunk.version },
      });
      return !!ok;
    },

    // ───────────── planning (tier workers) ─────────────

    /** A `planning` job: its request pages, then the job item with its sweeper pointer. */
    async createPlanning(tenant: Tenant, job: JobRow, rows: readonly NewItem[]): Promise<void> {
      await w.createMany(tenant, rows);
      const Item = await w.buildItem(tenant, JobEntity, jobSk(job.jobId), { ...job });
      await w.transact([{ Put: { TableName: T, Item, ConditionExpression: 'attribute_not_exists(pk)' } }, addPointer(tenant, job.jobId)]);
    },

    /** Idempotent puts (a zone's chunks and pages): a redelivery writes the same keys again. */
    putItems: (tenant: Tenant, rows: readonly NewItem[]) => w.createMany(tenant, rows),
    /**
     * The selection's zone items, each created once: a second listing (a redelivered plan-job running
     * while the first one fans out) never turns a planned zone back to pending.
     */
    createZones: (tenant: Tenant, rows: readonly NewItem[]) => w.createAbsent(tenant, rows),
    deleteItems: (tenant: Tenant, sks: readonly string[]) => w.deleteMany(tenant, sks),

    /** The selection is listed: set once, while planning. False when already set (or not planning). */
    async setZonesTotal(tenant: Tenant, jobId: string, zonesTotal: number, now: number): Promise<boolean> {
      return !!(await jobUpdate(tenant, jobId, {
        set: { zonesTotal, lastActivityAt: iso(now) },
        condition: '#st = :planning AND (attribute_not_exists(zonesTotal) OR zonesTotal = :null)',
        ...status,
        values: { ':planning': 'planning', ':null': null },
      }));
    },

    /** Claim a zone to plan (pending, or planning with an expired lease), as claimChunk does for chunks. */
    async claimZone(tenant: Tenant, jobId: string, index: number, claim: { owner: string; now: number; leaseMs: number }): Promise<{ attempts: number } | undefined> {
      const raw = await zoneUpdate(tenant, jobId, index, claimSpec('planning', claim));
      return raw && { attempts: Number(raw.attempts) };
    },

    /** Give a zone's claim up so a redelivery can claim it at once; `uncount`: the claim was no attempt (a limiter deferral). */
    async releaseZone(tenant: Tenant, jobId: string, index: number, owner: string, o: { uncount?: boolean } = {}): Promise<void> {
      await zoneUpdate(tenant, jobId, index, { set: { leaseUntil: 0 }, ...(o.uncount ? { add: { attempts: -1 } } : {}), condition: '#owner = :o AND #st = :p', names: { '#owner': 'owner', '#st': 'status' }, values: { ':o': owner, ':p': 'planning' } });
    },

    /**
     * A zone's plan is stored (its chunks and pages were put before): the zone becomes `planned` with
     * its summary and the job counts it, in one transaction — exactly once, and only while planning.
     */
    async commitZonePlan(tenant: Tenant, jobId: string, index: number, owner: string, summary: ZoneSummary, totals: ZonePlanTotals, now: number): Promise<ZoneCommitResult> {
      const zone = await w.buildUpdate(tenant, ZoneEntity, zoneSk(jobId, index), {
        set: { status: 'planned', summary, chunks: totals.chunks, owner: null, leaseUntil: 0 },
        condition: '#st = :planning AND #owner = :o',
        names: { '#st': 'status', '#owner': 'owner' },
        values: { ':planning': 'planning', ':o': owner },
      });
      const job = await w.buildUpdate(tenant, JobEntity, jobSk(jobId), {
        set: { lastActivityAt: iso(now), ...(summary.overThreshold ? { needsForce: true } : {}) },
        add: { zonesPlanned: 1, zonesRefused: totals.refused, chunks: totals.chunks, chunksSettled: totals.chunksSettled, total: totals.total, skipped: totals.skipped },
        condition: '#st = :planning',
        ...status,
        values: { ':planning': 'planning' },
      });
      return zoneAndJob(zone, job);
    },

    /** Every zone planned: the job becomes `planned` (once). */
    completePlan(tenant: Tenant, jobId: string, chunkNumbers: number[] | null): Promise<boolean> {
      return endPlanning(tenant, jobId, { status: 'planned', chunkNumbers }, '#st = :planning AND zonesPlanned = zonesTotal');
    },

    /** Planning failed for good: the job ends `plan-failed` carrying the problem. */
    failPlan(tenant: Tenant, jobId: string, problem: JobProblem, now: number): Promise<boolean> {
      return endPlanning(tenant, jobId, { status: 'plan-failed', problem, finishedAt: iso(now) });
    },

    cancelPlanning(tenant: Tenant, jobId: string, now: number): Promise<boolean> {
      return endPlanning(tenant, jobId, { status: 'cancelled', finishedAt: iso(now) });
    },

    // ───────────── apply's drift check ─────────────

    /** One zone re-read in check round `round`: counted once (the zone remembers the round). */
    async recordZoneCheck(tenant: Tenant, jobId: string, index: number, round: number, drifted: boolean, now: number): Promise<ZoneCommitResult> {
      const zone = await w.buildUpdate(tenant, ZoneEntity, zoneSk(jobId, index), {
        set: { checkedRound: round, ...(drifted ? { driftedRound: round } : {}) },
        condition: 'attribute_not_exists(checkedRound) OR checkedRound <> :r',
        values: { ':r': round },
      });
      const job = await w.buildUpdate(tenant, JobEntity, jobSk(jobId), {
        set: { lastActivityAt: iso(now) },
        add: { zonesChecked: 1, zonesDrifted: drifted ? 1 : 0 },
        condition: '#st = :checking AND checkRound = :r',
        ...status,
        values: { ':checking': 'checking', ':r': round },
      });
      return zoneAndJob(zone, job);
    },

    /** The check found no drift: the job moves on (`queued`, or `running` in browser mode), once. */
    async passCheck(tenant: Tenant, jobId: string, round: number, next: JobStatus, now: number): Promise<boolean> {
      return !!(await jobUpdate(tenant, jobId, {
        set: { status: next, lastActivityAt: iso(now) },
        condition: '#st = :checking AND checkRound = :r',
        ...status,
        values: { ':checking': 'checking', ':r': round },
      }));
    },

    /** The check refused the apply (drift, or it could not read): back to `planned` with the problem; the slot is given back. */
    async refuseCheck(tenant: Tenant, jobId: string, round: number, problem: JobProblem): Promise<boolean> {
      const back = await w.buildUpdate(tenant, JobEntity, jobSk(jobId), {
        set: { status: 'planned', problem, mode: null, appliedAt: null, lastActivityAt: null },
        condition: '#st = :checking AND checkRound = :r',
        ...status,
        values: { ':checking': 'checking', ':r': round },
      });
      return endActive(tenant, jobId, back);
    },

    // ───────────── jobs ─────────────

    /** A planned job: its chunks and plan pages first, then the job item (which makes it visible). */
    async createPlan(tenant: Tenant, job: JobRow, rows: readonly NewItem[]): Promise<void> {
      await w.createMany(tenant, rows);
      await w.createOne(tenant, { entity: JobEntity, sk: jobSk(job.jobId), attrs: { ...job } });
    },

    async addEvent(tenant: Tenant, jobId: string, event: Omit<EventRow, 'time'>, now: number): Promise<void> {
      const sk = `${eventPrefix(jobId)}${iso(now)}#${randomBytes(4).toString('base64url')}`;
      await w.createOne(tenant, { entity: EventEntity, sk, attrs: { ...event, time: iso(now) } });
    },

    /** Take a slot of the tenant's concurrent-job limit and apply `changes` to the job (at `version`), atomically. */
    async activate(tenant: Tenant, job: { jobId: string; version: number }, changes: Partial<JobRow>, concurrencyLimit: number): Promise<ActivateResult> {
      const slot = await takeConcurrencySlot(tenant, concurrencyLimit);
      const jobChange = await w.buildUpdate(tenant, JobEntity, jobSk(job.jobId), { set: changes, condition: '#version = :v', values: { ':v': job.version } });
      try {
        await w.transact([{ Update: slot }, { Update: jobChange }, addPointer(tenant, job.jobId)]);
        return 'activated';
      } catch (e) {
        if (e instanceof TxConditionFailed) return e.index === 0 ? 'over-limit' : 'changed';
        throw e;
      }
    },

    /**
     * Two-person rule: record the approval of a planned job, once. The condition (still planned,
     * not approved yet) makes concurrent approvals produce exactly one. False when it did not hold.
     */
    async approve(tenant: Tenant, jobId: string, approverId: string, now: number): Promise<boolean> {
      const ok = await jobUpdate(tenant, jobId, {
        set: { approvedBy: approverId, approvedAt: iso(now) },
        condition: '#st = :p AND (attribute_not_exists(approvedBy) OR approvedBy = :null)',
        ...status,
        values: { ':p': 'planned', ':null': null },
      });
      return !!ok;
    },

    /** The first claim of a queued job marks it running. */
    async markRunning(tenant: Tenant, jobId: string): Promise<void> {
      await jobUpdate(tenant, jobId, { set: { status: 'running' }, condition: '#st = :q', ...status, values: { ':q': 'queued' } });
    },

    /** A browser-paced job is running as soon as it is (re)activated: the browser sends the chunks. */
    async resumeInBrowser(tenant: Tenant, jobId: string): Promise<void> {
      await jobUpdate(tenant, jobId, { set: { status: 'running' } });
    },

    /** Every chunk settled: the job ends with `final` and releases its slot. False if it was not active or not fully settled. */
    async finish(tenant: Tenant, jobId: string, final: JobStatus, now: number): Promise<boolean> {
      const end = await w.buildUpdate(tenant, JobEntity, jobSk(jobId), {
        set: { status: final, finishedAt: iso(now) },
        condition: '(#st = :q OR #st = :r) AND chunksSettled >= chunks',
        ...status,
        values: { ':q': 'queued', ':r': 'running' },
      });
      return endActive(tenant, jobId, end);
    },

    /** Cancel a checking, queued or running job and release its slot. False if it was not active any more. */
    async cancelActive(tenant: Tenant, jobId: string, now: number): Promise<boolean> {
      const end = await w.buildUpdate(tenant, JobEntity, jobSk(jobId), {
        set: { status: 'cancelled', finishedAt: iso(now) },
        condition: '#st IN (:c, :q, :r)',
        ...status,
        values: { ':c': 'checking', ':q': 'queued', ':r': 'running' },
      });
      return endActive(tenant, jobId, end);
    },

    /** Cancel a job that was never applied (it holds no slot). False if it is not planned any more. */
    async cancelPlanned(tenant: Tenant, jobId: string, now: number): Promise<boolean> {
      return !!(await jobUpdate(tenant, jobId, { set: { status: 'cancelled', finishedAt: iso(now) }, condition: '#st = :p', ...status, values: { ':p': 'planned' } }));
    },

    /** Retry: a chunk's failed items leave the job's counters (the chunk is no longer settled). */
    async uncountRequeued(tenant: Tenant, jobId: string, items: number): Promise<void> {
      await jobUpdate(tenant, jobId, { add: { failed: -items, chunksSettled: -1 } });
    },

    /** A revert is explicitly asked for: it never needs force. */
    async clearNeedsForce(tenant: Tenant, jobId: string): Promise<void> {
      await jobUpdate(tenant, jobId, { set: { needsForce: false } });
    },

    /**
     * Claim a finished job for one revert, before the revert job exists: sets `revertedBy` only
     * while it is unset and the job is not planned or active. False when someone else claimed it.
     */
    async claimRevert(tenant: Tenant, jobId: string, revertJobId: string): Promise<boolean> {
      const claimed = await jobUpdate(tenant, jobId, {
        set: { revertedBy: revertJobId },
        condition: '(attribute_not_exists(revertedBy) OR revertedBy = :null) AND NOT (#st IN (:planning, :planned, :checking, :queued, :running))',
        ...status,
        values: { ':null': null, ':planning': 'planning', ':planned': 'planned', ':checking': 'checking', ':queued': 'queued', ':running': 'running' },
      });
      return !!claimed;
    },

    /** Undo a claim whose revert job could not be planned (only the claimant's own claim). */
    async releaseRevert(tenant: Tenant, jobId: string, revertJobId: string): Promise<void> {
      await jobUpdate(tenant, jobId, { set: { revertedBy: null }, condition: 'revertedBy = :mine', values: { ':mine': revertJobId } });
    },

    // ───────────── the sweeper's index ─────────────

    async deleteActivePointer(tenant: Tenant, jobId: string): Promise<void> {
      await table.doc.send(new DeleteCommand({ TableName: T, Key: pointerKey(tenant, jobId) }));
    },

    async listActive(): Promise<Array<{ tenant: Tenant; jobId: string }>> {
      const out: Array<{ tenant: Tenant; jobId: string }> = [];
      for await (const it of partitionItems(table, ACTIVE_PK)) out.push({ tenant: parseTenantKey(String(it.tenant)), jobId: String(it.jobId) });
      return out;
    },
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
