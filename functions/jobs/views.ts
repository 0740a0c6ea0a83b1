/** Jobs, items and events as the API shows them (the contract's shapes), from the stored rows. */
import type { z } from 'zod';
import type { Job, JobEvent, JobItem } from '../contracts/jobs';
import type { ChunkRow, EventRow, ItemStatus, JobRow, PlanItem } from './model';
import { stateNeeded } from './planner';
import { zoneQuota } from './quota';

export type JobView = z.output<typeof Job>;
export type ItemView = z.output<typeof JobItem>;
export type EventView = z.output<typeof JobEvent>;

export function toView(j: JobRow, now: number): JobView {
  const applied = j.appliedAt ? Date.parse(j.appliedAt) : null;
  const end = j.finishedAt ? Date.parse(j.finishedAt) : now;
  const secs = applied !== null ? Math.max(0.001, (end - applied) / 1000) : null;
  const touchesRecords = stateNeeded(j.kind) === 'records';
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
      zones: (j.zones ?? []).map((z) => ({
        zoneId: z.zoneId,
        zoneName: z.zoneName,
        creates: z.creates,
        updates: z.updates,
        deletes: z.deletes,
        other: z.other,
        recordsInZone: z.recordsInZone,
        share: z.share,
        overThreshold: z.overThreshold,
        ...zoneQuota(z, touchesRecords),
      })),
      totalChanges: j.total - j.skipped,
      chunks: j.chunks,
    },
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
