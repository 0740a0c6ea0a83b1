/**
 * Bulk jobs at the scale of a thousand zones (issue 13 item 15), one run:
 * 1,000 Pro zones × 500 records in the Cloudflare sandbox (its own process, so the figure for
 * memory is the engine's), Cloudflare's real budget — L = 1,200 requests per W = 300 s — with
 * the sandbox's clock scaled by TIME_SCALE (1 here: real time, so the engine's own work is not
 * magnified against the window). The limiter learns L and W from the
 * `Ratelimit-Policy` header, as it does from Cloudflare.
 *
 * Three jobs; each phase starts on a full budget (a new Cloudflare user's token — the budget is
 * per user — as after a quiet window, a person reviewing the plan):
 *   dense   — every record of 100 zones (50,000 records): requests per changed record
 *   spread  — 50 records in each of the 1,000 zones (50,000 records)
 *   sparse  — one record in each of the 1,000 zones
 * Per phase (planning: POST /jobs → planned; applying: POST apply → done) it prints R, the wall
 * time and the true rate-limit floor: with a full budget at the start R requests need
 * (⌈R/L⌉ − 1) windows. When R ≤ L no wait is needed and the floor is the engine's own work,
 * so the ratio is printed only for phases that need a window.
 * Also: 429s (goal 0), the longest API request (POST /jobs, POST apply) scaled back to real time
 * (goal < 30 s), and the peak RSS / heap of this process, which runs all 8 workers (an upper bound
 * of one worker's). Goals: ratios ≤ 1.15, ≤ 0.02 requests per changed record on the dense job.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { cfApiFromSdk } from '../../functions/cloudflare/bulk-client';
import { cloudflareClient } from '../../functions/cloudflare/client';
import { createBucketLimiter, tokenKeyHash, type RateLimiter } from '../../functions/cloudflare/limiter';
import { applyJob } from '../../functions/jobs/apply';
import { DEFAULT_JOBS_CONFIG, type JobsDeps } from '../../functions/jobs/deps';
import { planJob } from '../../functions/jobs/plan';
import { getJob, listItems } from '../../functions/jobs/queries';
import { createJobStore } from '../../functions/jobs/store';
import { functions } from '../../functions/platform/manifest';
import { limitsFor } from '../../functions/platform/tiers';
import { userTenant } from '../../functions/tenancy/tenant';
import type { Actor } from '../../functions/tenancy/actor';
import type { CreateJobInput } from '../../functions/contracts/jobs';
import { dataLayer, MemQueue, pump } from '../integration/jobs-harness';
import { startSandboxProcess, type SandboxProcess } from './support/sandbox-process';

const ZONES = 1000;
const RECORDS_PER_ZONE = 500;
const LIMIT = 1200;
const WINDOW_S = 300;
const TIME_SCALE = 1;
const W_MS = (WINDOW_S / TIME_SCALE) * 1000;
const WORKERS = 8;
const WORKER_TIMEOUT_MS = functions.worker.timeoutSeconds! * 1000;

interface Phase {
  requests: number;
  wallMs: number;
  apiMs: number;
  /** The longest a worker waited for the limiter. */
  maxWaitMs: number;
}

/** The limiter, timing how long acquire() makes its caller wait. */
function timed(limiter: RateLimiter, onWait: (ms: number) => void): RateLimiter {
  return {
    async acquire() {
      const t = performance.now();
      const grant = await limiter.acquire();
      onWait(performance.now() - t);
      return grant;
    },
    async tryAcquire(maxWaitMs) {
      const t = performance.now();
      const r = await limiter.tryAcquire(maxWaitMs);
      if (r.acquired) onWait(performance.now() - t);
      return r;
    },
    observe: (o) => limiter.observe(o),
  };
}

/** Peak RSS and heap of this process, sampled every 25 ms. */
function memorySampler() {
  let rss = 0;
  let heap = 0;
  const tick = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const t = setInterval(tick, 25);
  return {
    stop: () => (clearInterval(t), tick(), { rss, heap }),
  };
}

