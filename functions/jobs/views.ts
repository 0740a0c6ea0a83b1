/** Jobs, items and events as the API shows them (the contract's shapes), from the stored rows. */
import type { z } from 'zod';
import { JOB_VIEW_ZONES, MAX_LISTED_CHUNKS, type Job, type JobEvent, type JobItem, type ZonePlan } from '../contracts/jobs';
import type { Tenant } from '../tenancy/tenant';
import type { JobsDeps } from './deps';
import type { ChunkRow, EventRow, ItemStatus, JobKind, JobRow, PlanItem, ZoneSummary } from './model';
import { loadJob, loadZonePage } from './reads';
import { stateNeeded } from './planner';
import { zoneQuota } from './quota';

export type JobView = z.output<typeof Job>;
export type ItemView = z.output<typeof JobItem>;
export type EventView = z.output<typeof JobEvent>;
export type ZoneView = z.output<typeof ZonePlan>;

/** `kind`: the job's (a kind that touches records shows the zone's record count once applied). */
export const toZoneView = (z: ZoneSummary, kind: JobKind): ZoneView => ({
  zoneId: z.zoneId,
  zoneName: z.zoneName,
  creates: z.creates,
  updates: z.updates,
  deletes: z.deletes,
  other: z.other,
  recordsInZone: z.recordsInZone,
  share: z.share,
  overThreshold: z.overThreshold,
  ...zoneQuota(z, stateNeeded(kind) === 'records'),
});

/** The planned zones' summaries, first page (zone order); jobs planned before zone items carry them in the row. */
export async function firstZones(deps: Pick<JobsDeps, 'repo'>, tenant: Tenant, j: JobRow): Promise<ZoneSummary[]> {
  if (j.zones) return j.zones.slice(0, JOB_VIEW_ZONES);
  const { zones } = await loadZonePage(deps, tenant, j, { limit: JOB_VIEW_ZONES });
  return zones.flatMap((z) => (z.summary ? [z.summary] : []));
}

/** A job as the API shows it, with its first zones. */
export async function jobView(deps: Pick<JobsDeps, 'repo' | 'now'>, tenant: Tenant, jobId: string): Promise<JobView> {
  const j = await loadJob(deps, tenant, jobId);
  return toView(j, deps.now(), await firstZones(deps, tenant, j));
}

/** `zones`: the first zones' summaries (the job list passes none). */
export function toView(j: JobRow, now: number, zones: readonly ZoneSummary[] = []): JobView {
  const applied = j.appliedAt ? Date.parse(j.appliedAt) : null;
  const end = j.finishedAt ? Date.parse(j.finishedAt) : now;
  const secs = applied !== null ? Math.max(0.001, (end - applied) / 1000) : null;
  return {
    id: j.jobId,
    kind: j.kind,
    accountId: j.accountId,
    status: j.status,
    mode: j.mode,
    createdAt: j.createdAt,
    appliedAt: j.appliedAt,
    finishedAt: j.finishedAt,
    safetyThreshold: j.safetyThreshold,
    needsForce: j.needsForce,
    plan: {
      zones: zones.map((z) => toZoneView(z, j.kind)),
      zonesTotal: j.zonesTotal ?? j.zones?.length ?? null,
      zonesRefused: j.zonesRefused ?? 0,
      totalChanges: j.total - j.skipped,
      chunks: j.chunks,
      chunkNumbers: j.chunkNumbers ?? (j.zones && j.chunks <= MAX_LISTED_CHUNKS ? Array.from({ length: j.chunks }, (_, n) => n) : null),
    },
    planning: j.status === 'planning' ? { zonesTotal: j.zonesTotal, zonesPlanned: j.zonesPlanned } : null,
    checking: j.status === 'checking' ? { zonesTotal: j.zonesTotal ?? 0, zonesChecked: j.zonesChecked } : null,
    problem: j.problem ?? null,
    counts: { total: j.total, done: j.done, failed: j.failed, skipped: j.skipped, cancelled: j.cancelled },
    throughput: secs !== null ? Math.round((j.done / secs) * 100) / 100 : null,
    revertOf: j.revertOf,
    revertedBy: j.revertedBy,
    plannedBy: j.plannedBy ?? null,
    approvedBy: j.approvedBy ?? null,
    approvedAt: j.approvedAt ?? null,
  };
}

export function toEventView(e: EventRow): EventView {
  return { type: e.type, time: e.time, done: e.done, failed: e.failed, message: e.message };
}

/** An item's status from its chunk's state and outcome (`idx` is its index inside the chunk). */
export function itemStatus(chunk: ChunkRow, idx: number, it: PlanItem, jobCancelled: boolean): { status: ItemStatus; error: string | null } {
  if (it.skip) return { status: 'skipped', error: it.skip };
  const failed = chunk.outcome?.failed?.[String(idx)];
  if (failed && chunk.status !== 'pending' && chunk.status !== 'applying') return { status: 'failed', error: failed };
  if (chunk.only && !chunk.only.includes(idx)) return { status: 'done', error: null };
  switch (chunk.status) {
    case 'done':
      return { status: 'done', error: null };
    case 'failed':
      return { status: 'failed', error: chunk.outcome?.error ?? 'failed' };
    case 'cancelled':
      return { status: 'cancelled', error: null };
    default:
      return { status: jobCancelled ? 'cancelled' : 'planned', error: null };
  }
}
