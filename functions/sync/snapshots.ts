/**
 * Snapshot types (environment, secret, collection, setting): one versioned head per item.
 * Nothing is lost silently: a write names the version it replaces (`ifMatch`), or says
 * `force` (explicit last-writer-wins, recorded on the item as `forcedOver`); otherwise 409
 * `snapshot-conflict` with the current head (version, blob, updatedAt, updatedBy) to merge.
 *
 *   putSnapshot(deps, subject, type, id, { blob, ifMatch?, force? }) -> { version, updatedAt }
 *   getSnapshot(deps, tenant, type, id) -> head                                   (404)
 *   listSnapshotHeads(deps, tenant, type, { since? }) -> { heads, cursor }        (changed at or after `since`)
 *   clearType(deps, subject, type) -> { deleted }                                 (data_cleared)
 *
 * A blob over TABLE_BLOB_BYTES goes to `deps.blobs` (S3, SSE-KMS) under a fresh random key
 * BEFORE the transaction; the item holds the key and the blob's hash. A write that does not
 * commit deletes its object; a committed replacement or a clear deletes the replaced ones.
 */
import { ConflictError } from '../data/errors';
import type { Stored } from '../data/repository';
import { DomainError } from '../errors';
import { tenantKey, type Tenant } from '../tenancy/tenant';
import { newBlobKey } from './blob-store';
import { blobBytes, blobHash, checkBlobSize } from './blobs';
import { typeGate } from './config';
import { queryAll, retryWrite, TABLE_BLOB_BYTES, type SyncDeps } from './deps';
import { checkSnapshotType, checkSubject, SYNC_CONFIG_SK, SnapshotEntity, snapshotPrefix, snapshotSk, SyncConfigEntity, type SnapshotItem, type SnapshotType, type SyncSubject } from './entities';
import { addEvent } from './events';

const ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Clocks of two writers may differ by this much: a cursor steps back by it (a client dedupes by version). */
export const CLOCK_SKEW_MS = 5_000;

async function itemSk(deps: Pick<SyncDeps, 'blind'>, tenant: Tenant, type: string, id: string): Promise<string> {
  checkSnapshotType(type);
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    throw new DomainError('invalid', 'An item id is 1 to 128 characters of A-Z a-z 0-9 . _ : -', { fields: [{ in: 'path', field: 'id', message: 'must match [A-Za-z0-9._:-]{1,128}', code: 'invalid-id' }] });
  }
  return snapshotSk(type, await deps.blind.blindIndex('exact', ['sync-snapshot', tenantKey(tenant), type, id].join('\u0000')));
}

async function blobOf(deps: Pick<SyncDeps, 'blobs'>, s: Stored<SnapshotItem>): Promise<string> {
  if (s.blob !== undefined) return s.blob;
  if (!deps.blobs || !s.blobKey) throw new Error('a large sync blob has no blob store to read it from');
  const blob = (await deps.blobs.get(s.blobKey)).toString('base64');
  if (blobHash(blob) !== s.hash) throw new Error('a large sync blob does not match its hash');
  return blob;
}

async function head(deps: Pick<SyncDeps, 'blobs'>, s: Stored<SnapshotItem>) {
  const forced = s.forcedOver !== undefined ? { forcedOver: s.forcedOver } : {};
  return { id: s.id, version: s.version, blob: await blobOf(deps, s), bytes: s.bytes, updatedAt: s.updatedAt, updatedBy: s.updatedBy, ...forced };
}

const staleWrite = async (deps: Pick<SyncDeps, 'blobs'>, current: Stored<SnapshotItem> | undefined) =>
  new DomainError('conflict', current ? 'The item changed since the version you read; merge with the current head and write again' : 'The item no longer exists', {
    code: 'snapshot-conflict',
    extra: { current: current ? await head(deps, current) : null },
  });

/** Removes objects no item names any more; a failure leaves an orphan object, never a lost blob. */
async function dropObjects(deps: Pick<SyncDeps, 'blobs'>, keys: (string | undefined)[]) {
  await Promise.all(keys.filter((k): k is string => !!k).map((k) => deps.blobs!.delete(k).catch(() => undefined)));
}

