/**
 * What a zone's plan refuses (issue 13 item 7): records past the zone's DNS record quota
 * (Cloudflare answers 81045 "Record quota exceeded.") and record tags on a plan without tags
 * (1004 → 9300 "DNS record has N tags, exceeding the quota of 0."). The plan preview shows both per
 * zone; apply refuses such a plan before anything is sent, instead of chunks failing midway.
 * `force` does not override: the limit is Cloudflare's, not a safety margin of ours.
 * The per-plan figures live in functions/cloudflare/plans.ts.
 *
 * Stored sparsely: the job item holds every zone's summary (up to 1,000), so a summary keeps only
 * what cannot be derived — a quota other than its plan's standard one, and refused tags when any.
 */
import { planFacts } from '../cloudflare/plans';
import { DomainError } from '../errors';
import { recordImage, type ZoneSummary } from './model';
import type { ZonePlan } from './planner';

/** What a zone summary stores beyond its counts (both absent in the common case). */
export interface StoredQuota {
  /** The zone's record quota when it is not its plan's standard one (an older Free zone's 1,000). */
  recordQuota?: number | null;
  /** Changes that set tags on a zone whose plan has none; absent when 0. */
  tagsRefused?: number;
}

/** A zone's quota as the preview shows it and apply checks it. */
export interface ZoneQuota {
  /** Records the zone may hold; null when unknown (an Enterprise quota may be raised), not enforced. */
  recordQuota: number | null;
  /** Records once applied; null for kinds that touch no records. */
  recordsAfter: number | null;
  /** The job adds records and would end past the quota (Cloudflare refuses a create at the quota). */
  overQuota: boolean;
  tagsRefused: number;
}

const standardQuota = (plan: string) => planFacts({ legacy_id: plan }).recordQuota;

/** The summary fields of a planned zone (planner.ts `summarize`). */
export function storedQuota(zp: ZonePlan): StoredQuota {
  const out: StoredQuota = {};
  if (zp.zone.recordQuota !== standardQuota(zp.zone.plan)) out.recordQuota = zp.zone.recordQuota;
  if (!zp.zone.tagsAllowed) {
    const tagged = zp.items.filter((i) => !i.skip && i.after && (recordImage(i.after).tags?.length ?? 0) > 0).length;
    if (tagged > 0) out.tagsRefused = tagged;
  }
  return out;
}

/** The zone's record quota: the stored one, else its plan's. */
export const recordQuotaOf = (z: ZoneSummary): number | null => (z.recordQuota !== undefined ? z.recordQuota : standardQuota(z.plan));

/** `touchesRecords`: the job's kind plans from the zone's records (planner.ts `stateNeeded`). */
export function zoneQuota(z: ZoneSummary, touchesRecords: boolean): ZoneQuota {
  const recordQuota = recordQuotaOf(z);
  const tagsRefused = z.tagsRefused ?? 0;
  if (!touchesRecords) return { recordQuota, recordsAfter: null, overQuota: false, tagsRefused };
  const recordsAfter = z.recordsInZone + z.creates - z.deletes;
  return { recordQuota, recordsAfter, overQuota: recordQuota !== null && z.creates > 0 && recordsAfter > recordQuota, tagsRefused };
}

/** At most five, then how many more. */
const list = (xs: readonly string[]) => xs.slice(0, 5).join(', ') + (xs.length > 5 ? `, and ${xs.length - 5} more` : '');

/** Apply's refusal of a plan some zone's plan cannot take (412 `zone-plan-limits`, naming the zones). */
export function assertWithinPlanLimits(zones: readonly ZoneSummary[], touchesRecords: boolean): void {
  const refused = zones.map((z) => ({ z, q: zoneQuota(z, touchesRecords) })).filter(({ q }) => q.overQuota || q.tagsRefused > 0);
  if (refused.length === 0) return;
  const over = refused.filter(({ q }) => q.overQuota);
  const tagged = refused.filter(({ q }) => q.tagsRefused > 0);
  const reasons: string[] = [];
  if (over.length) reasons.push(`would take ${over.length} zone(s) past their DNS record quota (${list(over.map(({ z, q }) => `${z.zoneName}: ${q.recordsAfter} of ${q.recordQuota}`))})`);
  if (tagged.length) reasons.push(`sets record tags on ${tagged.length} zone(s) whose plan has no tags (${list(tagged.map(({ z }) => `${z.zoneName} (${z.plan})`))})`);
  throw new DomainError('precondition-failed', `The plan ${reasons.join(' and ')}; nothing was sent to Cloudflare. Split the job, remove records first, or move the zones to a plan that allows it; force does not override this.`, {
    code: 'zone-plan-limits',
    extra: { zones: refused.map(({ z, q }) => ({ zoneId: z.zoneId, zoneName: z.zoneName, plan: z.plan, ...q })) },
  });
}
