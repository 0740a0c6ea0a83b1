/**
 * `npm run bench`: starts the local stack once (in memory, no schedules or
 * pollers), then runs every `test/bench/*.bench.ts` in turn. Each bench
 * exports `async run(): Promise<void>` and prints its own lines; benches
 * print ratios measured in one run and never gate anything.
 *
 * A bench that needs more of the stack (the SQS pollers, a time-scaled
 * Cloudflare sandbox) is registered in STACK_NEEDS: the one stack starts with
 * the needs of the selected benches merged (handlers read the env once when
 * loaded, so one process holds one stack).
 *
 *   npm run bench                 # all benches
 *   npm run bench -- crypto       # only benches whose file name contains "crypto"
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalStack, type LocalStackOptions } from '../../lib/local/stack';

/** Stack options a bench needs beyond the in-memory stack without pollers, by file. */
const STACK_NEEDS: Record<string, Partial<LocalStackOptions>> = {
  // Jobs run on the workers (the pollers); Cloudflare's 1,200 requests / 300 s at time scale 10 (W = 30 s).
  'cli.bench.ts': { pollers: { waitTimeSeconds: 1 }, cloudflareSandbox: { timeScale: 10 } },
};

/** The stack the selected benches need (a later bench's need of one option would win: keep them compatible). */
const stackOptions = (files: string[]): LocalStackOptions =>
  Object.assign({ persist: false, port: 0, schedules: false, pollers: false }, ...files.map((f) => STACK_NEEDS[f] ?? {}));

async function main(): Promise<void> {
  const filter = process.argv[2];
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
    .sort();
  if (files.length === 0) throw new Error(`no *.bench.ts in ${__dirname}${filter ? ` matching "${filter}"` : ''}`);
  const t0 = Date.now();
  const stack = await startLocalStack(stackOptions(files));
  console.log(`local stack ready in ${Date.now() - t0} ms (node ${process.version}, ${process.arch})`);
  // Benches that go through the gateway read its URL as the tests do (test/setup/env.ts baseUrl).
  process.env.FLAREVAULT_URL = stack.url;
  let failed = 0;
  try {
    for (const f of files) {
      console.log(`\n== ${f}`);
      try {
        const mod = (await import(join(__dirname, f))) as { run?: () => Promise<void> };
        if (typeof mod.run !== 'function') throw new Error('exports no run()');
        await mod.run();
      } catch (e) {
        failed++;
        console.error(`bench ${f} failed: ${(e as Error).stack ?? e}`);
      }
    }
  } finally {
    await stack.stop();
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