const floorMs = (r: number) => (Math.ceil(r / LIMIT) - 1) * W_MS;
const mb = (b: number) => `${Math.round(b / 1e6)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function phaseLine(name: string, p: Phase): string {
  const floor = floorMs(p.requests);
  const ratio = floor > 0 ? `÷ floor ${s(floor)} (${Math.ceil(p.requests / LIMIT) - 1} windows) = ${(p.wallMs / floor).toFixed(3)}   (goal ≤ 1.15)` : `(R ≤ L: no window to wait; the floor is the engine's own work)`;
  return `  ${name}: R = ${p.requests}, wall ${s(p.wallMs)} ${ratio}; longest limiter wait ${s(p.maxWaitMs)}; API request ${p.apiMs.toFixed(0)} ms`;
}

export async function run(): Promise<void> {
  const t0 = performance.now();
  const sb = await startSandboxProcess({ zones: ZONES, recordsPerZone: RECORDS_PER_ZONE, plan: 'pro', timeScale: TIME_SCALE, rateLimit: { limit: LIMIT, windowSeconds: WINDOW_S } });
  console.log(`sandbox: ${ZONES} Pro zones × ${RECORDS_PER_ZONE} records in its own process (${s(performance.now() - t0)}); budget ${LIMIT} req / ${WINDOW_S} s at time scale ${TIME_SCALE} (W = ${W_MS / 1000} s)`);
  const mem = memorySampler();
  const baseline = process.memoryUsage();
  let maxApiMs = 0;
  let maxWaitMs = 0;
  let maxReceives = 0;
  const { deps, queue, actor, accountId, useToken } = engine(sb, (ms) => (maxWaitMs = Math.max(maxWaitMs, ms)));
  /** One phase on a full budget: a new Cloudflare user's token, as after a quiet window. */
  const phase = async (label: string, start: () => Promise<unknown>): Promise<Phase> => {
    await useToken(await sb.newUserToken(`bench-${label}-${randomBytes(4).toString('hex')}`));
    const before = (await sb.log()).lastSeq;
    maxWaitMs = 0;
    const t = performance.now();
    await start();
    const apiMs = performance.now() - t;
    maxApiMs = Math.max(maxApiMs, apiMs);
    // Each delivery has the worker Lambda's time (its timeout): a far limiter slot defers the message.
    await pump(deps, queue, { concurrency: WORKERS, visibilityMs: 600_000, remainingMs: WORKER_TIMEOUT_MS, onDelivery: (_m, n) => (maxReceives = Math.max(maxReceives, n)) });
    return { requests: (await sb.log()).lastSeq - before, wallMs: performance.now() - t, apiMs, maxWaitMs };
  };
  try {
    const measure = async (label: string, input: Omit<Exclude<CreateJobInput, { kind: 'dns-sync' }>, 'accountId'>) => {
      let jobId = '';
      const plan = await phase(`${label}-plan`, async () => {
        jobId = (await planJob(deps, actor, { ...input, accountId } as CreateJobInput)).id;
      });
      const view = await getJob(deps, actor, jobId);
      if (view.status !== 'planned') throw new Error(`${label}: planning ended ${view.status} ${JSON.stringify(view.problem)}`);
      const apply = await phase(`${label}-apply`, () => applyJob(deps, actor, jobId, { force: true, mode: 'server' }));
      const done = await getJob(deps, actor, jobId);
      if (done.status !== 'done' || done.counts.done !== view.plan.totalChanges) throw new Error(`${label}: job ended ${done.status} ${JSON.stringify(done.counts)}`);
      const changed = done.counts.done;
      const requests = plan.requests + apply.requests;
      const skipped = await listItems(deps, actor, jobId, { limit: 1, status: 'skipped' });
      const skip = done.counts.skipped ? ` (${done.counts.skipped} planned no-ops, e.g. ${JSON.stringify(skipped.items[0]?.before)}: ${skipped.items[0]?.error})` : '';
      console.log(`${label}: ${view.plan.zonesTotal} zones, ${changed} changed records in ${view.plan.chunks} batches${skip}; ${requests} Cloudflare requests = ${(requests / changed).toFixed(4)} per changed record`);
      console.log(phaseLine('planning', plan));
      console.log(phaseLine('applying', apply));
      return { changed, requests, zones: view.plan.zonesTotal ?? 0 };
    };

    const everyType = { types: ['A', 'AAAA', 'CNAME', 'MX', 'TXT'] as const };
    const dense = await measure('dense', { kind: 'dns-replace', zoneFilter: { nameContains: 'zone-01' }, safetyThreshold: 1, params: { match: { types: [...everyType.types] }, set: { ttl: 600, proxied: false } } });
    console.log(`  requests per changed record: ${(dense.requests / dense.changed).toFixed(4)}   (goal ≤ 0.02)`);
    const spread = await measure('spread', { kind: 'dns-replace', zoneFilter: { nameContains: 'zone-' }, safetyThreshold: 1, params: { match: { name: { value: 'host-0??1', mode: 'pattern' } }, set: { ttl: 900, proxied: false } } });
    console.log(`  floor per changed record: 1 read to plan + 1 drift read + 1 batch per zone = ${((3 * spread.zones) / spread.changed).toFixed(4)} (+ zone list pages)`);
    const sparse = await measure('sparse', { kind: 'dns-replace', zoneFilter: { nameContains: 'zone-' }, safetyThreshold: 1, params: { match: { name: { value: 'host-0002', mode: 'exact' } }, set: { ttl: 1200 } } });
    console.log(`  floor per changed record: 3 (1 read to plan, 1 drift read at apply, 1 batch per zone) + ${Math.ceil(sparse.zones / 50)} zone list pages / ${sparse.zones} = ${(3 + Math.ceil(sparse.zones / 50) / sparse.zones).toFixed(3)}`);

    const all = (await sb.log()).entries;
    console.log(`longest Cloudflare request: ${Math.max(...all.map((e) => e.durationMs))} ms`);
    console.log(`most deliveries of one message: ${maxReceives} (deferrals are new messages)`);
    console.log(`429s received: ${all.filter((e) => e.status === 429).length} of ${all.length} requests   (goal 0)`);
    console.log(`longest API request (POST /jobs, POST apply): ${maxApiMs.toFixed(0)} ms, scaled back ×${TIME_SCALE} = ${s(maxApiMs * TIME_SCALE)}   (goal < 30 s)`);
  } finally {
    const peak = mem.stop();
    console.log(`peak memory of the process running ${WORKERS} workers: RSS ${mb(peak.rss)} (baseline ${mb(baseline.rss)}), heap ${mb(peak.heap)} (baseline ${mb(baseline.heapUsed)})`);
    await sb.close();
  }
}