export async function putSnapshot(deps: SyncDeps, subject: SyncSubject, type: SnapshotType, id: string, input: { blob: string; ifMatch?: number; force?: boolean }) {
  checkSubject(subject);
  const sk = await itemSk(deps, subject.tenant, type, id);
  const bytes = blobBytes(input?.blob);
  checkBlobSize(bytes, deps.blobs ? deps.limits.syncItemBytes : Math.min(deps.limits.syncItemBytes, TABLE_BLOB_BYTES), `${type} item`);
  const large = bytes > TABLE_BLOB_BYTES;
  const hash = blobHash(input.blob);
  const write = async () => {
    const [config, current] = await deps.repo.getMany([
      { tenant: subject.tenant, entity: SyncConfigEntity, sk: SYNC_CONFIG_SK },
      { tenant: subject.tenant, entity: SnapshotEntity, sk },
    ] as const);
    const guard = typeGate(config, type);
    const matches = input.ifMatch === undefined ? !current : current?.version === input.ifMatch;
    if (!matches && !input.force) throw await staleWrite(deps, current);
    const ms = deps.now();
    const blobKey = large ? newBlobKey(subject.tenant) : undefined;
    const item: SnapshotItem = { id, ...(blobKey ? { blobKey } : { blob: input.blob }), hash, bytes, updatedAt: new Date(ms).toISOString(), updatedMs: ms, updatedBy: subject.deviceId };
    if (!matches && current) item.forcedOver = current.version;
    const tx = deps.repo.tx(subject.tenant);
    if (current) tx.put(SnapshotEntity, sk, item, { expectedVersion: current.version });
    else tx.create(SnapshotEntity, sk, item);
    const version = (current?.version ?? 0) + 1;
    if (blobKey) await deps.blobs!.put(blobKey, Buffer.from(input.blob, 'base64'));
    try {
      await addEvent(guard(tx), ms, subject, 'data_updated', { type, id, version }).commit();
    } catch (err) {
      await dropObjects(deps, [blobKey]);
      throw err;
    }
    await dropObjects(deps, [current?.blobKey]);
    return { version, updatedAt: item.updatedAt, ...(item.forcedOver !== undefined ? { forcedOver: item.forcedOver } : {}) };
  };
  if (input.force) return retryWrite(write);
  try {
    return await write();
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    // Lost a race (or the settings changed): answer with what is there now.
    const [config, current] = await deps.repo.getMany([
      { tenant: subject.tenant, entity: SyncConfigEntity, sk: SYNC_CONFIG_SK },
      { tenant: subject.tenant, entity: SnapshotEntity, sk },
    ] as const);
    typeGate(config, type);
    throw await staleWrite(deps, current);
  }
}

export async function getSnapshot(deps: Pick<SyncDeps, 'repo' | 'blind' | 'blobs'>, tenant: Tenant, type: SnapshotType, id: string) {
  const s = await deps.repo.get(tenant, SnapshotEntity, await itemSk(deps, tenant, type, id));
  if (!s) throw new DomainError('not-found', 'No such item', { code: 'item-not-found' });
  return head(deps, s);
}

const allOfType = (deps: Pick<SyncDeps, 'repo'>, tenant: Tenant, type: SnapshotType) => queryAll(deps, tenant, SnapshotEntity, snapshotPrefix(type));

/**
 * Heads changed at or after `since` (epoch ms; 0 = all), blobs included. `cursor` is the next
 * `since`: the newest change minus CLOCK_SKEW_MS, so a write stamped by a slower clock is not missed.
 */
export async function listSnapshotHeads(deps: Pick<SyncDeps, 'repo' | 'blobs'>, tenant: Tenant, type: SnapshotType, opts: { since?: number } = {}) {
  checkSnapshotType(type);
  const since = opts.since ?? 0;
  const changed = (await allOfType(deps, tenant, type)).filter((s) => s.updatedMs >= since).sort((a, b) => a.updatedMs - b.updatedMs);
  const newest = changed.at(-1)?.updatedMs;
  return { heads: await Promise.all(changed.map((c) => head(deps, c))), cursor: newest === undefined ? since : Math.max(since, newest - CLOCK_SKEW_MS) };
}

/** Deletes per transaction (DynamoDB allows 100; one slot for the event). */
const CLEAR_CHUNK = 99;

export async function clearType(deps: SyncDeps, subject: SyncSubject, type: SnapshotType): Promise<{ deleted: number }> {
  checkSubject(subject);
  checkSnapshotType(type);
  const items = await allOfType(deps, subject.tenant, type);
  let deleted = 0;
  for (let i = 0; i < items.length; i += CLEAR_CHUNK) {
    const tx = deps.repo.tx(subject.tenant);
    // at the version listed: an item written meanwhile is newer than the clear and stays
    for (const s of items.slice(i, i + CLEAR_CHUNK)) tx.delete(SnapshotEntity, s.sk, { expectedVersion: s.version });
    try {
      await tx.commit();
      deleted += Math.min(CLEAR_CHUNK, items.length - i);
      await dropObjects(deps, items.slice(i, i + CLEAR_CHUNK).map((s) => s.blobKey));
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      // one of them went meanwhile: delete this chunk one by one
      for (const s of items.slice(i, i + CLEAR_CHUNK)) {
        try {
          await deps.repo.tx(subject.tenant).delete(SnapshotEntity, s.sk, { expectedVersion: s.version }).commit();
          deleted++;
          await dropObjects(deps, [s.blobKey]);
        } catch (e) {
          if (!(e instanceof ConflictError)) throw e;
        }
      }
    }
  }
  await addEvent(deps.repo.tx(subject.tenant), deps.now(), subject, 'data_cleared', { type }).commit();
  return { deleted };
}
