/**
 * Cold start of each Lambda function (issue 14 item 1): its bundle size and
 * the time to import it, against the goals (≤ 1 MB, ≤ 150 ms). Bundled exactly
 * as lib/function.ts bundles it (test/infra/bundles.ts), then required in a
 * fresh `node --enable-source-maps` process (Lambda's NODE_OPTIONS) 5 times;
 * the median is printed with the min–max, the CPU time, the median without source maps (what
 * they cost) and the three largest packages.
 *
 *   npm run bench -- bundles
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../lib/function';
import { buildLocalEnv } from '../../lib/local/stack';
import { BUNDLE_MAX_BYTES, deployedBundles } from '../infra/bundles';

const IMPORT_MS_GOAL = 150;
const RUNS = 5;

/**
 * Time `require(file)` alone, in a new process (Node's own start-up is not the function's):
 * wall time (the goal) and the process's CPU time over the same span, which other load on the
 * machine disturbs less.
 */
const IMPORT_TIMER = `const { performance } = require('node:perf_hooks');
const c = process.cpuUsage();
const t = performance.now();
require(process.argv[1]);
const wall = performance.now() - t;
const cpu = process.cpuUsage(c);
process.stdout.write(JSON.stringify({ wall, cpu: (cpu.user + cpu.system) / 1000 }));`;

/**
 * Modules read their env at import: under `npm run bench` the local stack's, else
 * placeholders of the same shape (importing contacts nothing).
 */
function functionEnv(): NodeJS.ProcessEnv {
  if (process.env.TABLE_NAME) return process.env;
  const url = 'http://127.0.0.1:9';
  const queueUrls = { free: `${url}/q/free`, base: `${url}/q/base`, pro: `${url}/q/pro` };
  const local = buildLocalEnv({
    region: 'us-east-1',
    tableName: 'bench',
    kmsKeyId: 'alias/bench',
    queueUrls,
    backupBucket: 'bench',
    syncBucket: 'bench-sync',
    mailOutboxDir: '/tmp/bench-outbox',
    originVerifySecret: 'bench'.repeat(8),
    publicUrl: url,
    endpoints: { dynamodb: url, sqs: url, s3: url, kms: url },
    turnstile: { siteverifyUrl: `${url}/turnstile/v0/siteverify`, scriptUrl: `${url}/turnstile/v0/api.js`, mode: false },
  });
  return { ...process.env, ...local };
}

interface ImportTime {
  readonly wall: number;
  readonly cpu: number;
}

function importTime(file: string, env: NodeJS.ProcessEnv, sourceMaps = true): ImportTime {
  const out = execFileSync(process.execPath, [...(sourceMaps ? ['--enable-source-maps'] : []), '-e', IMPORT_TIMER, file], {
    cwd: REPO_ROOT,
    // Node 22 on Lambda: the SDK's "Node < 22" warning would not be printed there.
    env: { ...env, NODE_OPTIONS: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  return JSON.parse(out) as ImportTime;
}

/** Bytes per npm package (or folder of functions/), largest first. */
function byPackage(inputs: readonly { path: string; bytes: number }[]): [string, number][] {
  const sums = new Map<string, number>();
  for (const { path, bytes } of inputs) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
    sums.set(name, (sums.get(name) ?? 0) + bytes);
  }
  return [...sums].sort((a, b) => b[1] - a[1]);
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kb = (bytes: number) => `${Math.round(bytes / 1000).toLocaleString('en-US')} KB`;
const mark = (ok: boolean) => (ok ? 'ok  ' : 'OVER');

export async function run(): Promise<void> {
  const outdir = join(REPO_ROOT, 'cdk.out', 'bench-bundles');
  rmSync(outdir, { recursive: true, force: true });
  const bundles = deployedBundles(outdir);
  console.log(`goals: bundle ≤ ${kb(BUNDLE_MAX_BYTES)}, import ≤ ${IMPORT_MS_GOAL} ms (median of ${RUNS} fresh \`node --enable-source-maps\`)`);
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs (wall times grow with it; CPU times less)`);
  const env = functionEnv();
  let over = 0;
  for (const b of bundles) {
    const runs: ImportTime[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(importTime(b.file, env));
    const times = runs.map((r) => r.wall);
    const ms = median(times);
    const cpu = median(runs.map((r) => r.cpu));
    // What the source maps cost (lib/function.ts keeps them for readable stack traces).
    const noMaps: number[] = [];
    for (let i = 0; i < RUNS; i++) noMaps.push(importTime(b.file, env, false).wall);
    const sizeOk = b.bytes <= BUNDLE_MAX_BYTES;
    const timeOk = ms <= IMPORT_MS_GOAL;
    if (!sizeOk || !timeOk) over++;
    const top = byPackage(b.inputs)
      .slice(0, 3)
      .map(([name, bytes]) => `${name} ${kb(bytes)}`)
      .join(', ');
    console.log(
      `${b.entry.padEnd(16)} ${kb(b.bytes).padStart(9)} ${mark(sizeOk)}  import ${ms.toFixed(0).padStart(4)} ms ${mark(timeOk)} ` +
        `(${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)}, CPU ${cpu.toFixed(0)} ms; no maps ${median(noMaps).toFixed(0)} ms)   largest: ${top}`,
    );
  }
  console.log(over ? `${over} of ${bundles.length} functions miss a goal` : `all ${bundles.length} functions meet both goals`);
}
