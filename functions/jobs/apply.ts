/**
 * Apply (POST /jobs/{id}/apply): safety threshold, drift check (every zone read
 * again and compared with the plan's fingerprint), snapshot, then the job is
 * activated and its chunks enqueued (server mode) or left to the browser.
 */
import type { CfApi } from '../cloudflare/bulk-client';
import { fingerprintRecords, fingerprintValues } from '../cloudflare/records';
import { DomainError } from '../errors';
import type { Actor } from '../tenancy/actor';
import { readRetry } from './backoff';
import type { JobsDeps } from './deps';
import { assertApproved } from './approve';
import { activate, enqueueChunks, maybeFinalize } from './lifecycle';
import { mapLimit } from './map-limit';
import { iso, type JobMode, type JobRow, type JobStatus } from './model';
import { stateNeeded } from './planner';
import { assertWithinPlanLimits } from './quota';
import { loadChunks, loadJob } from './reads';
import { toView, type JobView } from './views';
import { upstream } from './zone-reads';
import { assertCan } from '../workspaces/permissions';

type DriftedZone = { zoneId: string; zoneName: string };

/** Zones whose live state no longer has the fingerprint the plan was computed from. */
async function checkDrift(deps: JobsDeps, cf: CfApi, job: JobRow): Promise<DriftedZone[]> {
  const kind = job.kind;
  const zones = job.zones.filter((z) => z.fingerprint);
  const drifted = await mapLimit(zones, deps.config.readConcurrency, async (z) => {
    let fp: string;
    if (kind === 'zone-settings') {
      const s = await readRetry(deps, () => cf.getSettings(z.zoneId));
      const keys = Object.keys((job.params as { settings?: Record<string, unknown> }).settings ?? {});
      fp = fingerprintValues(Object.fromEntries(keys.map((k) => [k, s[k] ?? null])));
    } else {
      fp = fingerprintRecords(await readRetry(deps, () => cf.listRecords(z.zoneId)));
    }
    return fp === z.fingerprint ? undefined : { zoneId: z.zoneId, zoneName: z.zoneName };
  });
  return drifted.filter((d): d is DriftedZone => !!d);
}

/** POST /jobs/{id}/apply: safety threshold, drift check, snapshot, enqueue (or open for browser pacing). */
export async function applyJob(deps: JobsDeps, actor: Actor, jobId: string, opts: { force: boolean; mode: JobMode }): Promise<JobView> {
  assertCan(actor, 'jobs.apply');
  const { tenant } = actor;
  const job = await loadJob(deps, tenant, jobId);
  if (job.status !== 'planned') throw new DomainError('conflict', `The job is ${job.status}; only a planned job can be applied`, { code: 'job-not-planned' });
  await assertApproved(deps, tenant, job);
  assertWithinPlanLimits(job.zones, stateNeeded(job.kind) === 'records'); // before force: a zone's quota is Cloudflare's, not ours to override
  if (job.needsForce && !opts.force) {
    const over = job.zones.filter((z) => z.overThreshold);
    throw new DomainError('precondition-failed', `The plan touches more than ${Math.round(job.safetyThreshold * 100)}% of the records of ${over.length} zone(s); apply with force: true to proceed`, {
      code: 'safety-threshold',
      extra: { threshold: job.safetyThreshold, zones: over.map((z) => ({ zoneId: z.zoneId, zoneName: z.zoneName, share: z.share })) },
    });
  }
  const cf = await deps.connect(tenant, job.accountId);
  let drifted: DriftedZone[];
  try {
    drifted = await checkDrift(deps, cf, job);
  } catch (e) {
    throw upstream(e);
  }
  if (drifted.length) {
    throw new DomainError('precondition-failed', `${drifted.length} zone(s) changed since the plan was made; plan the job again`, {
      code: 'plan-drifted',
      extra: { zones: drifted, replan: { method: 'POST', href: '/api/v1/jobs', note: 'submit the same request again for a fresh plan' } },
    });
  }
  // Snapshot: the plan's before-images were just verified equal to live state, so they ARE the
  // snapshot of what will change (already encrypted in the plan pages); record when it was taken.
  const now = deps.now();
  deps.log?.('apply: drift check passed', { jobId, zones: job.zones.length });
  const status: JobStatus = opts.mode === 'browser' ? 'running' : 'queued';
  const allSettled = job.chunksSettled >= job.chunks;
  await activate(deps, tenant, actor.tier, job, { status, mode: opts.mode, appliedAt: iso(now), lastActivityAt: iso(now) });
  await deps.store.addEvent(tenant, jobId, { type: 'queued', done: 0, failed: 0, message: `snapshot verified; ${opts.mode} mode` }, deps.now());
  if (opts.mode === 'server' && !allSettled) {
    const chunks = (await loadChunks(deps, tenant, jobId)).filter((c) => c.status === 'pending');
    await enqueueChunks(deps, tenant, job, chunks);
    deps.log?.('apply: enqueued', { jobId, chunks: chunks.length });
  }
  if (allSettled) await maybeFinalize(deps, tenant, jobId);
  return toView(await loadJob(deps, tenant, jobId), deps.now());
}
