/** Cancel (POST /jobs/{id}/cancel): planning stops; chunks not yet claimed are cancelled now; claimed ones finish. */
import { DomainError } from '../errors';
import type { Actor } from '../tenancy/actor';
import type { Tenant } from '../tenancy/tenant';
import type { JobsDeps } from './deps';
import { jobChanged, settle } from './lifecycle';
import { mapLimit } from './map-limit';
import { ACTIVE_STATUSES } from './model';
import { loadChunks, loadJob } from './reads';
import { jobView, type JobView } from './views';
import { assertCan } from '../workspaces/permissions';

export async function cancelJob(deps: JobsDeps, actor: Actor, jobId: string): Promise<JobView> {
  assertCan(actor, 'jobs.apply');
  await cancelTenantJob(deps, actor.tenant, jobId);
  return jobView(deps, actor.tenant, jobId);
}

/**
 * Cancel a job of the tenant: a planning or planned one at once (planning steps then see it and stop); an active one gives its slot back and every
 * `pending` chunk is settled `cancelled` (counted). Also the sweeper's, for idle browser-paced jobs.
 */
export async function cancelTenantJob(deps: JobsDeps, tenant: Tenant, jobId: string): Promise<void> {
  // The job may move on between the read and the conditional write (planning → planned, planned →
  // queued): each of those is still cancellable, so read again instead of answering 409.
  for (let attempt = 1; ; attempt++) {
    const job = await loadJob(deps, tenant, jobId);
    try {
      await cancelAt(deps, tenant, jobId, job);
      await deps.store.addEvent(tenant, jobId, { type: 'cancelled', done: job.done, failed: job.failed, message: null }, deps.now());
      return;
    } catch (err) {
      if (!(err instanceof DomainError) || err.options?.code !== 'conflict-version' || attempt >= CANCEL_ATTEMPTS) throw err;
    }
  }
}

const CANCEL_ATTEMPTS = 5;

async function cancelAt(deps: JobsDeps, tenant: Tenant, jobId: string, job: Awaited<ReturnType<typeof loadJob>>): Promise<void> {
  const now = deps.now();
  if (job.status === 'planning') {
    if (!(await deps.store.cancelPlanning(tenant, jobId, now))) throw jobChanged();
  } else if (job.status === 'planned') {
    if (!(await deps.store.cancelPlanned(tenant, jobId, now))) throw jobChanged();
  } else if (ACTIVE_STATUSES.includes(job.status)) {
    if (!(await deps.store.cancelActive(tenant, jobId, now))) throw jobChanged();
    const chunks = (await loadChunks(deps, tenant, jobId)).filter((c) => c.status === 'pending');
    await mapLimit(chunks, 8, async (c) => {
      const n = c.only ? c.only.length : c.changes;
      await settle(deps, tenant, c, { status: 'cancelled', outcome: c.outcome, done: 0, failed: 0, cancelled: n }, { status: 'pending' });
    });
  } else {
    throw new DomainError('conflict', `The job is already ${job.status}`, { code: 'job-finished' });
  }
}
