/** The engine's reads of its own items, through the tenant-keyed repository (consistent reads). */
import type { Stored } from '../data/repository';
import { notFound } from '../errors';
import type { Tenant } from '../tenancy/tenant';
import type { JobsDeps } from './deps';
import { chunkPrefix, chunkSk, ChunkEntity, eventPrefix, EventEntity, jobSk, JobEntity, pagePrefix, PageEntity, SLOTS_SK, SlotsEntity, type ChunkRow, type EventRow, type JobRow, type PlanItem } from './model';

type Reader = Pick<JobsDeps, 'repo'>;

/** The job, or 404 (another tenant's job is not found either). */
export async function loadJob(deps: Reader, tenant: Tenant, jobId: string): Promise<Stored<JobRow>> {
  const j = await findJob(deps, tenant, jobId);
  if (!j) throw notFound('Job');
  return j;
}

export function findJob(deps: Reader, tenant: Tenant, jobId: string): Promise<Stored<JobRow> | undefined> {
  return deps.repo.get(tenant, JobEntity, jobSk(jobId));
}

export function findChunk(deps: Reader, tenant: Tenant, jobId: string, n: number): Promise<Stored<ChunkRow> | undefined> {
  return deps.repo.get(tenant, ChunkEntity, chunkSk(jobId, n));
}

export async function loadChunks(deps: Reader, tenant: Tenant, jobId: string): Promise<Array<Stored<ChunkRow>>> {
  const out: Array<Stored<ChunkRow>> = [];
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(tenant, ChunkEntity, { skPrefix: chunkPrefix(jobId), limit: 1000, cursor, consistent: true });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** The planned items of a job, or of one chunk (in order). */
export async function loadPlanItems(deps: Reader, tenant: Tenant, jobId: string, chunk?: number): Promise<PlanItem[]> {
  const out: PlanItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(tenant, PageEntity, { skPrefix: pagePrefix(jobId, chunk), limit: 200, cursor, consistent: true });
    for (const p of page.items) out.push(...p.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** The newest 500 events, oldest first. */
export async function loadEvents(deps: Reader, tenant: Tenant, jobId: string): Promise<EventRow[]> {
  const page = await deps.repo.query(tenant, EventEntity, { skPrefix: eventPrefix(jobId), limit: 500, descending: true });
  return page.items.reverse();
}

export async function listJobRows(deps: Reader, tenant: Tenant, q: { cursor?: string; limit: number }): Promise<{ jobs: Array<Stored<JobRow>>; cursor?: string }> {
  const page = await deps.repo.query(tenant, JobEntity, { limit: q.limit, cursor: q.cursor, descending: true });
  return { jobs: page.items, cursor: page.cursor };
}

/** Jobs of the tenant holding a concurrency slot (queued or running): a workspace is not deleted under them. */
export async function activeJobCount(deps: Pick<Reader, 'repo'>, tenant: Tenant): Promise<number> {
  const slots = await deps.repo.get(tenant, SlotsEntity, SLOTS_SK, { consistent: true });
  return slots?.active ?? 0;
}
