/**
 * A job for people and programs: its plan as a diff, the confirmation and apply that follow, and the
 * outcome of the run (failed items with Cloudflare's reason). Shared by `dns` and `jobs` commands.
 */
import type { Job, JobItem } from './api';
import type { Context } from './context';
import { changesOf, countItems, planWarnings, relativeName, renderDiff } from './diff';
import { applyAndFollow, CliError, EXIT, exitCodeOfRun } from './job-flow';

/** The plan for people (diff, then the job id) and for programs. */
export function showPlan(ctx: Context, job: Job, items: readonly JobItem[]): void {
  const counts = countItems(items);
  ctx.term.result({ job, counts, changes: changesOf(counts), items }, [
    ...renderDiff(items, ctx.term.paint),
    ...(job.status === 'planned' ? planWarnings(job, ctx.term.paint) : []),
    ctx.term.paint('dim', `Job ${job.id} (${job.status})`),
  ]);
}

/** The diff, then (when it has changes) confirm and apply. */
export async function showAndApply(ctx: Context, job: Job, items: readonly JobItem[], o: { force?: boolean; yes?: boolean }): Promise<number> {
  const counts = countItems(items);
  if (changesOf(counts) === 0) {
    ctx.term.result({ job, counts, changes: 0, applied: false, items }, [...renderDiff(items, ctx.term.paint), 'Nothing to apply.']);
    return EXIT.ok;
  }
  ctx.term.say(...renderDiff(items, ctx.term.paint), ...planWarnings(job, ctx.term.paint));
  return confirmAndApply(ctx, job, o);
}

/** Confirm (on a terminal, unless --yes), apply, follow to the end, print the outcome; the exit code. */
export async function confirmAndApply(ctx: Context, job: Job, o: { force?: boolean; yes?: boolean }): Promise<number> {
  // Over the threshold without --force the API refuses (exit 3) whatever the answer: do not ask.
  if (!o.yes && !(job.needsForce && !o.force)) {
    if (!ctx.term.interactive) throw new CliError(`Not applied: pass --yes to apply without a terminal to confirm on (job ${job.id} stays planned)`);
    if (!(await ctx.term.confirm(`Apply ${job.plan.totalChanges} change(s) of job ${job.id}?`))) throw new CliError(`Not applied (job ${job.id} stays planned)`);
  }
  const ended = await applyAndFollow(ctx.api, job.id, !!o.force, { progress: ctx.term.progress() });
  await reportRun(ctx, ended);
  return exitCodeOfRun(ended);
}

/** The outcome of a run: counts, throughput, and each failed item with Cloudflare's reason. */
export async function reportRun(ctx: Context, job: Job): Promise<void> {
  const failed = job.counts.failed ? (await ctx.api.jobItems(job.id)).filter((i) => i.status === 'failed') : [];
  const c = job.counts;
  const rate = job.throughput ? `, ${job.throughput.toFixed(1)} changes/s` : '';
  const colour = job.status === 'done' ? 'green' : job.status === 'cancelled' ? 'yellow' : 'red';
  ctx.term.result({ job, failedItems: failed }, [
    `${ctx.term.paint(colour, job.status)}: ${c.done} done, ${c.failed} failed, ${c.cancelled} cancelled, ${c.skipped} skipped${rate} (job ${job.id})`,
    ...failed.map((i) => {
      const r = i.after ?? i.before ?? {};
      return `  ${ctx.term.paint('red', '✗')} ${i.zoneName} ${relativeName(r.name, i.zoneName)} ${String(r.type ?? i.action)}: ${i.error ?? 'failed'}`;
    }),
  ]);
}
