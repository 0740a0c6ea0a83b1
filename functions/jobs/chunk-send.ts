/**
 * The Cloudflare call of one chunk: one `POST /zones/{id}/dns_records/batch`
 * (deletes, patches, posts), one settings PATCH, or one purge. And, for a
 * batch the API rejected, which change its error names.
 */
import type { BatchBody, CfApi } from '../cloudflare/bulk-client';
import { DATA_TYPES, dataFromContent } from '../cloudflare/records';
import { recordImage, type ChunkOutcome, type PlanItem, type RecordLite } from './model';

/** A change of the chunk with its index inside the chunk (outcome keys). */
export interface WorkItem {
  idx: number;
  it: PlanItem;
}

function toApi(r: RecordLite): Record<string, unknown> {
  const o: Record<string, unknown> = { type: r.type, name: r.name, content: r.content, ttl: r.ttl, proxied: r.proxied };
  // SRV/CAA: Cloudflare takes the value only through `data` (their `content` is read-only).
  const data = DATA_TYPES.has(r.type) ? (r.data ?? dataFromContent(r.type, r.content, r.priority)) : undefined;
  if (data) {
    delete o.content;
    o.data = data;
  } else if (r.priority !== undefined) o.priority = r.priority;
  if (r.comment) o.comment = r.comment;
  // Revert writes whole before-images: tags and per-record settings go back too.
  if (r.tags?.length) o.tags = r.tags;
  if (r.settings) o.settings = r.settings;
  return o;
}

/**
 * What a PATCH must say to remove an attribute the before-image has and the after-image lacks: a
 * PATCH leaves absent fields as they are, so the comment goes with `""` and the tags with `[]`
 * (DNSControl #4045: without them the removal never converges), a setting with `false`.
 */
function removals(before: RecordLite, after: RecordLite): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (before.comment && !after.comment) out.comment = '';
  if (before.tags?.length && !after.tags?.length) out.tags = [];
  const dropped = Object.keys(before.settings ?? {}).filter((k) => before.settings![k] === true && after.settings?.[k] === undefined);
  if (dropped.length) out.settings = { ...Object.fromEntries(dropped.map((k) => [k, false])), ...(after.settings ?? {}) };
  return out;
}

function batchBodyFor(items: readonly WorkItem[]): BatchBody {
  const body: BatchBody = { deletes: [], patches: [], posts: [] };
  for (const { it } of items) {
    if (it.action === 'delete') body.deletes!.push({ id: it.recordId! });
    else if (it.action === 'update') body.patches!.push({ id: it.recordId!, ...toApi(recordImage(it.after)), ...removals(recordImage(it.before), recordImage(it.after)) });
    else if (it.action === 'create') body.posts!.push(toApi(recordImage(it.after)));
  }
  return body;
}

/**
 * Send the chunk's changes (all of one kind of call); the ids of created records go into
 * `outcome.created`. `plan`: the zone's plan, whose purge bucket paces a purge.
 */
export async function sendChunk(cf: CfApi, zoneId: string, work: readonly WorkItem[], outcome: ChunkOutcome, plan?: string): Promise<void> {
  const head = work[0]!.it;
  if (head.action === 'setting') {
    await cf.patchSettings(zoneId, work.map((w) => ({ id: w.it.recordId!, value: (w.it.after as { value: unknown }).value })));
  } else if (head.action === 'purge') {
    const p = head.after as { everything?: boolean; files?: string[] };
    await cf.purge(zoneId, p.everything ? { purge_everything: true } : { files: p.files }, plan);
  } else {
    const res = await cf.batch(zoneId, batchBodyFor(work));
    const posts = work.filter((w) => w.it.action === 'create');
    posts.forEach((w, i) => {
      const rec = res.posts[i];
      if (rec) outcome.created[String(w.idx)] = rec.id;
    });
  }
}
