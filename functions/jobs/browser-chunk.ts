/** Browser-paced mode (POST /jobs/{id}/chunks/{n}/apply): the dashboard applies chunk n now. */
import { DomainError, notFound } from '../errors';
import type { Actor } from '../tenancy/actor';
import { assertApproved } from './approve';
import type { JobsDeps } from './deps';
import { chunkMessage } from './messages';
import { ChunkRetryableError, processChunk } from './process-chunk';
import { findChunk, loadJob } from './reads';
import { jobView, toView, type JobView } from './views';
import { assertCan } from '../workspaces/permissions';

/** Same claim, idempotency and limiter as the workers; applying a settled chunk again is a no-op returning the job. */
export async function applyChunkNow(deps: JobsDeps, actor: Actor, jobId: string, n: number, owner: string): Promise<JobView> {
  assertCan(actor, 'jobs.apply');
  const { tenant } = actor;
  const job = await loadJob(deps, tenant, jobId);
  // Never applied yet: under the two-person rule it needs its approval first (then apply opens it).
  if (!job.appliedAt) await assertApproved(deps, tenant, job);
  if (job.mode !== 'browser') throw new DomainError('conflict', 'Only jobs applied in browser mode take chunks one by one', { code: 'job-not-browser-mode' });
  if (!(await findChunk(deps, tenant, jobId, n))) throw notFound('Chunk');
  if (job.status !== 'running' && job.status !== 'cancelled') {
    return toView(job, deps.now());
  }
  try {
    const r = await processChunk(deps, chunkMessage(tenant, jobId, n), { owner, receiveCount: 1, maxReceiveCount: 2, remainingMs: 25_000 });
    if (r === 'busy') throw new DomainError('conflict', 'This chunk is being applied right now', { code: 'chunk-busy' });
  } catch (e) {
    if (!(e instanceof ChunkRetryableError)) throw e;
    throw new DomainError('upstream-failed', `Cloudflare did not accept the chunk yet; retry it (${e.message})`, { code: 'chunk-retry', retryAfterSeconds: 5 });
  }
  return jobView(deps, tenant, jobId);
}
