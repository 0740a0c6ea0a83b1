/**
 * Issue 18's bench, one run (`npm run bench -- cli`): a 5,000-record change across 100 zones
 * (per zone 25 creates, 15 updates, 10 deletes; the file holds each zone's 115 records), applied
 *  (1) with the CLI, `flarevault dns apply zones.yaml --yes --prune` as a child process against the
 *      local stack (FLAREVAULT_URL + FLAREVAULT_API_KEY scoped to jobs and Cloudflare): one
 *      `dns-sync` job, planned and applied by the engine's workers through the batch endpoint and
 *      the shared limiter;
 *  (2) the peers' way on the same sandbox after putting its state back (`PUT /__sandbox/snapshot`):
 *      one request per record from the runner, as octoDNS, DNSControl and Terraform do it —
 *      octoDNS's Cloudflare provider sends a POST/PUT/DELETE per record and, on a 429, sleeps
 *      `retry_period` (300 s) up to `retry_count` (4) times (octodns/octodns-cloudflare
 *      `octodns_cloudflare/__init__.py`, whose `_apply_Update` comment wishes for a batch API; the
 *      retry came with octodns/octodns#551); Terraform manages one `cloudflare_record` per record:
 *      a full import of ~5,000 records takes about an hour (cloudflare/terraform-provider-cloudflare#4887;
 *      "almost all of that time is spent retrieving records, one by one", #1854) and v5 has no
 *      client-side pacing, so runs die on 429 971 (#5505); DNSControl retries Cloudflare's 429s
 *      (DNSControl/dnscontrol#1713). Here: the official `cloudflare` SDK, create/edit/delete per
 *      record, its retry honouring `Retry-After` (support/peers-sync.ts).
 * The sandbox enforces Cloudflare's budget, 1,200 requests / 300 s per user then a 300 s block,
 * at time scale 10 (W = 30 s; run.ts registers the stack this bench needs), so the run takes
 * minutes, not hours. Printed from this one run: Cloudflare requests as the sandbox counted them
 * (429s apart), wall time of each way, the ratios, and that both ways end in the same zones.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Cloudflare from 'cloudflare';
import { stringify } from 'yaml';
import type { LogEntry, SandboxSnapshot } from '../../lib/local/cloudflare';
import { REPO_ROOT } from '../../lib/local/stack';
import { setWorkspaceTier } from '../../functions/workspaces/workspaces';
import { dataLayerFromEnv } from '../../functions/data/from-env';
import { cliAccount, sandboxAdmin } from '../support/cli-account';
import { applyOneRequestPerRecord } from './support/peers-sync';
import { buildZonesChange, EDIT, zonesOff } from './support/zones-change';

const ZONES = Number(process.env.BENCH_CLI_ZONES ?? 100);
const RECORDS_PER_ZONE = 100;
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

interface Measured {
  ms: number;
  requests: number;
  writes: number;
  got429: number;
  /** Time between each 429 and the next request (the Retry-After the client honoured), summed. */
  blockedMs: number;
}

async function sandboxLog(since: number): Promise<{ entries: LogEntry[]; lastSeq: number }> {
  return sandboxAdmin('GET', `log?since=${since}`);
}

/** Runs `fn` from a fresh rate-limit budget and counts what the sandbox saw meanwhile. */
async function measured(fn: () => Promise<void>): Promise<Measured> {
  await sandboxAdmin('DELETE', 'ratelimit');
  const { lastSeq } = await sandboxLog(Number.MAX_SAFE_INTEGER);
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const { entries } = await sandboxLog(lastSeq);
  const blockedMs = entries.reduce((sum, e, i) => (e.status === 429 && entries[i + 1] ? sum + Date.parse(entries[i + 1]!.time) - Date.parse(e.time) : sum), 0);
  return { ms, requests: entries.length, writes: entries.filter((e) => e.method !== 'GET').length, got429: entries.filter((e) => e.status === 429).length, blockedMs };
}

