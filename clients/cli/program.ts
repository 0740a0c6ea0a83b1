/**
 * The `flarevault` commands (commander). The contract schemas the input files are checked with are
 * handed in by the entry (bin/flarevault.ts): clients/ imports only types of functions/contracts.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ApiError } from '../../frontend/core/problem';
import { Context, type CommonOptions } from './context';
import { NotLoggedInError } from './credentials';
import { dnsExport, type ExportOptions } from './export';
import { dnsApply, dnsPlan, type ApplyOptions, type PlanOptions, type ZonesFileSchema } from './dns';
import { jobsApply, jobsCancel, jobsList, jobsPlan, jobsRevert, jobsShow, jobsWatch, type JobBodySchema } from './job-commands';
import { CliError, EXIT } from './job-flow';
import { listAccounts, listWorkspaces, listZones } from './lists';
import { login, logout } from './login';
import { FileInvalidError } from './source-file';

export interface Schemas {
  zonesFile: ZonesFileSchema;
  jobBody: JobBodySchema;
}

const EXIT_CODES_HELP = `
Exit codes:
  0  done, or the plan has no changes
  2  the plan has changes (plan --detailed-exitcode)
  3  over the safety threshold: apply again with --force (412 safety-threshold)
  4  the job ended partially-failed or failed
  1  any other error (a bad file: file:line:col per problem; an API problem: its detail and fields)

Credentials: FLAREVAULT_API_KEY and FLAREVAULT_URL win (CI); else \`flarevault login\`.
With --json, stdout holds exactly one JSON document: the result, or {"error", "exitCode", …}.`;

function share(v: string): number {
  const n = Number(v);
  if (!(n >= 0.01 && n <= 1)) throw new InvalidArgumentError('a share between 0.01 and 1');
  return n;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('an integer 1..100');
  return n;
}

/** The message and exit code of a failure, and its `--json` document. */
export function describeFailure(err: unknown): { exitCode: number; message: string; data: Record<string, unknown> } {
  if (err instanceof CliError) return { exitCode: err.exitCode, message: err.message, data: err.data };
  if (err instanceof FileInvalidError) return { exitCode: EXIT.error, message: err.message, data: { issues: err.issues } };
  if (err instanceof NotLoggedInError) return { exitCode: EXIT.error, message: err.message, data: {} };
  if (err instanceof ApiError) {
    const data = { status: err.status, slug: err.slug, ...(err.fieldErrors.length ? { errors: err.fieldErrors } : {}) };
    if (err.status === 401) return { exitCode: EXIT.error, message: `The server refused the credential (${err.message}): run \`flarevault login\` (or check FLAREVAULT_API_KEY)`, data };
    if (err.status === 403 && err.slug === 'insufficient-scope') return { exitCode: EXIT.error, message: `${err.message}: the API key lacks a scope this command needs`, data };
    const fields = err.fieldErrors.map((e) => `\n  ${e.in}.${e.field}: ${e.message}`).join('');
    return { exitCode: EXIT.error, message: `${err.message} (HTTP ${err.status} ${err.slug})${fields}`, data };
  }
  return { exitCode: EXIT.error, message: err instanceof Error ? err.message : String(err), data: {} };
}

/** A command's work: its exit code (undefined = 0). `args` are its positional arguments. */
type Run<O> = (ctx: Context, o: O, args: string[]) => Promise<number | void>;

