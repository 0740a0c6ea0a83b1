/**
 * The encrypted key/value store of one application end user (a `VaultSubject`).
 * Identity comes from the caller (the Session API's token, or an admin
 * operation that checked its actor); nothing here reads a user or workspace id
 * from a body.
 *
 *   putValue(deps, subject, key, value, { ifMatch?, limits }) -> { version, size, createdAt, updatedAt }
 *   getValue(deps, subject, key, prefetched?) -> { key, value, version, size, createdAt, updatedAt }   (404 value-not-found)
 *   valueReads(deps, subject, key)  -> the two item reads a get needs (for a caller that batches them with its own)
 *   deleteValue(deps, subject, key) -> { size }                                                (404 key-not-found)
 *   listValues(deps, subject)       -> [{ key, size, version, createdAt, updatedAt }]          (by key name)
 *   shredAppUser(deps, subject)     -> { values }     (deletes the data key first, then the values)
 *   shredApplication(deps, tenant, applicationId) -> { users, values }   (every subject of a deleted application)
 *
 * Every write is ONE transaction: the value (created, or replaced at the
 * version read) and the subject's record (counters, at the version read). So
 * `If-Match` is exact (412 when stale), the key cap holds under concurrent
 * creates, and the counters never drift; a write that lost a race re-reads and
 * tries again (without If-Match) or answers 412 (with it).
 */
import type { TableRef } from '../aws/table';
import type { BlindIndexer } from '../crypto/blind-index';
import { ConflictError } from '../data/errors';
import { retryOnConflict } from '../data/retry-on-conflict';
import type { Repository, Stored } from '../data/repository';
import { DomainError } from '../errors';
import type { TierLimits } from '../platform/tiers';
import type { Tenant } from '../tenancy/tenant';
import {
  checkKeyName,
  checkSubject,
  VaultUserEntity,
  vaultUserPrefix,
  vaultUserSk,
  VaultValueEntity,
  vaultValueSk,
  type VaultSubject,
  type VaultUserItem,
  type VaultValueItem,
} from './entities';
import { nameIndex, newSubjectKey, openName, openValue, sealEntry, subjectDataKey } from './sealing';
import { valueHeads } from './store';

export interface VaultDeps {
  readonly repo: Pick<Repository, 'get' | 'getMany' | 'delete' | 'tx' | 'query'>;
  readonly table: TableRef;
  readonly blind: Pick<BlindIndexer, 'blindIndex'>;
  readonly now: () => number;
}

/** The tier's vault limits (platform/tiers.ts): value size (413) and keys per user (429). */
export type VaultLimits = Pick<TierLimits, 'vaultValueBytes' | 'vaultKeysPerUser'>;

