/**
 * The one table of per-tier limits. Handlers, workers, the CDK stack and the
 * local runtime all read it, so a limit changes in exactly one place.
 */
import type { Tier } from '../contracts/tiers';

/** The names live with the contracts; re-exported so the stack reads names and limits from one module. */
export { TIERS, type Tier } from '../contracts/tiers';

export interface TierLimits {
  /**
   * API requests per minute per user. The dashboard alone polls a running job
   * (job, items, events) about three times a second, so even free needs headroom.
   */
  readonly apiRequestsPerMinute: number;
  /** Bulk jobs a user may have queued or running at once. */
  readonly concurrentJobs: number;
  /** Changes a single bulk job may contain. */
  readonly operationsPerJob: number;
  /** Reserved concurrency of the tier's worker function (and local pollers). */
  readonly workerConcurrency: number;
  /** Largest session-vault value (its JSON text), in bytes: 413 `value-too-large` above it. Far below DynamoDB's 400 KB item. */
  readonly vaultValueBytes: number;
  /**
   * Largest sync item (a snapshot's or a history record's client blob, decoded), in bytes: 413 `too-large`
   * above it. Snapshot blobs over the table budget (sync/deps.ts TABLE_BLOB_BYTES, 150 KiB) go to S3;
   * history records never do, so the table budget caps them whatever the tier.
   */
  readonly syncItemBytes: number;
  /**
   * All of one user's synced data (client bytes of snapshots and history records), in bytes: a write
   * that would pass it gets 413 `too-large` naming it (sync/usage.ts, an atomic capped counter).
   */
  readonly syncTotalBytes: number;
  /** Keys one application user may hold in the vault (429 `too-many-keys` beyond). */
  readonly vaultKeysPerUser: number;
  /** Live (unexpired, unrevoked) app session tokens one user may hold per application (429 `too-many-sessions` + Retry-After). */
  readonly liveSessionsPerAppUser: number;
  /** Session API requests per minute per application user (429 `rate-limited` + Retry-After). */
  readonly sessionApiRequestsPerMinute: number;
  /** Sessions a user may hold at once. */
  readonly concurrentSessions: number;
  /** Days audit events are kept. */
  readonly auditRetentionDays: number;
  /** Members of one workspace, pending (unexpired) invites included: each invite holds a seat. */
  readonly membersPerWorkspace: number;
}

/**
 * Lambda's synchronous payload quota, request and response each: "For synchronous invocations,
 * the maximum payload size is 6 MB" (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html). Read as 6,000,000 bytes (the
 * smaller reading of "MB"): a sync item travels as base64 inside JSON inside the API Gateway event,
 * so every tier's `syncItemBytes` must fit it after that (test/unit/sync-limits.test.ts).
 */
export const LAMBDA_SYNC_PAYLOAD_BYTES = 6_000_000;

export const TIER_LIMITS: Readonly<Record<Tier, TierLimits>> = {
  free: {
    apiRequestsPerMinute: 600,
    concurrentJobs: 1,
    operationsPerJob: 1_000,
    workerConcurrency: 2,
    vaultValueBytes: 16 * 1024,
    syncItemBytes: 64 * 1024,
    syncTotalBytes: 25 * 1024 * 1024,
    vaultKeysPerUser: 100,
    liveSessionsPerAppUser: 5,
    sessionApiRequestsPerMinute: 300,
    concurrentSessions: 5,
    auditRetentionDays: 30,
    membersPerWorkspace: 3,
  },
  base: {
    apiRequestsPerMinute: 1_800,
    concurrentJobs: 3,
    operationsPerJob: 20_000,
    workerConcurrency: 4,
    vaultValueBytes: 64 * 1024,
    syncItemBytes: 1024 * 1024,
    syncTotalBytes: 1024 * 1024 * 1024,
    vaultKeysPerUser: 1_000,
    liveSessionsPerAppUser: 10,
    sessionApiRequestsPerMinute: 1_200,
    concurrentSessions: 20,
    auditRetentionDays: 180,
    membersPerWorkspace: 25,
  },
  pro: {
    apiRequestsPerMinute: 6_000,
    concurrentJobs: 10,
    operationsPerJob: 200_000,
    workerConcurrency: 8,
    vaultValueBytes: 256 * 1024,
    // 5 MiB did not fit: base64 makes it 6.99 MB, over Lambda's 6 MB payload (LAMBDA_SYNC_PAYLOAD_BYTES).
    syncItemBytes: 4 * 1024 * 1024,
    syncTotalBytes: 10 * 1024 * 1024 * 1024,
    vaultKeysPerUser: 10_000,
    liveSessionsPerAppUser: 25,
    sessionApiRequestsPerMinute: 6_000,
    concurrentSessions: 100,
    auditRetentionDays: 365,
    membersPerWorkspace: 250,
  },
};

export function limitsFor(tier: Tier): TierLimits {
  return TIER_LIMITS[tier];
}
