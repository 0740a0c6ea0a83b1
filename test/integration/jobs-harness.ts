/**
 * Domain-level harness for the jobs engine: DynamoDB Local + KMS from the jest
 * global setup, a Cloudflare sandbox started in the test, an in-memory queue
 * with SQS semantics (visibility timeout, receive count, DLQ after
 * maxReceiveCount) pumped by N concurrent "workers" that run the real
 * record handler logic (runJobMessage: planning, drift check, chunks).
 * `planAndWait` / `applyAndWait` call the API operation and pump the queue
 * until planning / the drift check is over, as a client polling would.
 */
import { randomBytes } from 'node:crypto';
import { startCloudflareSandbox, type CloudflareSandbox, type CloudflareSandboxOptions } from '../../lib/local/cloudflare';
import { cloudflareClient } from '../../functions/cloudflare/client';
import { kmsKeyWrapperFromEnv } from '../../functions/crypto/kms';
import { createDataLayer, type DataLayer } from '../../functions/data/from-env';
import { tableFromEnv } from '../../functions/aws/table';
import { cfApiFromSdk, type CfApi } from '../../functions/cloudflare/bulk-client';
import { createConnectionCache } from '../../functions/cloudflare/connections';
import { DEFAULT_JOBS_CONFIG, type JobQueue, type JobsConfig, type JobsDeps } from '../../functions/jobs/deps';
import { createBucketLimiter, tokenKeyHash } from '../../functions/cloudflare/limiter';
import type { CreateJobInput } from '../../functions/contracts/jobs';
import { applyJob } from '../../functions/jobs/apply';
import { createPurgeLimiter } from '../../functions/cloudflare/purge-limiter';
import type { JobMessage } from '../../functions/jobs/messages';
import type { JobMode } from '../../functions/jobs/model';
import { planJob } from '../../functions/jobs/plan';
import { getJob } from '../../functions/jobs/queries';
import { revertJob } from '../../functions/jobs/revert';
import { RetryableError } from '../../functions/jobs/retryable';
import { runJobMessage } from '../../functions/jobs/run-message';
import type { JobView } from '../../functions/jobs/views';
import { createJobStore } from '../../functions/jobs/store';
import { limitsFor, type Tier } from '../../functions/platform/tiers';
import type { Actor } from '../../functions/tenancy/actor';
import { userTenant } from '../../functions/tenancy/tenant';

export class MemQueue implements JobQueue {
  readonly messages: Array<{ id: string; m: JobMessage; receives: number; visibleAt: number }> = [];
  readonly dlq: JobMessage[] = [];
  sent = 0;
  async send(_tier: Tier, ms: readonly JobMessage[], o: { delaySeconds?: number } = {}): Promise<void> {
    const visibleAt = o.delaySeconds ? Date.now() + o.delaySeconds * 1000 : 0;
    for (const m of ms) this.messages.push({ id: randomBytes(6).toString('hex'), m, receives: 0, visibleAt });
    this.sent += ms.length;
  }
}

export interface PumpOptions {
  concurrency: number;
  maxReceiveCount?: number;
  visibilityMs?: number;
  /** Wrap the per-message processing (kill simulation). */
  onError?: (e: unknown) => void;
  /** Stop when this holds (checked between deliveries); the rest stays queued. */
  until?: () => boolean | Promise<boolean>;
  /** Only deliver these messages (the others wait). */
  only?: (m: JobMessage) => boolean;
  /** Each delivery's time left in its invocation (the Lambda context's); absent: unbounded. */
  remainingMs?: number;
  /** Sees every delivery as it starts (its message and receive count). */
  onDelivery?: (m: JobMessage, receiveCount: number) => void;
}

