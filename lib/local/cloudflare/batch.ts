/**
 * `POST /zones/{id}/dns_records/batch`: deletes → patches → puts → posts, in one transaction.
 * Every change is applied to a working copy; the zone is replaced only if all succeed.
 */
import { CfError, errors, ok, type Envelope } from './envelope';
import { assertWritable, buildRecord, checkConflicts, getRecord } from './dns';
import { assertRoomForRecord } from './quota';
import type { SandboxState } from './state';
import type { DnsRecord, ZoneState } from './types';

/** Changes per batch: Free 200, Pro/Business/Enterprise 3,500 (Cloudflare docs, "Batch record changes"). */
export function batchLimit(zs: ZoneState): number {
  return zs.zone.plan.legacy_id === 'free' ? 200 : 3500;
}

interface BatchBody {
  deletes?: Array<{ id?: unknown }>;
  patches?: Array<Record<string, unknown>>;
  puts?: Array<Record<string, unknown>>;
  posts?: Array<Record<string, unknown>>;
}

/**
 * Re-throw any failure inside the batch as 400 (the batch as a whole is a bad request), as
 * Cloudflare does: the first error met and nothing else — no index or path of the failing change
 * (`where` only tells the sandbox's own readers; it never reaches the answer). Isolating the bad
 * change is the client's job (docs/cloudflare-sandbox.md, "Batch").
 */
function as400(e: unknown, _where: string): never {
  if (e instanceof CfError) throw new CfError(400, e.errors.slice(0, 1));
  throw e;
}

export function applyBatch(state: SandboxState, zs: ZoneState, input: unknown, routePath: string): Envelope {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw errors.badJson();
  const body = input as BatchBody;
  for (const k of ['deletes', 'patches', 'puts', 'posts'] as const) {
    if (body[k] !== undefined && !Array.isArray(body[k])) throw errors.invalidParam(1004, `${k} must be an array`);
  }
  const deletes = body.deletes ?? [];
  const patches = body.patches ?? [];
  const puts = body.puts ?? [];
  const posts = body.posts ?? [];
  const total = deletes.length + patches.length + puts.length + posts.length;
  const limit = batchLimit(zs);
  if (total > limit) {
    throw errors.invalidParam(
      1004,
      `Too many changes in one batch: ${total}; the limit for a ${zs.zone.plan.name} zone is ${limit}.`,
    );
  }

  const work = new Map(zs.records);
  const result = { deletes: [] as DnsRecord[], patches: [] as DnsRecord[], puts: [] as DnsRecord[], posts: [] as DnsRecord[] };
  const view: ZoneState = { ...zs, records: work };
  const idOf = (x: { id?: unknown }, where: string) => {
    if (typeof x?.id !== 'string') as400(errors.dnsValidation(9000, 'id is required'), where);
    return x.id as string;
  };

  deletes.forEach((d, i) => {
    const where = `deletes[${i}]`;
    try {
      const rec = getRecord(view, idOf(d, where), routePath);
      assertWritable(rec);
      work.delete(rec.id);
      result.deletes.push(rec);
    } catch (e) {
      as400(e, where);
    }
  });
  patches.forEach((p, i) => {
    const where = `patches[${i}]`;
    try {
      const base = getRecord(view, idOf(p, where), routePath);
      assertWritable(base);
      const { id: _id, ...rest } = p;
      const rec = buildRecord(state, view, rest, { base });
      checkConflicts(rec, work.values(), zs.zone.name);
      work.set(rec.id, rec);
      result.patches.push(rec);
    } catch (e) {
      as400(e, where);
    }
  });
  puts.forEach((p, i) => {
    const where = `puts[${i}]`;
    try {
      const id = idOf(p, where);
      const existing = getRecord(view, id, routePath);
      assertWritable(existing);
      const { id: _id, ...rest } = p;
      const rec = { ...buildRecord(state, view, rest, { id }), created_on: existing.created_on };
      checkConflicts(rec, work.values(), zs.zone.name);
      work.set(id, rec);
      result.puts.push(rec);
    } catch (e) {
      as400(e, where);
    }
  });
  posts.forEach((p, i) => {
    const where = `posts[${i}]`;
    try {
      const rec = buildRecord(state, view, p, {});
      checkConflicts(rec, work.values(), zs.zone.name);
      assertRoomForRecord(zs, work.size); // deletes ran first, so they make room
      work.set(rec.id, rec);
      result.posts.push(rec);
    } catch (e) {
      as400(e, where);
    }
  });

  // Commit: all changes succeeded.
  zs.records = work;
  state.changed();
  return ok(result);
}
