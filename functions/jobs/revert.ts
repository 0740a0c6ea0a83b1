/**
 * Revert (POST /jobs/{id}/revert): a new planned job with the inverse of every
 * `done` item, planned against live state again (records changed since the job
 * ran are planned as skipped). A job is reverted at most once: the revert
 * claims it before planning, and frees the claim if planning fails.
 */
import type { CfApi, CfZone } from '../cloudflare/bulk-client';
import { planFacts } from '../cloudflare/plans';
import { fingerprintRecords, fingerprintValues, identity, sameRecord } from '../cloudflare/records';
import { DomainError } from '../errors';
import type { Actor } from '../tenancy/actor';
import { readRetry } from './backoff';
import type { JobsDeps } from './deps';
import { mapLimit } from './map-limit';
import { ACTIVE_STATUSES, recordImage, type JobRow, type ZoneSummary } from './model';
import { nextJobId, writePlan } from './plan';
import { inverseItem, type ZonePlan, type ZonePlanItem } from './planner';
import { recordQuotaOf } from './quota';
import { forEachZone, loadChunks, loadJob, loadPlanItems } from './reads';
import { itemStatus, jobView, type JobView } from './views';
import { upstream } from './zone-reads';
import { assertCan } from '../workspaces/permissions';

const alreadyReverted = (by: string) => new DomainError('conflict', `The job was already reverted by job ${by}`, { code: 'job-reverted', extra: { revertedBy: by } });
const stillActive = (status: string) => new DomainError('conflict', `A ${status} job cannot be reverted; wait for it to finish or cancel it`, { code: 'job-active' });

export async function revertJob(deps: JobsDeps, actor: Actor, jobId: string): Promise<JobView> {
  assertCan(actor, 'jobs.apply');
  const { tenant } = actor;
  const job = await loadJob(deps, tenant, jobId);
  if (ACTIVE_STATUSES.includes(job.status) || job.status === 'planned' || job.status === 'planning') throw stillActive(job.status);
  if (job.revertedBy) throw alreadyReverted(job.revertedBy);
  if (job.done === 0) throw new DomainError('conflict', 'The job applied no change; there is nothing to revert', { code: 'nothing-to-revert' });
  const inverse = await inverseOfDone(deps, actor, jobId);
  if (inverse.size === 0) throw new DomainError('conflict', 'None of the applied changes can be reverted (cache purges cannot)', { code: 'nothing-to-revert' });
  // Claim the job for this revert before planning it, so concurrent reverts create one job.
  const revertJobId = nextJobId(deps.now());
  if (!(await deps.store.claimRevert(tenant, jobId, revertJobId))) {
    const current = await loadJob(deps, tenant, jobId);
    if (current.revertedBy) throw alreadyReverted(current.revertedBy);
    throw stillActive(current.status);
  }
  try {
    return await planRevert(deps, actor, job, inverse, revertJobId);
  } catch (e) {
    // The revert job was not created: free the claim so the revert can be asked for again.
    await deps.store.releaseRevert(tenant, jobId, revertJobId);
    throw e;
  }
}

/** Per zone, the inverse of every item the job applied (from the snapshot: the plan's before-images and created ids). */
async function inverseOfDone(deps: JobsDeps, actor: Actor, jobId: string): Promise<Map<string, ZonePlanItem[]>> {
  const inverse = new Map<string, ZonePlanItem[]>();
  for (const c of await loadChunks(deps, actor.tenant, jobId)) {
    const items = await loadPlanItems(deps, actor.tenant, jobId, c.chunk);
    items.forEach((it, idx) => {
      if (itemStatus(c, idx, it, false).status !== 'done') return;
      const inv = inverseItem(it, c.outcome.created[String(idx)]);
      if (inv) inverse.set(it.zoneId, [...(inverse.get(it.zoneId) ?? []), inv]);
    });
  }
  return inverse;
}

/** The revert job (id claimed already): live state read again, changed records planned as skipped. */
async function planRevert(deps: JobsDeps, actor: Actor, job: JobRow, inverse: Map<string, ZonePlanItem[]>, revertJobId: string): Promise<JobView> {
  const jobId = job.jobId;
  const cf = await deps.connect(actor.tenant, job.accountId);
  const zoneById = await zoneSummaries(deps, actor, job);
  const settingsKeys: Record<string, unknown> = {};
  let zonePlans: ZonePlan[];
  try {
    zonePlans = await mapLimit([...inverse.entries()], deps.config.readConcurrency, ([zoneId, items]) =>
      revertZonePlan(deps, cf, zoneById.get(zoneId)!, items, settingsKeys),
    );
  } catch (e) {
    throw upstream(e);
  }
  const created = await writePlan(
    deps,
    actor,
    { kind: job.kind, accountId: job.accountId, params: { revertOf: jobId, settings: settingsKeys }, revertOf: jobId, jobId: revertJobId },
    { zonePlans, threshold: 1 },
  );
  // A revert is explicitly asked for: it never needs force.
  await deps.store.clearNeedsForce(actor.tenant, created.jobId);
  return jobView(deps, actor.tenant, created.jobId);
}

/** The reverted job's zone summaries by zone id (its zone items; the row for jobs planned before them). */
async function zoneSummaries(deps: JobsDeps, actor: Actor, job: JobRow): Promise<Map<string, ZoneSummary>> {
  const byId = new Map((job.zones ?? []).map((z) => [z.zoneId, z]));
  if (!job.zones) {
    await forEachZone(deps, actor.tenant, job, async (zones) => {
      for (const z of zones) if (z.summary) byId.set(z.summary.zoneId, z.summary);
    });
  }
  return byId;
}

/** One zone of a revert: items whose target changed since the job ran become skips; settings keys are collected. */
async function revertZonePlan(deps: JobsDeps, cf: CfApi, z: ZoneSummary, items: ZonePlanItem[], settingsKeys: Record<string, unknown>): Promise<ZonePlan> {
  const zoneId = z.zoneId;
  const zone: CfZone = { id: zoneId, name: z.zoneName, plan: z.plan, batchLimit: z.batchLimit, recordQuota: recordQuotaOf(z), tagsAllowed: planFacts({ legacy_id: z.plan }).tagsAllowed };
  if (items[0]!.action === 'setting') {
    const s = await readRetry(deps, () => cf.getSettings(zoneId));
    const out = items.map((i) => {
      settingsKeys[i.recordId!] = true;
      const cur = s[i.recordId!];
      const expected = (i.before as { value: unknown }).value;
      return JSON.stringify(cur) === JSON.stringify(expected) ? i : { ...i, skip: 'changed since the job ran' };
    });
    const fp = fingerprintValues(Object.fromEntries(items.map((i) => [i.recordId!, s[i.recordId!] ?? null])));
    return { zone, items: out, recordsInZone: 0, fingerprint: fp };
  }
  const live = await readRetry(deps, () => cf.listRecords(zoneId));
  const byId = new Map(live.map((r) => [r.id, r]));
  const ids = new Set(live.map(identity));
  const out = items.map((i) => {
    if (i.action === 'create') return ids.has(identity(recordImage(i.after))) ? { ...i, skip: 'already exists' } : i;
    const r = byId.get(i.recordId!);
    if (!r || !sameRecord(r, recordImage(i.before))) return { ...i, skip: 'changed since the job ran' };
    return i;
  });
  return { zone, items: out, recordsInZone: live.length, fingerprint: fingerprintRecords(live) };
}
