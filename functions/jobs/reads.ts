/** The engine's reads of its own items, through the tenant-keyed repository (consistent reads). */
import type { Entity } from '../data/entity';
import type { Stored } from '../data/repository';
import { notFound } from '../errors';
import type { Tenant } from '../tenancy/tenant';
import type { JobsDeps } from './deps';
import {
  chunkPrefix,
  chunkSk,
  ChunkEntity,
  eventPrefix,
  EventEntity,
  jobSk,
  JobEntity,
  pagePrefix,
  PageEntity,
  requestPrefix,
  RequestPageEntity,
  SLOTS_SK,
  SlotsEntity,
  zoneChunkPrefix,
  zonePagePrefix,
  zonePrefix,
  zoneSk,
  ZoneEntity,
  type ChunkRow,
  type EventRow,
  type JobRow,
  type PlanItem,
  type RecordLite,
  type ZoneRow,
} from './model';

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

/** One zone's chunks (their numbers share the zone's prefix). */
export async function loadZoneChunks(deps: Reader, tenant: Tenant, jobId: string, index: number): Promise<Array<Stored<ChunkRow>>> {
  const out: Array<Stored<ChunkRow>> = [];
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(tenant, ChunkEntity, { skPrefix: zoneChunkPrefix(jobId, index), limit: 1000, cursor, consistent: true });
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

export function findZone(deps: Reader, tenant: Tenant, jobId: string, index: number): Promise<Stored<ZoneRow> | undefined> {
  return deps.repo.get(tenant, ZoneEntity, zoneSk(jobId, index), { consistent: true });
}

/** One page of a job's zone items, in zone order (only those below zonesTotal: a re-listed selection may leave more). */
export async function loadZonePage(deps: Reader, tenant: Tenant, job: Pick<JobRow, 'jobId' | 'zonesTotal'>, q: { cursor?: string; limit: number }): Promise<{ zones: Array<Stored<ZoneRow>>; cursor?: string }> {
  const page = await deps.repo.query(tenant, ZoneEntity, { skPrefix: zonePrefix(job.jobId), limit: q.limit, cursor: q.cursor, consistent: true });
  const zones = page.items.filter((z) => job.zonesTotal === null || z.index < job.zonesTotal);
  return { zones, cursor: zones.length < page.items.length ? undefined : page.cursor };
}

/** Every zone item of a job, page by page (each page held only while `each` runs). */
export async function forEachZone(deps: Reader, tenant: Tenant, job: Pick<JobRow, 'jobId' | 'zonesTotal'>, each: (zones: Array<Stored<ZoneRow>>) => Promise<void>): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await loadZonePage(deps, tenant, job, { cursor, limit: 1000 });
    await each(page.zones);
    cursor = page.cursor;
  } while (cursor);
}

/** Chunk items' keys of one job (numbers only). */
export async function chunkNumbers(deps: Reader, tenant: Tenant, jobId: string): Promise<number[]> {
  return (await loadChunks(deps, tenant, jobId)).map((c) => c.chunk).sort((a, b) => a - b);
}

/** The request pages of a job: the listed zone ids and the records to create. */
export async function loadRequest(deps: Reader, tenant: Tenant, jobId: string): Promise<{ zoneIds?: string[]; records: RecordLite[] }> {
  let zoneIds: string[] | undefined;
  const records: RecordLite[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(tenant, RequestPageEntity, { skPrefix: requestPrefix(jobId), limit: 50, cursor, consistent: true });
    for (const p of page.items) {
      if (p.zoneIds) zoneIds = p.zoneIds;
      if (p.records) records.push(...p.records);
    }
    cursor = page.cursor;
  } while (cursor);
  return { zoneIds, records };
}

/** The sort keys of one zone's chunk and page items (a re-planned zone deletes them first). */
export async function zoneItemKeys(deps: Reader, tenant: Tenant, jobId: string, index: number): Promise<string[]> {
  return [...(await keysOf(deps, tenant, ChunkEntity, zoneChunkPrefix(jobId, index))), ...(await keysOf(deps, tenant, PageEntity, zonePagePrefix(jobId, index)))];
}

async function keysOf<T extends object>(deps: Reader, tenant: Tenant, entity: Entity<T>, skPrefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(tenant, entity, { skPrefix, limit: 1000, cursor, consistent: true });
    keys.push(...page.items.map((i) => i.sk));
    cursor = page.cursor;
  } while (cursor);
  return keys;
}