/** The engine in this process against the sandbox process: the pro tier's 8 workers sharing one limiter per token. */
function engine(sb: SandboxProcess, onWait: (ms: number) => void) {
  const dl = dataLayer();
  const queue = new MemQueue();
  let token = sb.token;
  const limiterFor = (value: string) => timed(createBucketLimiter({ table: dl.table, keyHash: tokenKeyHash(`${value}/${randomBytes(6).toString('hex')}`) }), onWait);
  let limiter = limiterFor(token);
  const deps: JobsDeps = {
    repo: dl.repo,
    store: createJobStore(dl.table, dl.keyring),
    queue,
    async connect() {
      const client = cloudflareClient({ token, baseURL: sb.url }, { maxRetries: 0, timeoutMs: 20_000 });
      return cfApiFromSdk(client, limiter, { timeoutMs: 20_000 });
    },
    limits: limitsFor,
    audit: dl.audit,
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    config: { ...DEFAULT_JOBS_CONFIG, readConcurrency: 16 },
  };
  const userId = `u${randomBytes(8).toString('hex')}`;
  const actor: Actor = { tenant: userTenant(userId), memberId: userId, tier: 'pro', role: 'OWNER' };
  return {
    deps,
    queue,
    actor,
    accountId: `acc${randomBytes(6).toString('hex')}`,
    /** Switch to another token (its own limiter bucket, as a new user's would be). */
    async useToken(value: string) {
      token = value;
      limiter = limiterFor(value);
    },
  };
}
