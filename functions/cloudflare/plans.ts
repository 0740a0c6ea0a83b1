/**
 * What a zone's plan allows. One rule for the zone views (dns.ts) and the bulk engine
 * (bulk-client.ts): `POST /zones/{id}/dns_records/batch` takes at most 200 changes on Free
 * zones and 3,500 on paid plans (DESIGN.md §7).
 *
 * A zone whose plan cannot be read counts as Free: a 200-change batch works on every plan,
 * a 3,500-change one fails on Free.
 */
export const FREE_BATCH_LIMIT = 200;
export const PAID_BATCH_LIMIT = 3_500;

/** The Free plan's fixed id in Cloudflare's API. */
const FREE_PLAN_ID = '0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee';

/** A zone's `plan` as Cloudflare returns it. */
export interface ZonePlan {
  readonly legacy_id?: string;
  readonly name?: string;
  readonly id?: string;
}

export function isFreePlan(plan: ZonePlan | undefined): boolean {
  const legacy = (plan?.legacy_id ?? '').toLowerCase();
  if (legacy) return legacy === 'free';
  if (plan?.id || plan?.name) return plan.id === FREE_PLAN_ID || /\bfree\b/i.test(plan.name ?? '');
  return true;
}

/** Changes per batch request on this zone. */
export function batchLimitFor(plan: ZonePlan | undefined): number {
  return isFreePlan(plan) ? FREE_BATCH_LIMIT : PAID_BATCH_LIMIT;
}
