/**
 * The two-person rule (a workspace setting, `workspaces/governance.ts`): when
 * it is on, a job is applied only after a member other than its planner, with
 * `jobs.apply` (ADMIN/OWNER), approves it. The approval is written once
 * (conditional update: concurrent approvals make exactly one), then added to
 * the job's events and the workspace's audit log. A revert is a new plan by
 * the member who asked for it, so under the rule it needs its own approval.
 */
import { DomainError } from '../errors';
import { limitsFor } from '../platform/tiers';
import type { Actor } from '../tenancy/actor';
import type { Tenant } from '../tenancy/tenant';
import { twoPersonRuleOn } from '../workspaces/governance';
import { assertCan } from '../workspaces/permissions';
import type { JobsDeps } from './deps';
import type { JobRow } from './model';
import { loadJob } from './reads';
import { jobView, type JobView } from './views';

/** POST /jobs/{id}/approve: ADMIN/OWNER, not the planner, a planned job, once. */
export async function approveJob(deps: JobsDeps, actor: Actor, jobId: string): Promise<JobView> {
  assertCan(actor, 'jobs.apply');
  const { tenant } = actor;
  const job = await loadJob(deps, tenant, jobId);
  if (job.plannedBy && job.plannedBy === actor.memberId) {
    throw new DomainError('forbidden', 'You planned this job: another ADMIN or OWNER must approve it', { code: 'self-approval' });
  }
  if (job.approvedBy) throw alreadyApproved(job.approvedBy);
  if (job.status !== 'planned') throw notPlanned(job.status);
  const now = deps.now();
  if (!(await deps.store.approve(tenant, jobId, actor.memberId, now))) {
    const current = await loadJob(deps, tenant, jobId);
    if (current.approvedBy) throw alreadyApproved(current.approvedBy);
    throw notPlanned(current.status);
  }
  await deps.store.addEvent(tenant, jobId, { type: 'approved', done: 0, failed: 0, message: `approved by member ${actor.memberId}` }, now);
  await deps.audit.record(
    tenant,
    { type: 'job.approved', actor: `user#${actor.memberId}`, metadata: { jobId, plannedBy: job.plannedBy ?? null, approvedBy: actor.memberId } },
    { retentionDays: limitsFor(actor.tier).auditRetentionDays },
  );
  return jobView(deps, tenant, jobId);
}

/** Apply and browser-paced chunks: under the two-person rule an unapproved job is refused (409 `approval-required`). */
export async function assertApproved(deps: Pick<JobsDeps, 'repo'>, tenant: Tenant, job: Pick<JobRow, 'approvedBy'>): Promise<void> {
  if (job.approvedBy) return;
  if (!(await twoPersonRuleOn(deps.repo, tenant))) return;
  throw new DomainError('conflict', 'This workspace applies a job only after another ADMIN or OWNER approves it (POST /api/v1/jobs/{id}/approve)', {
    code: 'approval-required',
  });
}

const alreadyApproved = (by: string) => new DomainError('conflict', `The job was already approved by member ${by}`, { code: 'job-approved', extra: { approvedBy: by } });
const notPlanned = (status: string) => new DomainError('conflict', `The job is ${status}; only a planned job can be approved`, { code: 'job-not-planned' });
