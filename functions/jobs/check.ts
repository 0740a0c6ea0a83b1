/**
 * Apply's drift check, worker side (tier queue messages):
 *
 *   check-job   one check-zone message per zone not yet checked in this round (fan-out)
 *   check-zone  re-read the zone (behind the shared limiter) and compare its fingerprint with the
 *               plan's; counted once per round (zone and job in one transaction)
 *
 * The commit that makes zonesChecked = zonesTotal decides: no zone drifted → the job moves on
 * (`queued`, chunks enqueued; browser mode `running`) — once, conditionally; a zone drifted (or a
 * zone could not be read) → back to `planned` with the problem (the drifted zones, a re-plan hint)
 * and the slot is given back. Same semantics as the synchronous check it replaces: any drift
 * refuses the whole apply, and the plan's before-images, just verified, are the snapshot.
 */
import type { CfApi } from '../cloudflare/bulk-client';
import { fingerprintRecords, fingerprintValues } from '../cloudflare/records';
import type { Tenant } from '../tenancy/tenant';
import { readRetry } from './backoff';
import type { JobsDeps } from './deps';
import { enqueueChunks, maybeFinalize } from './lifecycle';
import { checkZoneMessage, messageTenant, type JobMessage } from './messages';
import type { JobProblem, JobRow, ZoneSummary } from './model';
import { commitWithRetry, type StepResult } from './planning';
import { findJob, findZone, forEachZone, loadChunks, loadJob } from './reads';
import type { DeliveryOptions } from './retryable';
import { stepProblem } from './step-errors';

type Msg<K extends JobMessage['kind']> = Extract<JobMessage, { kind: K }>;

const checking = (job: JobRow | undefined, round: number): job is JobRow => !!job && job.status === 'checking' && job.checkRound === round;

/** check-job: fan out one check-zone message per zone still to check in this round. */
export async function checkJobStep(deps: JobsDeps, msg: Msg<'check-job'>): Promise<StepResult> {
  const tenant = messageTenant(msg);
  const job = await findJob(deps, tenant, msg.jobId);
  if (!checking(job, msg.round)) return 'done';
  await forEachZone(deps, tenant, job, async (zones) => {
    const todo = zones.filter((z) => z.checkedRound !== msg.round);
    if (todo.length) await deps.queue.send(job.tier, todo.map((z) => checkZoneMessage(tenant, job.jobId, z.index, msg.round)));
  });
  await completeCheck(deps, tenant, job.jobId, msg.round);
  return 'done';
}

/** check-zone: the zone's live fingerprint against the plan's, counted once in the round. */
export async function checkZoneStep(deps: JobsDeps, msg: Msg<'check-zone'>, o: DeliveryOptions): Promise<StepResult> {
  const tenant = messageTenant(msg);
  const job = await findJob(deps, tenant, msg.jobId);
  if (!checking(job, msg.round)) return 'done';
  const zone = await findZone(deps, tenant, msg.jobId, msg.zone);
  if (!zone?.summary) return 'done';
  if (zone.checkedRound !== msg.round) {
    let drifted: boolean;
    try {
      drifted = zone.summary.fingerprint ? (await liveFingerprint(deps, await deps.connect(tenant, job.accountId), job, zone.summary)) !== zone.summary.fingerprint : false;
    } catch (e) {
      await refuse(deps, tenant, job.jobId, msg.round, stepProblem(e, o, `checking zone ${zone.summary.zoneName}`));
      return 'done';
    }
    await commitWithRetry(deps, () => deps.store.recordZoneCheck(tenant, job.jobId, zone.index, msg.round, drifted, deps.now()));
  }
  await completeCheck(deps, tenant, job.jobId, msg.round);
  return 'done';
}

async function liveFingerprint(deps: JobsDeps, cf: CfApi, job: JobRow, z: ZoneSummary): Promise<string> {
  if (job.kind === 'zone-settings') {
    const s = await readRetry(deps, () => cf.getSettings(z.zoneId));
    const keys = Object.keys((job.params as { settings?: Record<string, unknown> }).settings ?? {});
    return fingerprintValues(Object.fromEntries(keys.map((k) => [k, s[k] ?? null])));
  }
  return fingerprintRecords(await readRetry(deps, () => cf.listRecords(z.zoneId)));
}

/** Every zone checked: refuse (drift) or move on, once. */
async function completeCheck(deps: JobsDeps, tenant: Tenant, jobId: string, round: number): Promise<void> {
  const job = await loadJob(deps, tenant, jobId);
  if (!checking(job, round) || job.zonesChecked < (job.zonesTotal ?? 0)) return;
  if (job.zonesDrifted > 0) {
    const zones: Array<{ zoneId: string; zoneName: string }> = [];
    await forEachZone(deps, tenant, job, async (page) => {
      for (const z of page) if (z.driftedRound === round && z.summary && zones.length < 50) zones.push({ zoneId: z.summary.zoneId, zoneName: z.summary.zoneName });
    });
    await refuse(deps, tenant, jobId, round, {
      code: 'plan-drifted',
      message: `${job.zonesDrifted} zone(s) changed since the plan was made; plan the job again`,
      zones,
      extra: { replan: { method: 'POST', href: '/api/v1/jobs', note: 'submit the same request again for a fresh plan' } },
    });
    return;
  }
  const next = job.mode === 'browser' ? 'running' : 'queued';
  if (!(await deps.store.passCheck(tenant, jobId, round, next, deps.now()))) return;
  // Snapshot: the plan's before-images were just verified equal to live state, so they ARE the
  // snapshot of what will change (already encrypted in the plan pages).
  await deps.store.addEvent(tenant, jobId, { type: 'queued', done: 0, failed: 0, message: `snapshot verified; ${job.mode} mode` }, deps.now());
  if (job.chunksSettled >= job.chunks) {
    await maybeFinalize(deps, tenant, jobId);
    return;
  }
  if (job.mode === 'server') {
    const pending = (await loadChunks(deps, tenant, jobId)).filter((c) => c.status === 'pending');
    await enqueueChunks(deps, tenant, job, pending);
    deps.log?.('apply: enqueued', { jobId, chunks: pending.length });
  }
}

/** Back to `planned` with the problem; the slot is given back (once). */
async function refuse(deps: JobsDeps, tenant: Tenant, jobId: string, round: number, problem: JobProblem): Promise<void> {
  if (await deps.store.refuseCheck(tenant, jobId, round, problem)) {
    await deps.store.addEvent(tenant, jobId, { type: 'drifted', done: 0, failed: 0, message: problem.message }, deps.now());
    deps.log?.('apply: refused by the drift check', { jobId, code: problem.code });
  }
}