export interface VaultEntryView {
  readonly key: string;
  readonly size: number;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A write that lost a race re-reads and tries again; a burst on one user takes turns. */
const WRITE_ATTEMPTS = 40;

const keyNotFound = () => new DomainError('not-found', 'No value under this key', { code: 'value-not-found' });

const entryReads = (subject: VaultSubject, sk: string) =>
  [
    { tenant: subject.tenant, entity: VaultUserEntity, sk: vaultUserSk(subject) },
    { tenant: subject.tenant, entity: VaultValueEntity, sk },
  ] as const;

/** What `valueReads` read, in its order: the subject's record and the value's item. */
export type PrefetchedEntry = readonly [Stored<VaultUserItem> | undefined, Stored<VaultValueItem> | undefined];

/** `live` is undefined for a value of a shredded key (it reads as absent). */
function judgeEntry([user, entry]: PrefetchedEntry) {
  const live = user && entry && entry.keyId === user.keyId ? entry : undefined;
  return { user, entry, live };
}

/** The subject's record and the value's item, in one consistent BatchGetItem. */
async function readEntry(deps: VaultDeps, subject: VaultSubject, sk: string) {
  return judgeEntry(await deps.repo.getMany(entryReads(subject, sk)));
}

/**
 * The reads of a get, for a caller that makes them in its own BatchGetItem (the Session API's
 * authenticator: one round trip per get) and hands the results to `getValue` as `prefetched`.
 */
export async function valueReads(deps: Pick<VaultDeps, 'blind'>, subject: VaultSubject, key: string) {
  return entryReads(subject, await valueSk(deps, subject, key));
}

async function valueSk(deps: Pick<VaultDeps, 'blind'>, subject: VaultSubject, key: string): Promise<string> {
  checkSubject(subject);
  checkKeyName(key);
  return vaultValueSk(subject, await nameIndex(deps.blind, subject, key));
}

/** A concurrent write to the same user's values: read again and retry (data/retry-on-conflict.ts). */
const retryWrite = <R>(attempt: () => Promise<R>) =>
  retryOnConflict(attempt, {
    attempts: WRITE_ATTEMPTS,
    exhausted: (cause) => new DomainError('conflict', 'Too many concurrent writes to this user’s values; try again', { code: 'vault-contention', cause }),
  });

function serialize(value: unknown): string {
  const json = value === undefined ? undefined : JSON.stringify(value);
  if (json === undefined) throw new DomainError('invalid', 'The value must be JSON', { fields: [{ in: 'body', field: '', message: 'a JSON value is required' }] });
  return json;
}

export async function putValue(
  deps: VaultDeps,
  subject: VaultSubject,
  key: string,
  value: unknown,
  opts: { ifMatch?: number; limits: VaultLimits },
): Promise<{ version: number; size: number; createdAt: string; updatedAt: string }> {
  const sk = await valueSk(deps, subject, key);
  const json = serialize(value);
  const size = Buffer.byteLength(json, 'utf8');
  const { vaultValueBytes: limit, vaultKeysPerUser } = opts.limits;
  if (size > limit) {
    throw new DomainError('payload-too-large', `The value is ${size} bytes; this workspace's tier allows ${limit} per value`, {
      code: 'value-too-large',
      extra: { limit, size },
    });
  }
  return retryWrite(async () => {
    const { user, entry, live } = await readEntry(deps, subject, sk);
    if (opts.ifMatch !== undefined && live?.version !== opts.ifMatch) {
      throw new DomainError('precondition-failed', 'The value changed since that version (If-Match); read it again', {
        code: 'precondition-failed',
        extra: { currentVersion: live?.version ?? null },
      });
    }
    if (!live && (user?.keyCount ?? 0) >= vaultKeysPerUser) {
      throw new DomainError('limit-exceeded', `This user holds ${vaultKeysPerUser} keys, the most this workspace's tier allows; delete one first`, {
        code: 'too-many-keys',
        extra: { limit: vaultKeysPerUser },
      });
    }
    const at = new Date(deps.now()).toISOString();
    const fresh = user ? undefined : newSubjectKey();
    const record = user ?? fresh!;
    const item: VaultValueItem = {
      ...sealEntry(subjectDataKey(record), subject, sk, key, json),
      keyId: record.keyId,
      bytes: size,
      createdAt: live?.createdAt ?? at,
      updatedAt: at,
    };
    const tx = deps.repo.tx(subject.tenant);
    if (entry) tx.put(VaultValueEntity, sk, item, { expectedVersion: entry.version });
    else tx.create(VaultValueEntity, sk, item);
    if (user) {
      const counters = { keyCount: user.keyCount + (live ? 0 : 1), valueBytes: user.valueBytes - (live?.bytes ?? 0) + size, updatedAt: at };
      tx.update(VaultUserEntity, vaultUserSk(subject), counters, { expectedVersion: user.version });
    } else {
      tx.create(VaultUserEntity, vaultUserSk(subject), { ...fresh!, keyCount: 1, valueBytes: size, createdAt: at, updatedAt: at });
    }
    await tx.commit();
    return { version: entry ? entry.version + 1 : 1, size, createdAt: item.createdAt, updatedAt: at };
  });
}

export async function getValue(
  deps: VaultDeps,
  subject: VaultSubject,
  key: string,
  prefetched?: PrefetchedEntry,
): Promise<VaultEntryView & { readonly value: unknown }> {
  const sk = await valueSk(deps, subject, key);
  if (prefetched && ((prefetched[0] && prefetched[0].sk !== vaultUserSk(subject)) || (prefetched[1] && prefetched[1].sk !== sk))) {
    throw new TypeError('prefetched vault reads are of another subject or key');
  }
  const { user, live } = prefetched ? judgeEntry(prefetched) : await readEntry(deps, subject, sk);
  if (!user || !live) throw keyNotFound();
  return { key, value: openValue(subjectDataKey(user), subject, sk, live.sealedValue), ...header(live) };
}

const header = (e: Pick<Stored<VaultValueItem>, 'bytes' | 'version' | 'createdAt' | 'updatedAt'>) => ({
  size: e.bytes,
  version: e.version,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

export async function deleteValue(deps: VaultDeps, subject: VaultSubject, key: string): Promise<{ size: number }> {
  const sk = await valueSk(deps, subject, key);
  return retryWrite(async () => {
    const { user, entry, live } = await readEntry(deps, subject, sk);
    if (!entry) throw keyNotFound();
    if (!user || !live) {
      // A value of a shredded key: unreadable already; remove it and answer as absent.
      await deps.repo.delete(subject.tenant, VaultValueEntity, sk, { expectedVersion: entry.version });
      throw keyNotFound();
    }
    const at = new Date(deps.now()).toISOString();
    await deps.repo
      .tx(subject.tenant)
      .delete(VaultValueEntity, sk, { expectedVersion: live.version })
      .update(VaultUserEntity, vaultUserSk(subject), { keyCount: user.keyCount - 1, valueBytes: user.valueBytes - live.bytes, updatedAt: at }, { expectedVersion: user.version })
      .commit();
    return { size: live.bytes };
  });
}

export async function listValues(deps: VaultDeps, subject: VaultSubject): Promise<VaultEntryView[]> {
  checkSubject(subject);
  const [user, heads] = await Promise.all([deps.repo.get(subject.tenant, VaultUserEntity, vaultUserSk(subject)), valueHeads(deps.table, subject)]);
  if (!user) return [];
  const dataKey = subjectDataKey(user);
  return heads
    .filter((h) => h.keyId === user.keyId)
    .map((h) => ({ key: openName(dataKey, subject, h.sk, h.sealedName), ...header(h) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Parallel deletes of a shred. */
const SHRED_CONCURRENCY = 16;

/**
 * Crypto-shred: the data key goes first (every value of the subject is unreadable from
 * that moment, in the table and in any later copy), then the values. Idempotent: a run
 * that stopped half-way is finished by the next; values written under a NEW key after the
 * shred (the user came back) are kept.
 */
export async function shredAppUser(deps: VaultDeps, subject: VaultSubject): Promise<{ values: number }> {
  checkSubject(subject);
  const userSk = vaultUserSk(subject);
  try {
    await deps.repo.delete(subject.tenant, VaultUserEntity, userSk);
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err; // absent already: finish what an earlier run left
  }
  const [current, heads] = await Promise.all([deps.repo.get(subject.tenant, VaultUserEntity, userSk), valueHeads(deps.table, subject)]);
  const doomed = heads.filter((h) => h.keyId !== current?.keyId);
  let deleted = 0;
  for (let i = 0; i < doomed.length; i += SHRED_CONCURRENCY) {
    await Promise.all(
      doomed.slice(i, i + SHRED_CONCURRENCY).map(async (h) => {
        try {
          await deps.repo.delete(subject.tenant, VaultValueEntity, h.sk, { expectedVersion: h.version });
          deleted++;
        } catch (err) {
          if (!(err instanceof ConflictError)) throw err; // rewritten under a new key meanwhile, or gone
        }
      }),
    );
  }
  return { values: deleted };
}

/** Subjects shredded at once when an application goes. */
const APPLICATION_SHRED_CONCURRENCY = 4;

/**
 * Every end user's values of an application (after it was deleted): each subject is shredded
 * as `shredAppUser` does, key first. Idempotent; a page at a time, so memory stays bounded.
 */
export async function shredApplication(deps: VaultDeps, tenant: Tenant, applicationId: string): Promise<{ users: number; values: number }> {
  const prefix = vaultUserPrefix(applicationId);
  let users = 0;
  let values = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(tenant, VaultUserEntity, { skPrefix: prefix, limit: 100, cursor, consistent: true });
    const ids = page.items.map((r) => r.sk.slice(prefix.length));
    for (let i = 0; i < ids.length; i += APPLICATION_SHRED_CONCURRENCY) {
      const done = await Promise.all(ids.slice(i, i + APPLICATION_SHRED_CONCURRENCY).map((appUserId) => shredAppUser(deps, { tenant, applicationId, appUserId })));
      users += done.length;
      values += done.reduce((n, d) => n + d.values, 0);
    }
    cursor = page.cursor;
  } while (cursor);
  return { users, values };
}

/** The subject's record without its key (counters and times), for the admin's user list. */
export type VaultUserSummary = Pick<VaultUserItem, 'keyCount' | 'valueBytes' | 'createdAt' | 'updatedAt'>;
