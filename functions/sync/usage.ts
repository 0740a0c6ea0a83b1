/**
 * What a user's synced data takes, kept by each write's own transaction (never recounted):
 *
 *   SYNCUSAGE#<type>   { items, bytes, lastAt, lastDevice }   the dashboard's card per type
 *   SYNCUSAGE#total    { items, bytes }                        capped at the tier's syncTotalBytes
 *
 * Both are atomic ADDs (repository tx `add`) without a version guard, so concurrent writes to
 * different items never conflict over them; the total's ADD carries the condition
 * `bytes <= limit - delta`, so a burst that together crosses the limit cannot pass it.
 *
 *   addUsage(tx, nowMs, subject, type, { items, bytes }, limitBytes) -> tx
 *   commitUsage(deps, tenant, tx)      the commit; a total past the limit -> 413 too-large { limit, size }
 *   readUsage(deps, tenant) -> { types: { [type]: usage }, total }
 */
import { defineEntity } from '../data/entity';
import { ConflictError } from '../data/errors';
import type { Repository } from '../data/repository';
import { DomainError } from '../errors';
import type { Tenant } from '../tenancy/tenant';
import { queryAll, type SyncDeps } from './deps';
import type { SyncSubject, SyncType } from './entities';

export interface SyncUsageItem {
  items: number;
  /** Client bytes (decoded blobs). */
  bytes: number;
  /** Per type: the last change and the device that made it. */
  lastAt?: string;
  lastDevice?: string;
}

export const SyncUsageEntity = defineEntity<SyncUsageItem>({ name: 'sync-usage', skPrefix: 'SYNCUSAGE#', encrypted: [] });
export const usageSk = (type: SyncType) => `SYNCUSAGE#${type}`;
export const USAGE_TOTAL_SK = 'SYNCUSAGE#total';

type Tx = ReturnType<Repository['tx']>;

/** Two writes of the caller's transaction: the type's usage and the capped total. */
export function addUsage(tx: Tx, nowMs: number, subject: SyncSubject, type: SyncType, delta: { items: number; bytes: number }, limitBytes: number): Tx {
  tx.add(SyncUsageEntity, usageSk(type), delta, { set: { lastAt: new Date(nowMs).toISOString(), lastDevice: subject.deviceId } });
  // Only growth is capped: a delete or a smaller replacement always goes through.
  return tx.add(SyncUsageEntity, USAGE_TOTAL_SK, delta, delta.bytes > 0 ? { atMost: { counter: 'bytes', max: limitBytes } } : {});
}

/** Commits a transaction holding `addUsage`; the total past the tier's limit is 413 naming it. */
export async function commitUsage(deps: Pick<SyncDeps, 'repo' | 'limits'>, tenant: Tenant, tx: Tx, addedBytes: number): Promise<void> {
  try {
    await tx.commit();
  } catch (err) {
    if (!(err instanceof ConflictError) || err.reason !== 'limit') throw err;
    const total = await deps.repo.get(tenant, SyncUsageEntity, USAGE_TOTAL_SK);
    const limit = deps.limits.syncTotalBytes;
    const size = (total?.bytes ?? 0) + addedBytes;
    throw new DomainError('payload-too-large', `This would bring the account's synced data to ${size} bytes; this account's tier allows ${limit}`, {
      code: 'too-large',
      extra: { limit, size },
    });
  }
}

export async function readUsage(deps: Pick<SyncDeps, 'repo'>, tenant: Tenant) {
  const items = await queryAll(deps, tenant, SyncUsageEntity, 'SYNCUSAGE#');
  const of = (sk: string) => items.find((i) => i.sk === sk);
  return { byType: (type: SyncType) => of(usageSk(type)), total: of(USAGE_TOTAL_SK) };
}
