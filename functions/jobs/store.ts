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
 *
 * Split by concern: chunk-store.ts (chunk), planning-store.ts (plan, check), this file (job, global),
 * store-kit.ts (what they share: keys, the sweeper's pointer, the concurrency slot, transactions).
 */
import { randomBytes } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { Keyring } from '../crypto/keyring';
import type { TableRef } from '../aws/table';
import { partitionItems } from '../aws/table';
import { parseTenantKey, type Tenant } from '../tenancy/tenant';
import {
  eventPrefix,
  EventEntity,
  iso,
  jobSk,
  JobEntity,
  type EventRow,
  type JobRow,
  type JobStatus,
} from './model';
import { TxConditionFailed, type NewItem } from './table-writes';
import { chunkWrites } from './chunk-store';
import { planningWrites } from './planning-store';
import { ACTIVE_PK, createStoreKit } from './store-kit';

export { ACTIVE_PK } from './store-kit';
export type { ZoneCommitResult } from './store-kit';
export type { Settlement, SettleExpectation, SettleResult } from './chunk-store';
export type { ZonePlanTotals } from './planning-store';
export type ActivateResult = 'activated' | 'over-limit' | 'changed';

export function createJobStore(table: TableRef, keyring: Pick<Keyring, 'current'>) {
  const k = createStoreKit(table, keyring);
  const { T, w, jobUpdate, pointerKey, addPointer, takeConcurrencySlot, endActive, status } = k;
  return {
    ...chunkWrites(k),
    ...planningWrites(k),
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
