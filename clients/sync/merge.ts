/**
 * The merge a client runs after a 409 (snapshot-conflict): three-way, over JSON objects, and it
 * never drops a value either side wrote.
 *
 *   base     the plaintext both sides last agreed on (the version this device last synced; {} if none)
 *   local    this device's current plaintext
 *   remote   the server's current head, decrypted
 *
 * Per key: changed on one side only → that side's value (a deletion counts as a change, so a
 * key deleted here and untouched there goes); changed on both sides to the same value → that
 * value; both sides objects → merged key by key, recursively; otherwise a true conflict → the
 * remote value stays under the key and the local one is kept next to it under
 * `<key>@conflict-<device>` (a deletion on one side and an edit on the other keeps the edit).
 * Arrays and scalars are values: they are never interleaved.
 */
import { isDeepStrictEqual } from 'node:util';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface MergeResult {
  readonly merged: JsonObject;
  /** Dotted paths of the keys both sides changed differently (the local value kept beside them). */
  readonly conflicts: string[];
}

export const isJsonObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const same = (a: Json | undefined, b: Json | undefined) => isDeepStrictEqual(a, b);

/** A free key next to `key` for the losing value (`k@conflict-dev`, then `-2`, `-3` …), or the one that already holds it. */
function conflictKey(target: JsonObject, key: string, tag: string, value: Json): string {
  const base = `${key}@conflict-${tag}`;
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!(candidate in target) || same(target[candidate], value)) return candidate;
  }
}

function mergeInto(base: JsonObject, local: JsonObject, remote: JsonObject, tag: string, path: string, conflicts: string[]): JsonObject {
  const out: JsonObject = {};
  const keys = [...new Set([...Object.keys(remote), ...Object.keys(local)])];
  const late: [string, Json][] = [];
  for (const key of keys) {
    const b = base[key];
    const l = local[key];
    const r = remote[key];
    const localChanged = !same(b, l);
    const remoteChanged = !same(b, r);
    let value: Json | undefined;
    if (!localChanged) value = r;
    else if (!remoteChanged || same(l, r)) value = l;
    else if (isJsonObject(l) && isJsonObject(r)) value = mergeInto(isJsonObject(b) ? b : {}, l, r, tag, `${path}${key}.`, conflicts);
    else if (l === undefined) value = r; // deleted here, edited there: keep the edit
    else if (r === undefined) value = l; // edited here, deleted there: keep the edit
    else {
      value = r;
      conflicts.push(`${path}${key}`);
      late.push([key, l]);
    }
    if (value !== undefined) out[key] = value;
  }
  for (const [key, l] of late) out[conflictKey(out, key, tag, l)] = l;
  return out;
}

/** `tag` names the device whose local value is set aside (its id or name; only `[A-Za-z0-9_-]` kept). */
export function mergeSnapshots(base: JsonObject | undefined, local: JsonObject, remote: JsonObject, tag: string): MergeResult {
  const conflicts: string[] = [];
  const merged = mergeInto(base ?? {}, local, remote, tag.replace(/[^A-Za-z0-9_-]/g, '') || 'local', '', conflicts);
  return { merged, conflicts };
}
