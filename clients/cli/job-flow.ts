/**
 * A job's life as the CLI follows it: planning (zones planned / listed), then apply's drift check
 * (zones checked) and the run (changes settled / changes), each phase on a progress bar, by polling
 * GET /jobs/{id} (the engine plans and applies on its queues; docs/jobs.md). Exit codes live here
 * too: they are decided by how a job ends.
 */
import { ApiError } from '../../frontend/core/problem';
import { sleepMs } from '../shared/device-flow';
import type { FlarevaultApi, Job, JobItem } from './api';
import type { Progress } from './progress';

/** Exit codes (docs/cli.md). */
export const EXIT = {
  ok: 0,
  error: 1,
  /** `--detailed-exitcode`: the plan has changes. */
  changes: 2,
  /** Over the safety threshold without `--force` (412 safety-threshold). */
  threshold: 3,
  /** The job ended partially-failed or failed. */
  failed: 4,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
    /** Extra fields of the `--json` error document. */
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CliError';
  }
}

const PLANNING = new Set<Job['status']>(['planning']);
/** Phases in the order a job goes through them. */
const PHASES = ['planning', 'checking', 'applying'];
const APPLYING = new Set<Job['status']>(['checking', 'queued', 'running']);
const FINISHED = new Set<Job['status']>(['done', 'partially-failed', 'failed', 'cancelled']);

export const isFinished = (job: Job) => FINISHED.has(job.status);

/** The progress a job shows in its current status, if any; a job just past a phase shows that phase complete. */
export function progressOf(job: Job): { phase: string; value: number; total: number; rate?: number } | undefined {
  const c = job.counts;
  const applying = { phase: 'applying', value: c.done + c.failed + c.cancelled, total: c.total - c.skipped, rate: job.throughput ?? undefined };
  switch (job.status) {
    case 'planning':
      return { phase: 'planning', value: job.planning?.zonesPlanned ?? 0, total: job.planning?.zonesTotal ?? 0 };
    case 'planned':
    case 'plan-failed':
      return { phase: 'planning', value: job.plan.zonesTotal ?? 0, total: job.plan.zonesTotal ?? 0 };
    case 'checking':
      return { phase: 'checking', value: job.checking?.zonesChecked ?? 0, total: job.checking?.zonesTotal ?? 0 };
    case 'queued':
    case 'running':
      return applying;
    default:
      return { ...applying, value: job.status === 'cancelled' ? applying.value : applying.total };
  }
}

export interface Follow {
  readonly progress: Progress;
  /** Between two GET /jobs/{id} for the first 10 s of a follow (then twice that). */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A quick job is seen ending at once; a long one is not polled more than once a second. */
const SLOWER_AFTER_MS = 10_000;

/** GET /jobs/{id} until the job leaves `busy` statuses, showing its progress. */
export async function followJob(api: FlarevaultApi, job: Job, busy: ReadonlySet<Job['status']>, f: Follow): Promise<Job> {
  const sleep = f.sleep ?? sleepMs;
  const pollMs = f.pollMs ?? 500;
  const started = Date.now();
  let current = job;
  let shown: ReturnType<typeof progressOf>;
  // Ctrl-C stops following, not the job: say where it goes on.
  const interrupted = () => {
    f.progress.stop();
    process.stderr.write(`\nStopped following job ${job.id}; it goes on on the server: \`flarevault jobs watch ${job.id}\` (or \`jobs cancel ${job.id}\`)\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    for (;;) {
      const p = progressOf(current);
      // The phase in progress, and once more the phase just finished (its bar at 100%; a run
      // finished between two polls still shows its applying line).
      // A phase the job went past between two polls ended complete: its bar says so before the next one.
      if (shown && p && PHASES.indexOf(p.phase) > PHASES.indexOf(shown.phase)) f.progress.update(shown.phase, shown.total, shown.total);
      if (p && (busy.has(current.status) || p.phase === shown?.phase || p.phase === 'applying')) f.progress.update(p.phase, p.value, p.total, p.rate);
      shown = p;
      if (!busy.has(current.status)) return current;
      await sleep(Date.now() - started < SLOWER_AFTER_MS ? pollMs : 2 * pollMs);
      current = await api.job(current.id);
    }
  } finally {
    process.removeListener('SIGINT', interrupted);
    f.progress.stop();
  }
}

/** A job as planned, with its items; plan-failed → CliError with the problem. */
export async function awaitPlan(api: FlarevaultApi, job: Job, f: Follow): Promise<{ job: Job; items: JobItem[] }> {
  const planned = await followJob(api, job, PLANNING, f);
  if (planned.status === 'plan-failed') throw new JobProblemError(planned, 'Planning failed');
  return { job: planned, items: await api.jobItems(planned.id) };
}

/**
 * POST /jobs/{id}/apply, then follow the drift check and the run to the end. 412 safety-threshold →
 * CliError exit 3 naming the zones and shares; a drift check that sends the job back to `planned`
 * → CliError with the problem.
 */
export async function applyAndFollow(api: FlarevaultApi, id: string, force: boolean, f: Follow): Promise<Job> {
  let started: Job;
  try {
    started = await api.applyJob(id, force);
  } catch (err) {
    if (err instanceof ApiError && err.status === 412 && err.slug === 'safety-threshold') throw thresholdError(err, id);
    if (err instanceof ApiError && err.status === 409 && err.slug === 'approval-required') {
      throw new CliError(`${err.message}\nThe two-person rule is on: an ADMIN/OWNER other than you approves job ${id} in the dashboard, then run \`flarevault jobs apply ${id}\`.`, EXIT.error, { job: id, status: 409, slug: err.slug });
    }
    throw err;
  }
  return watchRun(api, started, f);
}

/** Follow an applying job until it ends (or is sent back to `planned` by the drift check). */
export async function watchRun(api: FlarevaultApi, job: Job, f: Follow): Promise<Job> {
  const ended = await followJob(api, job, APPLYING, f);
  if (ended.status === 'planned' && ended.problem) throw new JobProblemError(ended, 'Apply refused');
  return ended;
}

/** The exit code of a finished job: done 0, partially-failed / failed 4, cancelled 1. */
export function exitCodeOfRun(job: Job): number {
  if (job.status === 'done') return EXIT.ok;
  if (job.status === 'partially-failed' || job.status === 'failed') return EXIT.failed;
  return EXIT.error;
}

/** A job's problem (plan-failed, or apply's check sending it back to `planned`), with its field errors. */
export class JobProblemError extends CliError {
  readonly fields: readonly { field: string; message: string }[];

  constructor(job: Job, what: string) {
    const p = job.problem!;
    const fields = Array.isArray(p.extra?.fields) ? (p.extra.fields as { field: string; message: string }[]) : [];
    const zones = p.zones?.length ? `\n  zones: ${p.zones.map((z) => z.zoneName).join(', ')}` : '';
    super(`${what} (${p.code}): ${p.message}${zones}${fields.map((e) => `\n  ${e.field}: ${e.message}`).join('')}`, EXIT.error, { job: job.id, problem: p });
    this.fields = fields;
  }
}

function thresholdError(err: ApiError, jobId: string): CliError {
  const zones = Array.isArray(err.problem.zones) ? (err.problem.zones as { zoneName: string; share: number }[]) : [];
  const listed = zones.map((z) => `\n  ${z.zoneName}: ${Math.round(z.share * 1000) / 10}% of its records`).join('');
  return new CliError(`${err.message}${listed}\nRun again with --force to apply anyway (job ${jobId} stays planned).`, EXIT.threshold, { job: jobId, slug: err.slug, threshold: err.problem.threshold, zones });
}
