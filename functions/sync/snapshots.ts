/**
 * Snapshot types (environment, secret, collection, setting): one versioned head per item.
 * Nothing is lost silently: a write names the version it replaces (`ifMatch`), or says
 * `force` (explicit last-writer-wins, recorded on the item as `forcedOver`); otherwise 409
 * `snapshot-conflict` with the current head (version, blob, updatedAt, updatedBy) to merge.
 *
 *   putSnapshot(deps, subject, type, id, { blob, ifMatch?, force? }) -> { version, updatedAt }
 *   getSnapshot(deps, tenant, type, id) -> head                                   (404)
 *   listSnapshotHeads(deps, tenant, type, { since? }) -> { heads, cursor, more }  (changed at or after `since`, paged by size)
 *   clearType(deps, subject, type, ctx) -> { deleted }                            (data_cleared; audited)
 *
 * A blob over TABLE_BLOB_BYTES goes to `deps.blobs` (S3, SSE-KMS) under a fresh random key
 * BEFORE the transaction; the item holds the key and the blob's hash. A write that does not
 * commit deletes its object; a committed replacement or a clear deletes the replaced ones.
 * Every write and clear moves the user's usage (usage.ts) in its own transaction: 413 too-large
 * when the account's total would pass its tier's syncTotalBytes.
 */
import type { Stored } from '../data/repository';
import { DomainError } from '../errors';
import { tenantKey, type Tenant } from '../tenancy/tenant';
import { blobBytes, blobHash, checkBlobSize, newBlobKey } from './blobs';
import { typeGate } from './config';
import { queryAll, retryWrite, TABLE_BLOB_BYTES, type SyncDeps } from './deps';
import { checkSnapshotType, checkSubject, SYNC_CONFIG_SK, SnapshotEntity, snapshotPrefix, snapshotSk, SyncConfigEntity, type SnapshotItem, type SnapshotType, type SyncSubject } from './entities';
import { deleteListed } from './delete-chunks';
import { addEvent } from './events';
import { addUsage, commitUsage } from './usage';
import { auditSync, type RequestContext } from './audit';

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
    // A large blob is uploaded before the change is stamped: the events feed shows an event once
    // it is SETTLE_MS old (sync/feed.ts), so the time from stamp to commit must stay short.
    const blobKey = large ? newBlobKey(subject.tenant) : undefined;
    if (blobKey) await deps.blobs!.put(blobKey, Buffer.from(input.blob, 'base64'));
    const ms = deps.now();
    const item: SnapshotItem = { id, ...(blobKey ? { blobKey } : { blob: input.blob }), hash, bytes, updatedAt: new Date(ms).toISOString(), updatedMs: ms, updatedBy: subject.deviceId };
    if (!matches && current) item.forcedOver = current.version;
    const tx = deps.repo.tx(subject.tenant);
    if (current) tx.put(SnapshotEntity, sk, item, { expectedVersion: current.version });
    else tx.create(SnapshotEntity, sk, item);
    const version = (current?.version ?? 0) + 1;
    const grows = bytes - (current?.bytes ?? 0);
    addUsage(tx, ms, subject, type, { items: current ? 0 : 1, bytes: grows }, deps.limits.syncTotalBytes);
    try {
      await commitUsage(deps, subject.tenant, addEvent(guard(tx), ms, subject, 'data_updated', { type, id, version }), grows);
    } catch (err) {
      await dropObjects(deps, [blobKey]);
      throw err;
    }
    await dropObjects(deps, [current?.blobKey]);
    return { version, updatedAt: item.updatedAt, ...(item.forcedOver !== undefined ? { forcedOver: item.forcedOver } : {}) };
  };
  // A lost commit reads again: a write that changed the item meanwhile makes the next attempt
  // answer 409 snapshot-conflict (or the settings' 409); a transaction that only raced on the
  // shared usage total (another item's write) commits on the next attempt, never a false 409.
  return retryWrite(write);
}

export async function getSnapshot(deps: Pick<SyncDeps, 'repo' | 'blind' | 'blobs'>, tenant: Tenant, type: SnapshotType, id: string) {
  const s = await deps.repo.get(tenant, SnapshotEntity, await itemSk(deps, tenant, type, id));
  if (!s) throw new DomainError('not-found', 'No such item', { code: 'item-not-found' });
  return head(deps, s);
}

const allOfType = (deps: Pick<SyncDeps, 'repo'>, tenant: Tenant, type: SnapshotType) => queryAll(deps, tenant, SnapshotEntity, snapshotPrefix(type));

/**
 * The JSON text a page of heads may take: a Lambda response carries 6 MB (base64 blobs and
 * the envelope included; https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
 */
export const HEADS_PAGE_CHARS = 4 * 1024 * 1024;

/** A head's blob as base64 text, plus its metadata and JSON punctuation. */
const headChars = (s: Pick<SnapshotItem, 'bytes'>) => 4 * Math.ceil(s.bytes / 3) + 512;

/**
 * Heads changed at or after `since` (epoch ms; 0 = all), blobs included, oldest change first,
 * at most about `pageChars` of JSON (at least one head). `more`: the page was cut; `cursor`
 * (the first change left out) is the next `since`. On the last page `cursor` is the newest
 * change minus CLOCK_SKEW_MS, so a write stamped by a slower clock is not missed. Either way a
 * head may come again (a client dedupes by version); a cut never splits the heads of one
 * millisecond when that would not move the cursor forward.
 */
export async function listSnapshotHeads(deps: Pick<SyncDeps, 'repo' | 'blobs'>, tenant: Tenant, type: SnapshotType, opts: { since?: number; pageChars?: number } = {}) {
  checkSnapshotType(type);
  const since = opts.since ?? 0;
  const budget = opts.pageChars ?? HEADS_PAGE_CHARS;
  const changed = (await allOfType(deps, tenant, type)).filter((s) => s.updatedMs >= since).sort((a, b) => a.updatedMs - b.updatedMs);
  let n = 0;
  for (let chars = 0; n < changed.length && (n === 0 || chars + headChars(changed[n]) <= budget || changed[n].updatedMs === since); n++) chars += headChars(changed[n]);
  const page = changed.slice(0, n);
  const heads = await Promise.all(page.map((c) => head(deps, c)));
  if (n < changed.length) return { heads, cursor: changed[n].updatedMs, more: true };
  const newest = page.at(-1)?.updatedMs;
  return { heads, cursor: newest === undefined ? since : Math.max(since, newest - CLOCK_SKEW_MS), more: false };
}

export async function clearType(deps: SyncDeps, subject: SyncSubject, type: SnapshotType, ctx: RequestContext): Promise<{ deleted: number }> {
  checkSubject(subject);
  checkSnapshotType(type);
  const items = await allOfType(deps, subject.tenant, type);
  const deleted = await deleteListed(deps, subject, type, SnapshotEntity, items, (gone) => dropObjects(deps, gone.map((s) => s.blobKey)));
  await addEvent(deps.repo.tx(subject.tenant), deps.now(), subject, 'data_cleared', { type }).commit();
  await auditSync(deps, subject, ctx, 'sync.data.cleared', { type, count: deleted });
  return { deleted };
}
