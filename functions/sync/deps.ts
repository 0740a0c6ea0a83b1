/**
 * What the sync domain needs: the repository, the blind indexer (snapshot ids), a clock,
 * the account tier's sync limits (functions/platform/tiers.ts) and the audit log.
 */
import type { Audit } from '../audit/audit';
import type { BlindIndexer } from '../crypto/blind-index';
import { retryOnConflict } from '../data/retry-on-conflict';
import type { Entity } from '../data/entity';
import type { Repository, Stored } from '../data/repository';
import type { Tenant } from '../tenancy/tenant';
import { DomainError } from '../errors';
import type { TierLimits } from '../platform/tiers';
import type { SyncBlobStore } from './blob-store';

export interface SyncDeps {
  readonly repo: Pick<Repository, 'get' | 'getMany' | 'tx' | 'query'>;
  readonly blind: Pick<BlindIndexer, 'blindIndex'>;
  readonly now: () => number;
  readonly limits: Pick<TierLimits, 'syncItemBytes' | 'syncTotalBytes' | 'auditRetentionDays'>;
  /** The user's audit chain (audit.ts): settings, keys and clears are recorded there. */
  readonly audit: Pick<Audit, 'record'>;
  /** Large snapshot blobs (over TABLE_BLOB_BYTES); without it they are refused (413). */
  readonly blobs?: SyncBlobStore;
}

/**
 * Client bytes a table item holds: sealed by the repository a blob grows ~1.8× (base64 of
 * base64 + envelope), so 150 KiB stays well under DynamoDB's 400 KB item with the rest.
 */
export const TABLE_BLOB_BYTES = 150 * 1024;

/** A concurrent write to the same sync items: read again and retry (data/retry-on-conflict.ts). */
export const retryWrite = <R>(attempt: () => Promise<R>) =>
  retryOnConflict(attempt, {
    attempts: 40,
    exhausted: (cause) => new DomainError('conflict', 'Too many concurrent writes; try again', { code: 'sync-contention', cause }),
  });

/**
 * A commit whose items were read at a version, run again only while it lost to a concurrent
 * transaction on a shared item (the usage total), not when its own items changed.
 */
export const retryRace = (commit: () => Promise<void>) =>
  retryOnConflict(commit, { attempts: 40, retryIf: (err) => err.reason === 'transaction' });

/** Every item of an entity under a prefix, all pages, consistent (a user's sync items are few per prefix). */
export async function queryAll<T extends object>(deps: Pick<SyncDeps, 'repo'>, tenant: Tenant, entity: Entity<T>, skPrefix: string): Promise<Stored<T>[]> {
  const out: Stored<T>[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(tenant, entity, { skPrefix, limit: 500, cursor, consistent: true });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}
