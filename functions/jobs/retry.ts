/** Retry (POST /jobs/{id}/retry): the failed items only, in their chunks, through the queue again. */
import { DomainError } from '../errors';
import type { Actor } from '../tenancy/actor';
import type { JobsDeps } from './deps';
import { activate, enqueueChunks, jobChanged } from './lifecycle';
import { iso } from './model';
import { loadChunks, loadJob } from './reads';
import { jobView, type JobView } from './views';
import { assertCan } from '../workspaces/permissions';

export async function retryJob(deps: JobsDeps, actor: Actor, jobId: string): Promise<JobView> {
  assertCan(actor, 'jobs.apply');
  const { tenant } = actor;
  const job = await loadJob(deps, tenant, jobId);
  if (job.status !== 'failed' && job.status !== 'partially-failed') {
    throw new DomainError('conflict', `Only a failed or partially-failed job can be retried (it is ${job.status})`, { code: 'job-not-failed' });
  }
  const chunks = (await loadChunks(deps, tenant, jobId)).filter((c) => Object.keys(c.outcome?.failed ?? {}).length > 0);
  const failedCount = chunks.reduce((k, c) => k + Object.keys(c.outcome.failed).length, 0);
  // Move failed items back to pending: chunk by chunk (each conditional on its version), then the job.
  for (const c of chunks) {
    const only = Object.keys(c.outcome.failed).map(Number).sort((a, b) => a - b);
    if (!(await deps.store.requeueFailedItems(tenant, jobId, { chunk: c.chunk, version: c.version, created: c.outcome.created }, only))) throw jobChanged();
    await deps.store.uncountRequeued(tenant, jobId, only.length);
  }
  const fresh = await loadJob(deps, tenant, jobId);
  await activate(deps, tenant, actor.tier, fresh, { status: 'queued', finishedAt: null, mode: fresh.mode === 'browser' ? 'browser' : 'server', lastActivityAt: iso(deps.now()) });
  await deps.store.addEvent(tenant, jobId, { type: 'retried', done: fresh.done, failed: fresh.failed, message: `${failedCount} failed items re-queued` }, deps.now());
  if (fresh.mode === 'browser') {
    await deps.store.resumeInBrowser(tenant, jobId);
  } else {
    await enqueueChunks(deps, tenant, fresh, chunks);
  }
  return jobView(deps, tenant, jobId);
}