/** Run workers until the queue is empty and nothing is in flight (or `until` holds). */
export async function pump(deps: JobsDeps, q: MemQueue, o: PumpOptions): Promise<{ deliveries: number; errors: number }> {
  const maxReceive = o.maxReceiveCount ?? 5;
  const vis = o.visibilityMs ?? 1000;
  let inFlight = 0;
  let deliveries = 0;
  let errors = 0;
  let stopped = false;
  const worker = async () => {
    for (;;) {
      if (stopped || (o.until && (await o.until()))) {
        stopped = true;
        return;
      }
      const now = Date.now();
      const next = q.messages.find((x) => x.visibleAt <= now && (!o.only || o.only(x.m)));
      if (!next) {
        if (q.messages.filter((x) => !o.only || o.only(x.m)).length === 0 && inFlight === 0) return;
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      next.visibleAt = now + vis;
      next.receives++;
      inFlight++;
      deliveries++;
      o.onDelivery?.(next.m, next.receives);
      try {
        const r = await runJobMessage(deps, next.m, {
          owner: `${next.id}-${next.receives}`,
          receiveCount: next.receives,
          maxReceiveCount: maxReceive,
          remainingMs: o.remainingMs,
        });
        if (r === 'busy') throw new Error('busy');
        const at = q.messages.indexOf(next);
        if (at >= 0) q.messages.splice(at, 1);
      } catch (e) {
        errors++;
        if (!(e instanceof RetryableError) && !(e instanceof Error && e.message === 'busy')) o.onError?.(e);
        const at = q.messages.indexOf(next);
        if (next.receives >= maxReceive && at >= 0) {
          q.messages.splice(at, 1);
          q.dlq.push(next.m);
        }
      } finally {
        inFlight--;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return { deliveries, errors };
}

/** Planning and drift-check messages (what a client waits for after POST /jobs or apply). */
export const isPlanningWork = (m: JobMessage) => m.kind !== 'apply-chunk';

/** POST /jobs, then the tier workers until planning is over: the job as `planned` / `plan-failed`. */
export async function planAndWait(deps: JobsDeps, q: MemQueue, actor: Actor, input: CreateJobInput, o: Partial<PumpOptions> = {}): Promise<JobView> {
  const job = await planJob(deps, actor, input);
  await pump(deps, q, { concurrency: 8, only: isPlanningWork, ...o });
  return getJob(deps, actor, job.id);
}

/** POST /jobs/{id}/revert, then the tier workers until the revert job's planning is over. */
export async function revertAndWait(deps: JobsDeps, q: MemQueue, actor: Actor, jobId: string): Promise<JobView> {
  const rev = await revertJob(deps, actor, jobId);
  await pump(deps, q, { concurrency: 8, only: isPlanningWork });
  return getJob(deps, actor, rev.id);
}

/**
 * POST /jobs/{id}/apply, then the tier workers until the drift check is over: the job as `queued`
 * (its chunks enqueued, not applied) or back to `planned` with the problem. Apply's own refusals throw.
 */
export async function applyAndWait(deps: JobsDeps, q: MemQueue, actor: Actor, jobId: string, opts: { force: boolean; mode: JobMode }, o: Partial<PumpOptions> = {}): Promise<JobView> {
  await applyJob(deps, actor, jobId, opts);
  await pump(deps, q, { concurrency: 8, only: isPlanningWork, ...o });
  return getJob(deps, actor, jobId);
}

export interface Harness {
  sb: CloudflareSandbox;
  dl: DataLayer;
  deps: JobsDeps;
  queue: MemQueue;
  userId: string;
  /** The user's actor (its own tenant) at a tier. */
  actor(tier: Tier): Actor;
  accountId: string;
  /** Cloudflare HTTP requests the engine made. */
  requests(): number;
  /** planAndWait / applyAndWait on this harness's deps and queue. */
  plan(actor: Actor, input: CreateJobInput): Promise<JobView>;
  apply(actor: Actor, jobId: string, opts: { force: boolean; mode: JobMode }): Promise<JobView>;
  revert(actor: Actor, jobId: string): Promise<JobView>;
  close(): Promise<void>;
}

let shared: DataLayer | undefined;
export function dataLayer(): DataLayer {
  shared ??= createDataLayer({ table: tableFromEnv(), wrapper: kmsKeyWrapperFromEnv() });
  return shared;
}

export async function startHarness(o: {
  sandbox: CloudflareSandboxOptions;
  config?: Partial<JobsConfig>;
  timeoutMs?: number;
  tier?: Tier;
  wrapApi?: (api: CfApi) => CfApi;
  now?: () => number;
  log?: (message: string, extra?: Record<string, unknown>) => void;
  /** Sees every sleep of the harness's limiter (ms). */
  onLimiterWait?: (ms: number) => void;
  /**
   * Connect as the product does: the stored Cloudflare accounts (connectAccount) through the
   * engine's connection cache, each spending its token's budget (its user's, when known).
   * Default: the sandbox's first token on a budget of the harness's own.
   */
  storedAccounts?: boolean;
}): Promise<Harness> {
  const sb = await startCloudflareSandbox(o.sandbox);
  const dl = dataLayer();
  const queue = new MemQueue();
  let requests = 0;
  const token = sb.tokens[0]!.value;
  // A unique bucket per harness (tests run in parallel against one table).
  const keyHash = tokenKeyHash(`${token}/${randomBytes(6).toString('hex')}`);
  const stored = o.storedAccounts ? createConnectionCache({ repo: dl.repo, table: dl.table, cloudflare: { sandboxUrl: sb.url } }) : undefined;
  const deps: JobsDeps = {
    repo: dl.repo,
    store: createJobStore(dl.table, dl.keyring),
    queue,
    async connect(tenant, accountId) {
      if (stored) return stored(tenant, accountId);
      const client = cloudflareClient({ token, baseURL: sb.url }, { maxRetries: 0, timeoutMs: o.timeoutMs ?? 2000 });
      const limiter = createBucketLimiter({ table: dl.table, keyHash, onWait: o.onLimiterWait });
      const api = cfApiFromSdk(client, limiter, {
        timeoutMs: o.timeoutMs ?? 2000,
        onRequest: () => requests++,
        purgeLimiter: (plan) => createPurgeLimiter({ table: dl.table, budgetKey: keyHash, plan, timeScale: o.sandbox.timeScale }),
      });
      return o.wrapApi ? o.wrapApi(api) : api;
    },
    limits: limitsFor,
    audit: dl.audit,
    now: o.now ?? Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    log: o.log,
    config: { ...DEFAULT_JOBS_CONFIG, backoffBaseMs: 50, backoffCapMs: 1500, leaseMs: 2500, visibilityMs: 1000, ...(o.config ?? {}) },
  };
  const userId = `u${randomBytes(8).toString('hex')}`;
  return {
    sb,
    dl,
    deps,
    queue,
    userId,
    actor: (tier) => ({ tenant: userTenant(userId), memberId: userId, tier, role: 'OWNER' }),
    accountId: `acc${randomBytes(6).toString('hex')}`,
    requests: () => requests,
    plan: (actor, input) => planAndWait(deps, queue, actor, input),
    apply: (actor, jobId, opts) => applyAndWait(deps, queue, actor, jobId, opts),
    revert: (actor, jobId) => revertAndWait(deps, queue, actor, jobId),
    close: () => sb.close(),
  };
}

/** The sandbox zone's records as comparable strings (sorted). */
export function zoneRecords(sb: CloudflareSandbox, zoneId: string): string[] {
  const zs = sb.state.zones.get(zoneId)!;
  return [...zs.records.values()].map((r) => `${r.type}|${r.name}|${r.content}|${r.ttl}|${r.proxied}|${r.priority ?? ''}`).sort();
}

export interface SandboxAnswer {
  status: number;
  json: { success: boolean; result: Record<string, unknown>; errors: Array<{ code: number; message: string; error_chain?: Array<{ code?: number; message: string }> }> };
}

/** One raw call to the sandbox's Cloudflare API with the harness token (what the dashboard or another tool would do). */
export async function sandboxCall(h: Harness, method: string, path: string, body?: unknown): Promise<SandboxAnswer> {
  const res = await fetch(`${h.sb.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${h.sb.tokens[0]!.value}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as SandboxAnswer['json'] };
}