export function buildProgram(schemas: Schemas, version: string, io: { env?: Record<string, string | undefined>; fetchImpl?: typeof fetch } = {}): Command {
  const program = new Command('flarevault')
    .version(version)
    .description('flarevault CLI: Cloudflare zones as code, planned and applied through the flarevault job engine')
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError()
    .exitOverride((err) => {
      // commander's usage errors exit 1 (2 is "the plan has changes" here); help and version exit 0.
      throw Object.assign(err, { exitCode: err.exitCode === 0 ? 0 : EXIT.error });
    });

  /** --json and --no-progress on every command; the action's number is the exit code. */
  const command = <O extends CommonOptions>(parent: Command, spec: string, description: string, run: Run<O>): Command =>
    parent
      .command(spec)
      .description(description)
      .option('--json', 'print one JSON document on stdout (the result, or the error)')
      .option('--no-progress', 'no progress bar or progress lines on stderr')
      .action(async (...args: unknown[]) => {
        const cmd = args[args.length - 1] as Command;
        const o = cmd.opts<O>();
        const ctx = new Context(o, io.env ?? process.env, io.fetchImpl);
        try {
          process.exitCode = (await run(ctx, o, cmd.args)) ?? EXIT.ok;
        } catch (err) {
          const f = describeFailure(err);
          if (o.json) process.stdout.write(`${JSON.stringify({ error: f.message, exitCode: f.exitCode, ...f.data })}\n`);
          // A bad file's lines are `file:line:col: …` as compilers print them; anything else gets `error: `.
          else process.stderr.write(`${err instanceof FileInvalidError ? '' : 'error: '}${f.message}\n`);
          process.exitCode = f.exitCode;
        }
      });
  const account = () => new Option('--account <id|name>', 'the Cloudflare account (default: the file\'s `account`, else the only one)');

  command<CommonOptions & { url?: string; browser?: boolean; name?: string }>(program, 'login', 'log in by device authorization: approve in the browser; stores an API key (0600)', (ctx, o) => login(ctx, o))
    .option('--url <url>', 'the flarevault URL (default: FLAREVAULT_URL, else the stored one)')
    .option('--no-browser', 'do not open the browser; only print the URL and code')
    .option('--name <name>', 'this machine, as the approval page shows it (default: the host name)');
  command(program, 'logout', 'delete this login\'s API key on the server and the stored credentials', (ctx) => logout(ctx));
  command(program, 'workspaces', 'the workspaces of the credential\'s user (* = the one it acts on)', (ctx) => listWorkspaces(ctx));
  command(program, 'accounts', 'the Cloudflare accounts of the workspace', (ctx) => listAccounts(ctx));
  command<CommonOptions & { search?: string }>(program, 'zones', 'the zones of a Cloudflare account', (ctx, o) => listZones(ctx, o))
    .addOption(account())
    .option('--search <text>', 'zones whose name contains the text');

  const dns = program.command('dns').description('zones as code: export zones, plan and apply a zones file (YAML or JSON)');
  command<CommonOptions & ExportOptions>(dns, 'export <zone...>', 'the zones (names or ids) as a zones file that plans to zero changes, or as BIND', (ctx, o, zones) => dnsExport(ctx, zones, o))
    .addOption(account())
    .addOption(new Option('--format <format>', 'yaml (a zones file) or bind').choices(['yaml', 'bind']).default('yaml'))
    .option('-o, --output <file>', 'write to the file (else stdout)');
  const planOptions = (cmd: Command) =>
    cmd
      .addOption(account())
      .option('--prune', 'delete managed records the file does not have (else they are listed as skipped)')
      .option('--threshold <share>', 'safety threshold: share of a zone\'s records a plan may update or delete before apply needs --force (default 0.3)', share);
  planOptions(command<CommonOptions & PlanOptions>(dns, 'plan <file>', 'plan the file (a dns-sync job) and show the diff', (ctx, o, [arg]) => dnsPlan(ctx, arg!, schemas.zonesFile, o))).option(
    '--detailed-exitcode',
    'exit 2 when the plan has changes (0 when none)',
  );
  planOptions(command<CommonOptions & ApplyOptions>(dns, 'apply <file>', 'plan the file, show the diff, confirm, apply, follow to the end', (ctx, o, [arg]) => dnsApply(ctx, arg!, schemas.zonesFile, o)))
    .option('--force', 'apply even over the safety threshold')
    .option('-y, --yes', 'do not ask for confirmation (needed without a terminal)');

  const jobs = program.command('jobs').description('bulk jobs of any kind');
  command<CommonOptions & { limit: number }>(jobs, 'list', 'jobs, newest first', (ctx, o) => jobsList(ctx, o)).option('--limit <n>', 'how many (1..100)', positiveInt, 25);
  command(jobs, 'plan <request>', 'plan a job from a request file (YAML or JSON: any POST /api/v1/jobs body) and show it', (ctx, _o, [arg]) => jobsPlan(ctx, arg!, schemas.jobBody));
  command(jobs, 'show <id>', 'a job and its diff', (ctx, _o, [arg]) => jobsShow(ctx, arg!));
  command<CommonOptions & { force?: boolean; yes?: boolean }>(jobs, 'apply <id>', 'apply a planned job and follow it to the end', (ctx, o, [arg]) => jobsApply(ctx, arg!, o))
    .option('--force', 'apply even over the safety threshold')
    .option('-y, --yes', 'do not ask for confirmation');
  command(jobs, 'watch <id>', 'follow a job (planning or applying) to its end', (ctx, _o, [arg]) => jobsWatch(ctx, arg!));
  command(jobs, 'cancel <id>', 'cancel a job: changes not yet applied are skipped', (ctx, _o, [arg]) => jobsCancel(ctx, arg!));
  command<CommonOptions & { apply?: boolean; force?: boolean; yes?: boolean }>(jobs, 'revert <id>', 'plan the inverse of a finished job (and apply it with --apply)', (ctx, o, [arg]) => jobsRevert(ctx, arg!, o))
    .option('--apply', 'apply the revert once planned')
    .option('--force', 'apply even over the safety threshold')
    .option('-y, --yes', 'do not ask for confirmation');
  return program;
}

/** Runs the CLI; resolves with the exit code. */
export async function runCli(argv: readonly string[], schemas: Schemas, version: string): Promise<number> {
  const program = buildProgram(schemas, version);
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    if (typeof code === 'number') return code;
    throw err;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
}
