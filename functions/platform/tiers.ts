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
  /** Largest session-vault payload, in bytes. */
  readonly vaultPayloadBytes: number;
  /** Sessions a user may hold at once. */
  readonly concurrentSessions: number;
  /** Days audit events are kept. */
  readonly auditRetentionDays: number;
  /** Members of one workspace, pending (unexpired) invites included: each invite holds a seat. */
  readonly membersPerWorkspace: number;
}

export const TIER_LIMITS: Readonly<Record<Tier, TierLimits>> = {
  free: {
    apiRequestsPerMinute: 600,
    concurrentJobs: 1,
    operationsPerJob: 1_000,
    workerConcurrency: 2,
    vaultPayloadBytes: 16 * 1024,
    concurrentSessions: 5,
    auditRetentionDays: 30,
    membersPerWorkspace: 3,
  },
  base: {
    apiRequestsPerMinute: 1_800,
    concurrentJobs: 3,
    operationsPerJob: 20_000,
    workerConcurrency: 4,
    vaultPayloadBytes: 64 * 1024,
    concurrentSessions: 20,
    auditRetentionDays: 180,
    membersPerWorkspace: 25,
  },
  pro: {
    apiRequestsPerMinute: 6_000,
    concurrentJobs: 10,
    operationsPerJob: 200_000,
    workerConcurrency: 8,
    vaultPayloadBytes: 256 * 1024,
    concurrentSessions: 100,
    auditRetentionDays: 365,
    membersPerWorkspace: 250,
  },
};

export function limitsFor(tier: Tier): TierLimits {
  return TIER_LIMITS[tier];
}
