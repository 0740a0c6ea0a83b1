/**
 * A job's state transitions once it is planned: activation (taking a slot of
 * the tier's concurrent-job limit), enqueueing chunks, settling a chunk
 * (exactly once, with the job's counters), progress events and the final
 * status that gives the slot back.
 *
 *   planning ──last zone──▶ planned ──activate──▶ checking ──no drift──▶ queued ──first claim──▶ running ──last settle──▶ done | partially-failed | failed
 *   planning ──▶ plan-failed          checking ──drift──▶ planned (problem)          (browser mode: checking ──no drift──▶ running)
 *   cancel: planning | planned | checking | queued | running ──▶ cancelled
 */
import { DomainError } from '../errors';
import type { Tier } from '../platform/tiers';
import type { Tenant } from '../tenancy/tenant';
import type { JobsDeps } from './deps';
import { chunkMessage } from './messages';
import { APPLYING_STATUSES, type ChunkRow, type JobRow, type JobStatus } from './model';
import { loadJob } from './reads';
import type { SettleExpectation, Settlement } from './store';

export const jobChanged = () => new DomainError('conflict', 'The job changed meanwhile; reload it', { code: 'conflict-version' });

/** Take a slot of the tier's concurrent-job limit and move the job (at its version) to its active status, atomically. */
export async function activate(deps: JobsDeps, tenant: Tenant, tier: Tier, job: { jobId: string; version: number }, changes: Partial<JobRow>): Promise<void> {
  const limit = deps.limits(tier).concurrentJobs;
  const result = await deps.store.activate(tenant, job, changes, limit);
  if (result === 'over-limit') {
    throw new DomainError('limit-exceeded', `You already have ${limit} active job(s); your tier allows ${limit} at once (concurrentJobs)`, {
      code: 'concurrent-jobs',
      retryAfterSeconds: 30,
      extra: { limit: 'concurrentJobs', max: limit },
    });
  }
  if (result === 'changed') throw jobChanged();
}

/** One message per chunk on the job's tier queue (ids only). */
export async function enqueueChunks(deps: JobsDeps, tenant: Tenant, job: JobRow, chunks: readonly ChunkRow[]): Promise<void> {
  await deps.queue.send(job.tier, chunks.map((c) => chunkMessage(tenant, job.jobId, c.chunk)));
}

/**
 * Settle a chunk and count its items on the job, in one transaction (exactly once), then report
 * progress and finalize the job when it was the last chunk. False when the chunk was not in the
 * expected state (lost the lease / already settled: the other settle counted it).
 */
export async function settle(deps: JobsDeps, tenant: Tenant, chunk: { jobId: string; chunk: number }, result: Settlement, expect: SettleExpectation): Promise<boolean> {
  const now = deps.now();
  for (let attempt = 0; ; attempt++) {
    const r = await deps.store.settleChunk(tenant, chunk.jobId, chunk.chunk, result, expect, now);
    // Concurrent settles of one job conflict on its counters: retry those (jittered).
    if (r === 'conflict' && attempt < 50) {
      await deps.sleep(Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6)));
      continue;
    }
    if (r !== 'settled') return false;
    break;
  }
  await afterSettle(deps, tenant, chunk.jobId);
  return true;
}

/** A progress event at every 10% (every chunk for small jobs); finalize after the last chunk. */
async function afterSettle(deps: JobsDeps, tenant: Tenant, jobId: string): Promise<void> {
  const j = await loadJob(deps, tenant, jobId);
  const step = (k: number) => Math.floor((k * 10) / Math.max(1, j.chunks));
  if (j.chunks <= 20 || step(j.chunksSettled) !== step(j.chunksSettled - 1)) {
    await deps.store.addEvent(tenant, jobId, { type: 'progress', done: j.done, failed: j.failed, message: null }, deps.now());
  }
  if (j.chunksSettled >= j.chunks) await maybeFinalize(deps, tenant, jobId, j);
}

function finalStatus(j: JobRow): JobStatus {
  if (j.failed > 0) return j.done > 0 ? 'partially-failed' : 'failed';
  return 'done';
}

/** An active job whose every chunk settled gets its final status (once: the write is conditional) and frees its slot. */
export async function maybeFinalize(deps: JobsDeps, tenant: Tenant, jobId: string, known?: JobRow): Promise<void> {
  const j = known ?? (await loadJob(deps, tenant, jobId));
  if (!APPLYING_STATUSES.includes(j.status)) return;
  if (j.chunksSettled < j.chunks) return;
  const status = finalStatus(j);
  if (await deps.store.finish(tenant, jobId, status, deps.now())) {
    await deps.store.addEvent(tenant, jobId, { type: status === 'done' ? 'done' : 'failed', done: j.done, failed: j.failed, message: status }, deps.now());
  }
}
