/**
 * What the jobs store's parts share (store.ts): the table writes, key builders, the sweeper's
 * pointer, the tenant's concurrency slot, and the few multi-item transactions several parts run.
 */
import type { Keyring } from '../crypto/keyring';
import type { TableRef } from '../aws/table';
import { tenantKey, type Tenant } from '../tenancy/tenant';
import {
  chunkSk,
  ChunkEntity,
  jobSk,
  JobEntity,
  SLOTS_SK,
  SlotsEntity,
  zoneSk,
  ZoneEntity,
  type JobRow,
} from './model';
import { createTableWrites, TxConditionFailed, type TxItem, type UpdateInput } from './table-writes';

/** Global pointer to an active job (sweeper's index). Holds ids only. */
export const ACTIVE_PK = 'ACTIVEJOB#all';

/** 'stale': the job left the expected status/round (cancelled, failed); 'lost': the zone was not ours / counted already. */
export type ZoneCommitResult = 'committed' | 'lost' | 'stale' | 'conflict';

export function createStoreKit(table: TableRef, keyring: Pick<Keyring, 'current'>) {
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


  return { T, w, chunkUpdate, jobUpdate, pointerKey, addPointer, removePointer, takeConcurrencySlot, releaseConcurrencySlot, endActive, status, claimSpec, zoneUpdate, endPlanning, zoneAndJob };
}

export type StoreKit = ReturnType<typeof createStoreKit>;
