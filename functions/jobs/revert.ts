/**
 * Revert (POST /jobs/{id}/revert): a new job with the inverse of every `done`
 * item, planned against live state again (records changed since the job ran
 * are planned as skipped). A job is reverted at most once: the revert claims it
 * before planning, and frees the claim if planning fails.
 *
 * The revert job is planned like any job, on the tier queue (`planning`, then
 * `planned`): its zone i is the reverted job's zone i, and planning that zone
 * reads the reverted job's chunks of that zone (`revertZone`) and the zone's
 * live state once. Jobs planned before per-zone items are reverted at once in
 * the request, as before.
 */
import type { CfApi, CfZone } from '../cloudflare/bulk-client';
import { planFacts } from '../cloudflare/plans';
import { fingerprintRecords, fingerprintValues, identity, sameRecord } from '../cloudflare/records';
import { DomainError } from '../errors';
import type { Actor } from '../tenancy/actor';
import type { Tenant } from '../tenancy/tenant';
import { readRetry } from './backoff';
import type { JobsDeps } from './deps';
import { mapLimit } from './map-limit';
import { ACTIVE_STATUSES, recordImage, type JobRow, type ZoneRow, type ZoneSummary } from './model';
import { nextJobId, startPlanning, writePlan } from './plan';
import { inverseItem, type ZonePlan, type ZonePlanItem } from './planner';
import { recordQuotaOf } from './quota';
import { forEachZone, loadChunks, loadJob, loadPlanItems, loadZoneChunks } from './reads';
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
  // Every applied change but a purge has an inverse (a created record's id is recorded when it lands).
  const inverse = job.zones ? await inverseOfDone(deps, actor, jobId) : undefined;
  if (job.kind === 'cache-purge' || inverse?.size === 0) throw new DomainError('conflict', 'None of the applied changes can be reverted (cache purges cannot)', { code: 'nothing-to-revert' });
  await deps.connect(tenant, job.accountId); // 404 now when the account was disconnected
  // Claim the job for this revert before planning it, so concurrent reverts create one job.
  const revertJobId = nextJobId(deps.now());
  if (!(await deps.store.claimRevert(tenant, jobId, revertJobId))) {
    const current = await loadJob(deps, tenant, jobId);
    if (current.revertedBy) throw alreadyReverted(current.revertedBy);
    throw stillActive(current.status);
  }
  try {
    if (inverse) return await planRevert(deps, actor, job, inverse, revertJobId);
    const settings = (job.params as { settings?: Record<string, unknown> }).settings;
    return await startPlanning(
      deps,
      actor,
      // Threshold 1: a revert is explicitly asked for, it never needs force.
      { jobId: revertJobId, kind: job.kind, accountId: job.accountId, threshold: 1, params: { revertOf: jobId, ...(settings ? { settings } : {}) }, revertOf: jobId },
      [],
    );
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

/** The zones a revert job plans: the reverted job's, in its zone order (zone i reverts zone i). */
export async function revertZones(deps: JobsDeps, tenant: Tenant, revertOf: string): Promise<CfZone[]> {
  const source = await loadJob(deps, tenant, revertOf);
  const zones: CfZone[] = [];
  await forEachZone(deps, tenant, source, async (page) => {
    for (const z of page) zones.push(z.zone);
  });
  return zones;
}

/** One zone of an asynchronous revert: the inverse of the reverted job's done items in that zone, against live state. */
export async function revertZone(deps: JobsDeps, tenant: Tenant, cf: CfApi, job: JobRow, zone: ZoneRow): Promise<ZonePlan> {
  const revertOf = job.revertOf!;
  const items: ZonePlanItem[] = [];
  for (const c of await loadZoneChunks(deps, tenant, revertOf, zone.index)) {
    (await loadPlanItems(deps, tenant, revertOf, c.chunk)).forEach((it, idx) => {
      if (itemStatus(c, idx, it, false).status !== 'done') return;
      const inv = inverseItem(it, c.outcome.created[String(idx)]);
      if (inv) items.push(inv);
    });
  }
  if (items.length === 0) return { zone: zone.zone, items: [], recordsInZone: 0, fingerprint: '' }; // nothing applied here: no read
  // The drift check reads the settings the job names: the fingerprint covers the same keys.
  const keys = Object.keys((job.params as { settings?: Record<string, unknown> }).settings ?? {});
  return revertZonePlan(deps, cf, zone.zone, items, {}, keys);
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
      revertZonePlan(deps, cf, zoneOfSummary(zoneById.get(zoneId)!), items, settingsKeys),
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

/** A zone as a summary of a job planned before per-zone items describes it. */
const zoneOfSummary = (z: ZoneSummary): CfZone => ({ id: z.zoneId, name: z.zoneName, plan: z.plan, batchLimit: z.batchLimit, recordQuota: recordQuotaOf(z), tagsAllowed: planFacts({ legacy_id: z.plan }).tagsAllowed });

/**
 * One zone of a revert: items whose target changed since the job ran become skips; settings keys
 * are collected; the settings fingerprint covers `fingerprintKeys` (default: the items' settings).
 */
async function revertZonePlan(deps: JobsDeps, cf: CfApi, zone: CfZone, items: ZonePlanItem[], settingsKeys: Record<string, unknown>, fingerprintKeys?: string[]): Promise<ZonePlan> {
  const zoneId = zone.id;
  if (items[0]!.action === 'setting') {
    const s = await readRetry(deps, () => cf.getSettings(zoneId));
    const out = items.map((i) => {
      settingsKeys[i.recordId!] = true;
      const cur = s[i.recordId!];
      const expected = (i.before as { value: unknown }).value;
      return JSON.stringify(cur) === JSON.stringify(expected) ? i : { ...i, skip: 'changed since the job ran' };
    });
    const fp = fingerprintValues(Object.fromEntries((fingerprintKeys ?? items.map((i) => i.recordId!)).map((k) => [k, s[k] ?? null])));
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
