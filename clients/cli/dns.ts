/**
 * Zones as code: `dns plan <file>` submits the file as a `dns-sync` job and renders its plan as a
 * diff; `dns apply <file>` plans, shows, confirms and applies it. The file is checked against the
 * contract's ZonesFile schema first (line:column errors), and the API's field errors on the
 * submitted request are pointed back at the file too (`params.zones.<zone>.records.<i>.name` →
 * the line of that record's name).
 */
import type { ZonesFile } from '../../functions/contracts/dns-sync';
import type { DnsSyncJobBody, Job, JobItem } from './api';
import type { Context } from './context';
import { changesOf, countItems } from './diff';
import { fileErrorsOf, readSource } from './input-file';
import { awaitPlan, EXIT, JobProblemError } from './job-flow';
import { showAndApply, showPlan } from './job-output';
import { FileInvalidError, type SourceFile } from './source-file';

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

export async function dnsPlan(ctx: Context, file: string, schema: ZonesFileSchema, o: PlanOptions): Promise<number> {
  const { job, items } = await planFile(ctx, file, schema, o);
  showPlan(ctx, job, items);
  return o.detailedExitcode && changesOf(countItems(items)) > 0 ? EXIT.changes : EXIT.ok;
}

export async function dnsApply(ctx: Context, file: string, schema: ZonesFileSchema, o: ApplyOptions): Promise<number> {
  const { job, items } = await planFile(ctx, file, schema, o);
  return showAndApply(ctx, job, items, o);
}
