/**
 * The ports and settings of the jobs engine. Every dependency is a port
 * (repository, job store, queue, Cloudflare connection, clock, sleep), so
 * tests run the engine against DynamoDB Local and the Cloudflare sandbox with
 * no HTTP or SQS in between.
 */
import type { Audit } from '../audit/audit';
import type { CfApi } from '../cloudflare/bulk-client';
import type { Repository } from '../data/repository';
import type { Tier, TierLimits } from '../platform/tiers';
import type { Tenant } from '../tenancy/tenant';
import type { JobMessage } from './messages';
import type { JobStore } from './store';

/** SQS's longest per-message delay (DelaySeconds). */
export const MAX_QUEUE_DELAY_SECONDS = 900;

export interface JobQueue {
  /** `delaySeconds` (0..MAX_QUEUE_DELAY_SECONDS): the messages become visible only after it. */
  send(tier: Tier, messages: readonly JobMessage[], o?: { delaySeconds?: number }): Promise<void>;
}

export interface JobsConfig {
  /** Claims of one chunk before it is failed (= the queue's maxReceiveCount). */
  maxAttempts: number;
  /** Tries of one chunk inside one invocation (bounded backoff between them). */
  triesPerAttempt: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Lease of a claim when the caller gives no deadline. */
  leaseMs: number;
  /** Queue visibility timeout (sweeper: a chunk stuck longer is re-enqueued). */
  visibilityMs: number;
  /** Zones read concurrently while planning / checking drift. */
  readConcurrency: number;
  /** @default 0.3 */
  defaultThreshold: number;
  /** Items a single 400 may eliminate one by one before the rest of the chunk is failed. */
  maxBisect: number;
  /** Longest wait in the shared limiter for one slot during a delivery; a farther slot defers the message. */
  maxLimiterWaitMs: number;
  /** Time a call needs after its slot (the request's timeout, then the step's writes): no slot is waited for past the invocation's end less this. */
  afterSlotMs: number;
}

export const DEFAULT_JOBS_CONFIG: JobsConfig = {
  maxAttempts: 5,
  triesPerAttempt: 4,
  backoffBaseMs: 250,
  backoffCapMs: 8000,
  leaseMs: 120_000,
  visibilityMs: 720_000,
  readConcurrency: 8,
  defaultThreshold: 0.3,
  maxBisect: 25,
  maxLimiterWaitMs: 20_000,
  afterSlotMs: 35_000,
};

export interface JobsDeps {
  repo: Repository;
  store: JobStore;
  queue: JobQueue;
  /** The tenant's Cloudflare account connection (token decrypted, limiter attached). */
  connect(tenant: Tenant, accountId: string): Promise<CfApi>;
  limits(tier: Tier): TierLimits;
  now(): number;
  sleep(ms: number): Promise<void>;
  config: JobsConfig;
  /** The workspace's audit log (job approvals). */
  audit: Pick<Audit, 'record'>;
  log?: (message: string, extra?: Record<string, unknown>) => void;
}
