/**
 * The sweeper's pass over active jobs (functions/jobs/sweeper.ts runs it every
 * 5 minutes): re-start planning or a drift check that made no progress for four visibility
 * windows (their messages were lost or dead-lettered; every step is idempotent), re-enqueue chunks stuck past their visibility window (a worker
 * died and the message is gone or in the DLQ), fail those out of attempts,
 * finalize jobs whose last settle crashed before finalizing, cancel idle
 * browser-paced jobs. Duplicated messages are harmless (claims are conditional).
 */
import type { Tenant } from '../tenancy/tenant';
import { cancelTenantJob } from './cancel';
import type { JobsDeps } from './deps';
import { enqueueChunks, maybeFinalize, settle } from './lifecycle';
import { checkJobMessage, planJobMessage } from './messages';
import { APPLYING_STATUSES, INDEXED_STATUSES, type ChunkRow, type JobRow } from './model';
import { findJob, loadChunks, loadJob, loadPlanItems } from './reads';

export interface SweepReport {
  jobs: number;
  requeued: number;
  failed: number;
  finalized: number;
  expired: number;
}

export async function sweep(deps: JobsDeps, opts: { browserIdleMs?: number } = {}): Promise<SweepReport> {
  const report: SweepReport = { jobs: 0, requeued: 0, failed: 0, finalized: 0, expired: 0 };
  const now = deps.now();
  for (const { tenant, jobId } of await deps.store.listActive()) {
    report.jobs++;
    // A job that cannot be read (gone, or unreadable) leaves the index like a finished one.
    const job = await findJob(deps, tenant, jobId).catch(() => undefined);
    if (!job || !INDEXED_STATUSES.includes(job.status)) {
      await deps.store.deleteActivePointer(tenant, jobId);
      continue;
    }
    const idleMs = now - Date.parse(job.lastActivityAt ?? job.appliedAt ?? job.createdAt);
    if (job.status === 'planning' || job.status === 'checking') {
      if (idleMs > 4 * deps.config.visibilityMs) {
        await deps.queue.send(job.tier, [job.status === 'planning' ? planJobMessage(tenant, jobId) : checkJobMessage(tenant, jobId, job.checkRound)]);
        report.requeued++;
      }
      continue;
    }
    if (job.mode === 'browser') {
      if (idleMs > (opts.browserIdleMs ?? 3_600_000)) {
        await cancelTenantJob(deps, tenant, jobId);
        report.expired++;
      }
      continue;
    }
    await sweepChunks(deps, tenant, job, now, idleMs, report);
    const fresh = await loadJob(deps, tenant, jobId);
    if (fresh.chunksSettled >= fresh.chunks && APPLYING_STATUSES.includes(fresh.status)) {
      await maybeFinalize(deps, tenant, jobId, fresh);
      report.finalized++;
    }
  }
  return report;
}

/** A server-mode job's stuck chunks: re-enqueued, or failed when every delivery crashed. */
async function sweepChunks(deps: JobsDeps, tenant: Tenant, job: JobRow, now: number, idleMs: number, report: SweepReport): Promise<void> {
  const vis = deps.config.visibilityMs;
  const stuck: ChunkRow[] = [];
  for (const c of await loadChunks(deps, tenant, job.jobId)) {
    const stale = c.status === 'applying' && c.leaseUntil + vis < now;
    // Pending with no progress on the whole job for 4 visibility windows: its message was lost.
    const lost = c.status === 'pending' && idleMs > 4 * vis;
    if (!stale && !lost) continue;
    if (c.status === 'applying' && c.attempts >= deps.config.maxAttempts) {
      if (await failCrashedChunk(deps, tenant, c)) report.failed++;
    } else stuck.push(c);
  }
  if (stuck.length) {
    await enqueueChunks(deps, tenant, job, stuck);
    report.requeued += stuck.length;
  }
}

/** The last delivery crashed: its message is in the DLQ. Fail the chunk's items with the reason. */
async function failCrashedChunk(deps: JobsDeps, tenant: Tenant, c: ChunkRow): Promise<boolean> {
  const items = await loadPlanItems(deps, tenant, c.jobId, c.chunk);
  const reason = `worker crashed on all ${c.attempts} deliveries (message in the DLQ)`;
  const failed: Record<string, string> = {};
  items.forEach((it, idx) => {
    if (!it.skip && (!c.only || c.only.includes(idx))) failed[String(idx)] = reason;
  });
  const owner = c.owner ?? '';
  return settle(deps, tenant, c, { status: 'failed', outcome: { created: c.outcome.created, failed, error: reason }, done: 0, failed: Object.keys(failed).length, cancelled: 0 }, { status: 'applying', owner });
}
