/**
 * What a zone's plan allows: one table of per-plan facts for the zone views (dns.ts) and the bulk
 * engine (bulk-client.ts, jobs/quota.ts). Sources (docs/cloudflare-sandbox.md, "Record quotas"):
 * - batch size: "Batch record changes" — at most 200 changes per batch on Free, 3,500 on paid plans;
 * - records per zone: Cloudflare's plan table (cloudflare-docs `src/content/plans/index.json`,
 *   `dns.record_management.records_quota`): Free 200 (1,000 for zones created before
 *   2024-09-01 00:00 UTC), Pro and Business 3,500, Enterprise 3,500 "can be increased";
 * - record tags (`dns.record_tags`): paid plans only; comments (`dns.record_comments`): all plans.
 *
 * A zone whose plan cannot be read counts as Free: everything that works on Free works on every plan.
 */
export const FREE_BATCH_LIMIT = 200;
export const PAID_BATCH_LIMIT = 3_500;

/** The Free plan's fixed id in Cloudflare's API. */
const FREE_PLAN_ID = '0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee';

/** Free zones created before this instant keep the older 1,000-record quota. */
const FREE_QUOTA_CUTOFF = Date.parse('2024-09-01T00:00:00Z');

/** A zone's `plan` as Cloudflare returns it. */
export interface ZonePlan {
  readonly legacy_id?: string;
  readonly name?: string;
  readonly id?: string;
}

export interface PlanFacts {
  /** Changes per `POST /zones/{id}/dns_records/batch`. */
  readonly batchLimit: number;
  /**
   * Records the zone may hold; past it a create answers 81045 "Record quota exceeded.".
   * null: not known to the engine (an Enterprise quota may have been raised), so not enforced.
   */
  readonly recordQuota: number | null;
  /** Whether records may carry tags (a Free zone answers 1004 → 9300 "…exceeding the quota of 0."). */
  readonly tagsAllowed: boolean;
}

const FACTS = {
  freeLegacy: { batchLimit: FREE_BATCH_LIMIT, recordQuota: 1_000, tagsAllowed: false },
  free: { batchLimit: FREE_BATCH_LIMIT, recordQuota: 200, tagsAllowed: false },
  paid: { batchLimit: PAID_BATCH_LIMIT, recordQuota: 3_500, tagsAllowed: true },
  enterprise: { batchLimit: PAID_BATCH_LIMIT, recordQuota: null, tagsAllowed: true },
} as const satisfies Record<string, PlanFacts>;

export function isFreePlan(plan: ZonePlan | undefined): boolean {
  const legacy = (plan?.legacy_id ?? '').toLowerCase();
  if (legacy) return legacy === 'free';
  if (plan?.id || plan?.name) return plan.id === FREE_PLAN_ID || /\bfree\b/i.test(plan.name ?? '');
  return true;
}

function isEnterprisePlan(plan: ZonePlan | undefined): boolean {
  const legacy = (plan?.legacy_id ?? '').toLowerCase();
  return legacy ? legacy === 'enterprise' : /\benterprise\b/i.test(plan?.name ?? '');
}

/** The facts of a zone's plan; `createdOn` (the zone's `created_on`) tells an older Free zone's quota. */
export function planFacts(plan: ZonePlan | undefined, createdOn?: string): PlanFacts {
  if (isFreePlan(plan)) {
    const created = createdOn ? Date.parse(createdOn) : NaN;
    return created < FREE_QUOTA_CUTOFF ? FACTS.freeLegacy : FACTS.free;
  }
  return isEnterprisePlan(plan) ? FACTS.enterprise : FACTS.paid;
}

/** Changes per batch request on this zone. */
export function batchLimitFor(plan: ZonePlan | undefined): number {
  return planFacts(plan).batchLimit;
}
