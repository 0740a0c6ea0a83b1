/**
 * The jobs store's planning and drift-check writes (store.ts): zones claimed, planned and checked, each counted once.
 */
import type { Tenant } from '../tenancy/tenant';
import {
  iso,
  jobSk,
  JobEntity,
  zoneSk,
  ZoneEntity,
  type JobProblem,
  type JobRow,
  type JobStatus,
  type ZoneSummary,
} from './model';
import { type NewItem } from './table-writes';
import type { StoreKit, ZoneCommitResult } from './store-kit';

/** What one zone's stored plan adds to the job. */
export interface ZonePlanTotals {
  chunks: number;
  chunksSettled: number;
  total: number;
  skipped: number;
  /** 1 when the zone's Cloudflare plan refuses this plan (quota.ts), else 0. */
  refused: number;
}

export function planningWrites(k: StoreKit) {
  const { T, w, jobUpdate, addPointer, endActive, status, claimSpec, zoneUpdate, endPlanning, zoneAndJob } = k;
  return {
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

  };
}