/** `flarevault dns apply <file> --yes --prune`, stdout and stderr kept in a file. */
function cliApply(file: string, env: Record<string, string>, outFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bin', 'flarevault.ts'), 'dns', 'apply', file, '--yes', '--prune'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      writeFileSync(outFile, out);
      if (code === 0) resolve();
      else reject(new Error(`flarevault dns apply exited ${code}; its output is in ${outFile}:\n${out.slice(-2000)}`));
    });
  });
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function run(): Promise<void> {
  const limits = await sandboxAdmin<{ limit: number; windowMs: number; timeScale: number }>('GET', 'ratelimit');
  const account = await cliAccount('CLI bench');
  const data = dataLayerFromEnv();
  // 5,000 changes need more than Free's 1,000 per job; pro also runs 8 workers.
  await setWorkspaceTier({ repo: data.repo, keyring: data.keyring, audit: data.audit, now: Date.now }, account.user.userId, 'pro');
  const prefix = `bench-${account.cfAccountId.slice(0, 6)}`;
  const seeded = await sandboxAdmin<{ zones: Array<{ name: string }> }>('POST', 'seed', {
    reset: false,
    accounts: [{ id: account.cfAccountId, name: 'CLI bench (sandbox)' }],
    tokens: [],
    zones: ZONES,
    recordsPerZone: RECORDS_PER_ZONE,
    plan: 'free',
    prefix,
    tld: 'example',
  });
  const zoneNames = seeded.zones.map((z) => z.name);
  const before = await sandboxAdmin<SandboxSnapshot>('GET', 'snapshot');
  const change = buildZonesChange(before, zoneNames, account.accountId);
  const dir = mkdtempSync(join(tmpdir(), 'cli-bench-'));
  try {
    const file = join(dir, 'zones.yaml');
    writeFileSync(file, stringify(change.file));
    const fileRecords = Object.values(change.file.zones).reduce((n, z) => n + z.records.length, 0);
    const total = change.changes.creates + change.changes.updates + change.changes.deletes;
    console.log(`change: ${ZONES} Free zones × ${RECORDS_PER_ZONE} records; ${total} changed records (${change.changes.creates} creates, ${change.changes.updates} updates, ${change.changes.deletes} deletes: per zone ${EDIT.creates} + ${EDIT.updates} + ${EDIT.deletes}); the YAML holds ${fileRecords} records`);
    console.log(`sandbox budget: ${limits.limit} requests / ${(limits.windowMs * limits.timeScale) / 1000} s per user, at time scale ${limits.timeScale} (W = ${limits.windowMs / 1000} s)`);

    mkdirSync(ARTIFACTS, { recursive: true });
    const cliOut = join(ARTIFACTS, 'cli-bench-apply.txt');
    const cli = await measured(() => cliApply(file, { FLAREVAULT_URL: process.env.FLAREVAULT_URL!, FLAREVAULT_API_KEY: account.apiKey }, cliOut));
    const afterCli = await sandboxAdmin<SandboxSnapshot>('GET', 'snapshot');
    const cliOff = zonesOff(afterCli, change.expected);
    if (cliOff.length) throw new Error(`after the CLI, ${cliOff.length} zones differ from the file (first ${cliOff[0]}); output in ${cliOut}`);
    console.log(`(1) CLI dns apply --yes --prune: ${s(cli.ms)}, ${cli.requests} Cloudflare requests (${cli.writes} writes, ${cli.got429} answered 429); output: ${cliOut}`);

    await sandboxAdmin('PUT', 'snapshot', before);
    if (zonesOff(await sandboxAdmin<SandboxSnapshot>('GET', 'snapshot'), change.expected).length !== ZONES) throw new Error('the sandbox state was not put back');
    const peerToken = await sandboxAdmin<{ value: string }>('POST', 'tokens', { name: 'peer tool', accounts: [account.cfAccountId], write: true, user: account.cfAccountId });
    const cf = new Cloudflare({ apiToken: peerToken.value, baseURL: process.env.CLOUDFLARE_SANDBOX_URL!, maxRetries: 4 });
    let counts = { creates: 0, updates: 0, deletes: 0 };
    const peers = await measured(async () => {
      counts = await applyOneRequestPerRecord(cf, change.file, true);
    });
    const peersOff = zonesOff(await sandboxAdmin<SandboxSnapshot>('GET', 'snapshot'), change.expected);
    if (peersOff.length) throw new Error(`after the peers' way, ${peersOff.length} zones differ from the file (first ${peersOff[0]})`);
    if (counts.creates !== change.changes.creates || counts.updates !== change.changes.updates || counts.deletes !== change.changes.deletes) {
      throw new Error(`the peers' diff found ${JSON.stringify(counts)}, the change is ${JSON.stringify(change.changes)}`);
    }
    console.log(`(2) one request per record (SDK, honouring Retry-After): ${s(peers.ms)}, ${peers.requests} Cloudflare requests (${peers.writes} writes, ${peers.got429} answered 429)`);
    console.log(`both ways end with every zone as the file says (checked record by record in the sandbox)`);
    console.log(`ratios (one request per record / CLI): requests ${(peers.requests / cli.requests).toFixed(1)}×, wall time ${(peers.ms / cli.ms).toFixed(1)}×`);
    // Cloudflare's clock: waits last timeScale times longer; the rest (the requests' own time) does not scale.
    const window = (limits.windowMs * limits.timeScale) / 1000;
    const real = (m: Measured) => m.ms + m.blockedMs * (limits.timeScale - 1);
    console.log(
      `at Cloudflare's real clock (blocked time × ${limits.timeScale}): one request per record ≈ ${(real(peers) / 60_000).toFixed(1)} min (blocked ${s(peers.blockedMs)} here), ` +
        `the CLI ≈ ${s(real(cli))} (${cli.requests} requests ${cli.requests <= limits.limit ? `fit in one budget of ${limits.limit} per ${window} s: nothing to wait for` : 'span several budgets: its limiter waits, not counted here, scale too'}); ratio ≈ ${(real(peers) / real(cli)).toFixed(0)}×`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
