/**
 * Push and pull of the snapshot types (environment, secret, collection, setting): one JSON
 * object per item in the working copy (`<data>/<type>/<id>.json`), sealed per item.
 *
 *   push  every local item whose plaintext differs from the version last synced →
 *         PUT /sync/data/{type}/{id} with If-Match of that version (none: create only); a 409
 *         snapshot-conflict carries the current head → three-way merge (merge.ts) → the merged
 *         object is written locally and PUT with If-Match of that head, until it sticks
 *   pull  GET /sync/data/{type}?since=<cursor> (paged while `more`) → each head newer than the
 *         version known: taken as is when the local copy is unedited, merged with the local
 *         edit otherwise (the merged result is pushed by the next push)
 */
import { ApiError } from '../../frontend/core/problem';
import type { SnapshotHead } from './api';
import { openRecord, sealRecord } from './crypto';
import type { LinkedDevice } from './device';
import { isJsonObject, mergeSnapshots, type JsonObject } from './merge';
import { ITEM_ID, plaintextHash, type SnapshotType } from './state';

const WRITE_ATTEMPTS = 8;

export interface SnapshotPushResult {
  pushed: { id: string; version: number }[];
  /** Items that met a 409 and were merged (with the keys both sides changed). */
  merged: { id: string; version: number; conflicts: string[] }[];
  unchanged: number;
  /** The type is turned off in the sync settings (409 sync-type-disabled): nothing written. */
  disabled?: true;
}

export interface SnapshotPullResult {
  /** Items taken from the server. */
  updated: string[];
  /** Items edited here and there: merged locally, to push. */
  mergedLocally: { id: string; conflicts: string[] }[];
}

function checkItem(type: SnapshotType, id: string, value: unknown): JsonObject {
  if (!ITEM_ID.test(id)) throw new Error(`${type}/${id}.json: an item id is 1 to 128 characters of A-Z a-z 0-9 . _ : -`);
  if (!isJsonObject(value)) throw new Error(`${type}/${id}.json: a ${type} item is a JSON object`);
  return value;
}

function remember(device: LinkedDevice, type: SnapshotType, id: string, version: number, value: JsonObject): void {
  (device.state.snapshots[type] ??= {})[id] = { version, hash: plaintextHash(value) };
  device.profile.saveBase(type, id, value);
  device.save();
}

const openHead = (key: Buffer, type: SnapshotType, head: SnapshotHead): JsonObject => {
  const value = openRecord(key, type, head.id, head.blob);
  if (!isJsonObject(value)) throw new Error(`${type}/${head.id} on the server is not a JSON object`);
  return value;
};

/** Writes one item until the server takes it, merging with whatever head a 409 shows. */
async function writeItem(device: LinkedDevice, type: SnapshotType, id: string, value: JsonObject, result: SnapshotPushResult): Promise<void> {
  const key = device.masterKey();
  let ifMatch: number | undefined = device.state.snapshots[type]?.[id]?.version;
  const conflicts: string[] = [];
  let merged = false;
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    try {
      const written = await device.api.putSnapshot(type, id, sealRecord(key, type, id, value), ifMatch);
      remember(device, type, id, written.version, value);
      if (merged) result.merged.push({ id, version: written.version, conflicts });
      else result.pushed.push({ id, version: written.version });
      return;
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 409 || err.slug !== 'snapshot-conflict') throw err;
      const current = err.problem.current as SnapshotHead | null;
      merged = true;
      if (!current) {
        ifMatch = undefined; // cleared meanwhile: create it again
        continue;
      }
      const remote = openHead(key, type, current);
      const m = mergeSnapshots(device.profile.base(type, id), value, remote, device.state.deviceId);
      conflicts.push(...m.conflicts.filter((c) => !conflicts.includes(c)));
      device.profile.writeLocalSnapshot(type, id, m.merged);
      if (plaintextHash(m.merged) === plaintextHash(remote)) {
        // The server already holds everything this device had.
        remember(device, type, id, current.version, remote);
        result.merged.push({ id, version: current.version, conflicts });
        return;
      }
      // The merge's ancestor is now the remote head.
      device.profile.saveBase(type, id, remote);
      value = m.merged;
      ifMatch = current.version;
    }
  }
  throw new Error(`${type}/${id}: still conflicting after ${WRITE_ATTEMPTS} merges; try again`);
}

export async function pushSnapshots(device: LinkedDevice, type: SnapshotType): Promise<SnapshotPushResult> {
  const result: SnapshotPushResult = { pushed: [], merged: [], unchanged: 0 };
  for (const [id, raw] of device.profile.localSnapshots(type)) {
    const value = checkItem(type, id, raw);
    if (device.state.snapshots[type]?.[id]?.hash === plaintextHash(value)) {
      result.unchanged++;
      continue;
    }
    try {
      await writeItem(device, type, id, value, result);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.slug === 'sync-type-disabled') return { ...result, disabled: true };
      throw err;
    }
  }
  return result;
}

function applyHead(device: LinkedDevice, type: SnapshotType, head: SnapshotHead, result: SnapshotPullResult): void {
  const known = device.state.snapshots[type]?.[head.id];
  if (known && known.version >= head.version) return;
  const remote = openHead(device.masterKey(), type, head);
  const local = device.profile.readLocalSnapshot(type, head.id);
  const unedited = local === undefined || (known !== undefined && plaintextHash(local) === known.hash) || plaintextHash(local) === plaintextHash(remote);
  if (unedited) {
    device.profile.writeLocalSnapshot(type, head.id, remote);
    result.updated.push(head.id);
  } else {
    const m = mergeSnapshots(device.profile.base(type, head.id), checkItem(type, head.id, local), remote, device.state.deviceId);
    device.profile.writeLocalSnapshot(type, head.id, m.merged);
    result.mergedLocally.push({ id: head.id, conflicts: m.conflicts });
  }
  remember(device, type, head.id, head.version, remote);
}

export async function pullSnapshots(device: LinkedDevice, type: SnapshotType): Promise<SnapshotPullResult> {
  const result: SnapshotPullResult = { updated: [], mergedLocally: [] };
  let since = device.state.cursors[type] ?? 0;
  for (;;) {
    const page = await device.api.listSnapshots(type, since);
    for (const head of page.heads) applyHead(device, type, head, result);
    since = page.cursor;
    device.state.cursors[type] = since;
    device.save();
    if (!page.more) return result;
  }
}
