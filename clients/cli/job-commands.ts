/**
 * `flarevault jobs …`: any job kind, by request file or by id — list, plan, show (the diff), apply,
 * watch, cancel, revert.
 */
import type * as z from 'zod';
import type { CreateJobBody } from '../../functions/contracts/jobs';
import type { Job } from './api';
import type { Context } from './context';
import { fileErrorsOf, readSource } from './input-file';
import { reportRun, showAndApply, showPlan } from './job-output';
import { awaitPlan, exitCodeOfRun, isFinished, watchRun } from './job-flow';

export type JobBodySchema = z.ZodType<z.output<typeof CreateJobBody>, z.input<typeof CreateJobBody>>;

const line = (j: Job) =>
  `${j.id}  ${j.kind.padEnd(13)} ${j.status.padEnd(16)} ${String(j.plan.totalChanges).padStart(6)} changes  ${j.createdAt}${j.revertOf ? `  (reverts ${j.revertOf})` : ''}`;

export async function jobsList(ctx: Context, o: { limit: number }): Promise<void> {
  const page = await ctx.api.listJobs(o.limit);
  ctx.term.result(page, page.jobs.length ? page.jobs.map(line) : ['No jobs.']);
}

/** `jobs plan <request>`: a CreateJobBody from a YAML/JSON file, planned and shown. */
export async function jobsPlan(ctx: Context, file: string, schema: JobBodySchema): Promise<void> {
  const { source, value } = readSource(file, schema);
  let created: Job;
  try {
    created = await ctx.api.createJob(value);
  } catch (err) {
    throw fileErrorsOf(err, source, (field) => field) ?? err;
  }
  const { job, items } = await awaitPlan(ctx.api, created, { progress: ctx.term.progress() });
  showPlan(ctx, job, items);
}

export async function jobsShow(ctx: Context, id: string): Promise<void> {
  const job = await ctx.api.job(id);
  if (job.status === 'planning') {
    const p = job.planning;
    ctx.term.result({ job, items: [] }, [`planning (job ${job.id}): ${p?.zonesPlanned ?? 0}/${p?.zonesTotal ?? '?'} zones planned; \`flarevault jobs watch ${job.id}\` follows it`]);
    return;
  }
  showPlan(ctx, job, await ctx.api.jobItems(id));
}

export async function jobsApply(ctx: Context, id: string, o: { force?: boolean; yes?: boolean }): Promise<number> {
  const job = await ctx.api.job(id);
  return showAndApply(ctx, job, await ctx.api.jobItems(id), o);
}

/** Follows a job until it is planned or finished; the exit code of how it ended. */
export async function jobsWatch(ctx: Context, id: string): Promise<number> {
  const job = await ctx.api.job(id);
  const progress = ctx.term.progress();
  if (job.status === 'planning') {
    const { job: planned, items } = await awaitPlan(ctx.api, job, { progress });
    showPlan(ctx, planned, items);
    return 0;
  }
  const ended = isFinished(job) ? job : await watchRun(ctx.api, job, { progress });
  if (!isFinished(ended)) {
    ctx.term.result({ job: ended }, [`${ended.status} (job ${ended.id})`]);
    return 0;
  }
  await reportRun(ctx, ended);
  return exitCodeOfRun(ended);
}

export async function jobsCancel(ctx: Context, id: string): Promise<void> {
  const job = await ctx.api.cancelJob(id);
  ctx.term.result({ job }, [`${job.status} (job ${job.id}): ${job.counts.cancelled} changes cancelled`]);
}

/** `jobs revert <id>`: plans the inverse job and shows it; with --apply, applies it too. */
export async function jobsRevert(ctx: Context, id: string, o: { apply?: boolean; force?: boolean; yes?: boolean }): Promise<number> {
  const created = await ctx.api.revertJob(id);
  const { job, items } = await awaitPlan(ctx.api, created, { progress: ctx.term.progress() });
  if (!o.apply) {
    showPlan(ctx, job, items);
    return 0;
  }
  return showAndApply(ctx, job, items, o);
}
