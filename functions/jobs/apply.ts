/**
 * Apply (POST /jobs/{id}/apply): permission, approval, safety threshold, then the job takes a slot
 * of the tier's concurrent jobs and enters `checking`; the tier workers re-read every zone (drift
 * check, check.ts) and only when none drifted enqueue the chunks (server) or open the job for
 * browser-paced chunks. The request itself reads nothing from Cloudflare.
 */
import { DomainError } from '../errors';
import type { Actor } from '../tenancy/actor';
import type { JobsDeps } from './deps';
import { assertApproved } from './approve';
import { activate } from './lifecycle';
import { checkJobMessage } from './messages';
import { iso, type JobMode, type JobRow, type ZoneSummary } from './model';
import { stateNeeded } from './planner';
import { assertWithinPlanLimits, zoneQuota } from './quota';
import { forEachZone, loadJob } from './reads';
import { jobView, type JobView } from './views';
import { assertCan } from '../workspaces/permissions';

/** POST /jobs/{id}/apply: threshold and approval now; the drift check runs on the tier queue. */
export async function applyJob(deps: JobsDeps, actor: Actor, jobId: string, opts: { force: boolean; mode: JobMode }): Promise<JobView> {
  assertCan(actor, 'jobs.apply');
  const { tenant } = actor;
  const job = await loadJob(deps, tenant, jobId);
  if (job.status !== 'planned') throw new DomainError('conflict', `The job is ${job.status}; only a planned job can be applied`, { code: 'job-not-planned' });
  if (job.zones) throw new DomainError('conflict', 'This job was planned by an earlier version; plan it again', { code: 'plan-outdated' });
  await assertApproved(deps, tenant, job);
  // Before force: a zone's quota is Cloudflare's, not ours to override. The job counts such zones
  // while planning, so only a refused plan reads its zones here.
  if (job.zonesRefused > 0) {
    const touches = stateNeeded(job.kind) === 'records';
    const refused = (z: ZoneSummary) => zoneQuota(z, touches).overQuota || zoneQuota(z, touches).tagsRefused > 0;
    assertWithinPlanLimits(await zonesWhere(deps, actor, job, refused), touches);
  }
  if (job.needsForce && !opts.force) {
    const over = await zonesWhere(deps, actor, job, (z) => z.overThreshold);
    throw new DomainError('precondition-failed', `The plan touches more than ${Math.round(job.safetyThreshold * 100)}% of the records of ${over.length} zone(s); apply with force: true to proceed`, {
      code: 'safety-threshold',
      extra: { threshold: job.safetyThreshold, zones: over.map((z) => ({ zoneId: z.zoneId, zoneName: z.zoneName, share: z.share })) },
    });
  }
  if (opts.mode === 'browser' && job.chunkNumbers === null) {
    throw new DomainError('conflict', `A job of ${job.chunks} chunks runs on the server queue, not in the browser`, { code: 'job-too-large-for-browser' });
  }
  await deps.connect(tenant, job.accountId); // 404 now when the account was disconnected
  const round = (job.checkRound ?? 0) + 1;
  const now = iso(deps.now());
  await activate(deps, tenant, actor.tier, job, { status: 'checking', mode: opts.mode, appliedAt: now, lastActivityAt: now, checkRound: round, zonesChecked: 0, zonesDrifted: 0, problem: null });
  await deps.store.addEvent(tenant, jobId, { type: 'checking', done: 0, failed: 0, message: `drift check of ${job.zonesTotal} zones; ${opts.mode} mode` }, deps.now());
  await deps.queue.send(job.tier, [checkJobMessage(tenant, jobId, round)]);
  return jobView(deps, tenant, jobId);
}

/** The zones whose summary satisfies `pred` (read page by page). */
async function zonesWhere(deps: JobsDeps, actor: Actor, job: JobRow, pred: (z: ZoneSummary) => boolean): Promise<ZoneSummary[]> {
  const out: ZoneSummary[] = [];
  await forEachZone(deps, actor.tenant, job, async (zones) => {
    for (const z of zones) if (z.summary && pred(z.summary)) out.push(z.summary);
  });
  return out;
}
