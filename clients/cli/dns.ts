/**
 * Zones as code: `dns plan <file>` submits the file as a `dns-sync` job and renders its plan as a
 * diff; `dns apply <file>` plans, shows, confirms and applies it. The file is checked against the
 * contract's ZonesFile schema first (line:column errors), and the API's field errors on the
 * submitted request are pointed back at the file too (`params.zones.<zone>.records.<i>.name` →
 * the line of that record's name).
 */
import { readFileSync } from 'node:fs';
import type * as z from 'zod';
import type { ZonesFile } from '../../functions/contracts/dns-sync';
import { ApiError } from '../../frontend/core/problem';
import type { DnsSyncJobBody, Job, JobItem } from './api';
import type { Context } from './context';
import { changesOf, countItems, relativeName, renderDiff } from './diff';
import { applyAndFollow, awaitPlan, CliError, EXIT, exitCodeOfRun, JobProblemError } from './job-flow';
import { FileInvalidError, SourceFile } from './source-file';

export type ZonesFileSchema = typeof ZonesFile;

export interface PlanOptions {
  prune?: boolean;
  detailedExitcode?: boolean;
  threshold?: number;
}

export interface ApplyOptions extends PlanOptions {
  force?: boolean;
  yes?: boolean;
}

/** Reads and checks an input file; the SourceFile stays to map the API's field errors back onto it. */
export function readSource<S extends z.ZodType>(path: string, schema: S): { source: SourceFile; value: z.output<S> } {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read ${path}: ${(err as Error).message}`);
  }
  const source = SourceFile.parse(path, text);
  return { source, value: source.check(schema) };
}

/**
 * A 400 on the submitted request, its field errors as positions in the file: `toFilePath` maps a body
 * field (`params.zones.x`) to the file's path (`zones.x`), or undefined when the file has no such field.
 */
export function fileErrorsOf(err: unknown, source: SourceFile, toFilePath: (field: string) => string | undefined): FileInvalidError | undefined {
  if (!(err instanceof ApiError) || err.status !== 400 || !err.fieldErrors.length) return undefined;
  const issues = err.fieldErrors.map((e) => {
    const path = e.in === 'body' ? toFilePath(e.field) : undefined;
    return path === undefined ? { file: source.file, line: 1, col: 1, path: `${e.in}.${e.field}`, message: e.message } : source.issueAt(path, e.message);
  });
  return new FileInvalidError(issues);
}

/** `params.zones.x` → `zones.x`, `params.defaults` → `defaults`, `accountId` → `account`. */
const syncFieldToFile = (field: string) => (field.startsWith('params.') ? field.slice('params.'.length) : field === 'accountId' ? 'account' : undefined);

/** A dns-sync field error as an issue in the file (none when the file has no such field). */
function mapField(source: SourceFile, field: string, message: string) {
  const path = syncFieldToFile(field);
  return path === undefined ? [] : [source.issueAt(path, message)];
}

/** POST the dns-sync job of the file and wait for its plan. */
async function planFile(ctx: Context, file: string, schema: ZonesFileSchema, o: PlanOptions): Promise<{ job: Job; items: JobItem[] }> {
  const { source, value } = readSource(file, schema);
  const account = await ctx.account(value.account);
  const body: DnsSyncJobBody = {
    kind: 'dns-sync',
    accountId: account.id,
    ...(o.threshold !== undefined ? { safetyThreshold: o.threshold } : {}),
    params: { prune: !!o.prune, ...(value.defaults ? { defaults: value.defaults } : {}), zones: value.zones },
  };
  let created: Job;
  try {
    created = await ctx.api.createJob(body);
  } catch (err) {
    throw fileErrorsOf(err, source, syncFieldToFile) ?? err;
  }
  try {
    return await awaitPlan(ctx.api, created, { progress: ctx.term.progress() });
  } catch (err) {
    // plan-failed with field errors (a zone the account does not have): point at the file as well.
    const mapped = err instanceof JobProblemError ? err.fields.flatMap((f) => mapField(source, f.field, f.message)) : [];
    throw mapped.length ? new FileInvalidError(mapped) : err;
  }
}

/** The plan for people (diff, then the job id) and for programs. */
export function showPlan(ctx: Context, job: Job, items: readonly JobItem[]): void {
  const counts = countItems(items);
  ctx.term.result({ job, counts, changes: changesOf(counts), items }, [...renderDiff(items, ctx.term.paint), ctx.term.paint('dim', `Job ${job.id} (${job.status})`)]);
}

export async function dnsPlan(ctx: Context, file: string, schema: ZonesFileSchema, o: PlanOptions): Promise<number> {
  const { job, items } = await planFile(ctx, file, schema, o);
  showPlan(ctx, job, items);
  return o.detailedExitcode && changesOf(countItems(items)) > 0 ? EXIT.changes : EXIT.ok;
}

export async function dnsApply(ctx: Context, file: string, schema: ZonesFileSchema, o: ApplyOptions): Promise<number> {
  const { job, items } = await planFile(ctx, file, schema, o);
  return showAndApply(ctx, job, items, o);
}

/** The diff, then (when it has changes) confirm and apply. */
export async function showAndApply(ctx: Context, job: Job, items: readonly JobItem[], o: { force?: boolean; yes?: boolean }): Promise<number> {
  const counts = countItems(items);
  if (changesOf(counts) === 0) {
    ctx.term.result({ job, counts, changes: 0, applied: false, items }, [...renderDiff(items, ctx.term.paint), 'Nothing to apply.']);
    return EXIT.ok;
  }
  ctx.term.say(...renderDiff(items, ctx.term.paint));
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
