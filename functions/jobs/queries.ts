/** The read side of the jobs API: a job, the tenant's jobs, a job's items (with their status) and events. */
import { invalid } from '../errors';
import type { Actor } from '../tenancy/actor';
import { prefetchedOf, type Prefetched } from '../tenancy/prefetched';
import type { JobsDeps } from './deps';
import { zoneOfChunk, type ItemStatus } from './model';
import { findZone, listJobRows, loadChunks, loadEvents, loadJob, loadPlanItems, loadZonePage } from './reads';
import { itemStatus, jobView, toEventView, toView, toZoneView, type EventView, type ItemView, type JobView, type ZoneView } from './views';
import { assertCan } from '../workspaces/permissions';

export async function getJob(deps: JobsDeps, actor: Actor, jobId: string): Promise<JobView> {
  assertCan(actor, 'jobs.read');
  return jobView(deps, actor.tenant, jobId);
}

/** Every zone's plan summary, in zone order, paginated (the job view carries the first ones). */
export async function listZones(deps: JobsDeps, actor: Actor, jobId: string, q: { cursor?: string; limit: number }): Promise<{ zones: ZoneView[]; nextCursor: string | null }> {
  assertCan(actor, 'jobs.read');
  const job = await loadJob(deps, actor.tenant, jobId);
  if (job.zones) return { zones: job.zones.map((z) => toZoneView(z, job.kind)), nextCursor: null };
  const page = await loadZonePage(deps, actor.tenant, job, q);
  return { zones: page.zones.flatMap((z) => (z.summary ? [toZoneView(z.summary, job.kind)] : [])), nextCursor: page.cursor ?? null };
}

/** Newest first (without zones: GET /jobs/{id} has them). */
export async function listJobs(
  deps: JobsDeps,
  actor: Actor,
  q: { cursor?: string; limit: number },
  /** listJobRows of actor.tenant for the same `q`, read ahead (functions/http/prefetch.ts). */
  prefetched?: Prefetched<Awaited<ReturnType<typeof listJobRows>>>,
): Promise<{ jobs: JobView[]; nextCursor: string | null }> {
  assertCan(actor, 'jobs.read');
  const page = prefetchedOf(actor.tenant, prefetched) ?? (await listJobRows(deps, actor.tenant, q));
  const t = deps.now();
  return { jobs: page.jobs.map((j) => toView(j, t)), nextCursor: page.cursor ?? null };
}

/** Items of a job with their status; cursor = opaque `<seq>` position. */
export async function listItems(
  deps: JobsDeps,
  actor: Actor,
  jobId: string,
  q: { cursor?: string; limit: number; zoneId?: string; status?: ItemStatus },
): Promise<{ items: ItemView[]; nextCursor: string | null }> {
  assertCan(actor, 'jobs.read');
  const { tenant } = actor;
  const job = await loadJob(deps, tenant, jobId);
  const start = q.cursor === undefined ? 0 : Number.parseInt(Buffer.from(q.cursor, 'base64url').toString('utf8').replace(/^s/, ''), 10);
  if (!Number.isInteger(start) || start < 0) throw invalid('Invalid pagination cursor', [{ in: 'query', field: 'cursor', message: 'not a cursor of this list' }]);
  const chunks = (await loadChunks(deps, tenant, jobId)).sort((a, b) => a.from - b.from);
  const names = new Map((job.zones ?? []).map((z) => [z.zoneId, z.zoneName]));
  // Zone names of the chunks listed, read by key as they come (a job may have 1,000 zones).
  const zoneName = async (chunk: number, zoneId: string): Promise<string> => {
    if (!names.has(zoneId)) names.set(zoneId, (await findZone(deps, tenant, jobId, zoneOfChunk(chunk)))?.zone.name ?? '');
    return names.get(zoneId)!;
  };
  const out: ItemView[] = [];
  let scannedPages = 0;
  let next: number | null = null;
  for (const c of chunks) {
    if (c.to <= start) continue;
    if (q.zoneId && c.zoneId !== q.zoneId) continue;
    const items = await loadPlanItems(deps, tenant, jobId, c.chunk);
    scannedPages += c.pages;
    for (let idx = 0; idx < items.length; idx++) {
      const it = items[idx]!;
      if (it.seq < start) continue;
      const st = itemStatus(c, idx, it, job.status === 'cancelled');
      if (q.status && st.status !== q.status) continue;
      if (out.length === q.limit) {
        next = it.seq;
        break;
      }
      out.push({ seq: it.seq, chunk: c.chunk, zoneId: it.zoneId, zoneName: await zoneName(c.chunk, it.zoneId), action: it.action, recordId: it.recordId, before: it.before, after: it.after, status: st.status, error: st.error });
    }
    if (next !== null) break;
    if (scannedPages >= 40 && out.length > 0) {
      next = c.to;
      break;
    }
  }
  return { items: out, nextCursor: next === null ? null : Buffer.from(`s${next}`).toString('base64url') };
}

export async function listEvents(deps: JobsDeps, actor: Actor, jobId: string): Promise<EventView[]> {
  assertCan(actor, 'jobs.read');
  await loadJob(deps, actor.tenant, jobId);
  return (await loadEvents(deps, actor.tenant, jobId)).map(toEventView);
}
