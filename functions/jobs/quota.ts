/**
 * What a zone's plan refuses (issue 13 item 7): records past the zone's DNS record quota
 * (Cloudflare answers 81045 "Record quota exceeded.") and record tags on a plan without tags
 * (1004 → 9300 "DNS record has N tags, exceeding the quota of 0."). The plan preview shows both per
 * zone; apply refuses such a plan before anything is sent, instead of chunks failing midway.
 * `force` does not override: the limit is Cloudflare's, not a safety margin of ours.
 * The per-plan figures live in functions/cloudflare/plans.ts.
 */
import { DomainError } from '../errors';
import { recordImage, type ItemAction, type ZoneSummary } from './model';
import type { ZonePlan } from './planner';

export interface ZoneQuota {
  /** Records the zone may hold; null when unknown (not enforced). */
  recordQuota: number | null;
  tagsAllowed: boolean;
  /** Records in the zone once the job is applied; null for kinds that do not touch records. */
  recordsAfter: number | null;
  /** The job adds records and would end past the quota (Cloudflare refuses a create at the quota). */
  overQuota: boolean;
  /** Changes that set tags on a zone whose plan has none. */
  tagsRefused: number;
}

const RECORD_ACTIONS: ReadonlySet<ItemAction> = new Set(['create', 'update', 'delete']);

export function zoneQuota(zp: ZonePlan): ZoneQuota {
  const { recordQuota, tagsAllowed } = zp.zone;
  if (zp.items.some((i) => !RECORD_ACTIONS.has(i.action))) return { recordQuota, tagsAllowed, recordsAfter: null, overQuota: false, tagsRefused: 0 };
  const changes = zp.items.filter((i) => !i.skip);
  const creates = changes.filter((i) => i.action === 'create').length;
  const deletes = changes.filter((i) => i.action === 'delete').length;
  const recordsAfter = zp.recordsInZone + creates - deletes;
  const tagged = changes.filter((i) => i.after && (recordImage(i.after).tags?.length ?? 0) > 0).length;
  return {
    recordQuota,
    tagsAllowed,
    recordsAfter,
    overQuota: recordQuota !== null && creates > 0 && recordsAfter > recordQuota,
    tagsRefused: tagsAllowed ? 0 : tagged,
  };
}

const named = (zones: readonly ZoneSummary[], what: (z: ZoneSummary) => string) =>
  zones.slice(0, 5).map(what).join(', ') + (zones.length > 5 ? `, and ${zones.length - 5} more` : '');

/** Apply's refusal of a plan some zone's plan cannot take (412, naming the zones). */
export function assertWithinPlanLimits(zones: readonly ZoneSummary[]): void {
  const over = zones.filter((z) => z.overQuota);
  const tagged = zones.filter((z) => (z.tagsRefused ?? 0) > 0);
  if (over.length === 0 && tagged.length === 0) return;
  const reasons: string[] = [];
  if (over.length) reasons.push(`would take ${over.length} zone(s) past their DNS record quota (${named(over, (z) => `${z.zoneName}: ${z.recordsAfter} of ${z.recordQuota}`)})`);
  if (tagged.length) reasons.push(`sets record tags on ${tagged.length} zone(s) whose plan has no tags (${named(tagged, (z) => `${z.zoneName} (${z.plan})`)})`);
  throw new DomainError('precondition-failed', `The plan ${reasons.join(' and ')}; nothing was sent to Cloudflare. Split the job, remove records first, or move the zones to a plan that allows it; force does not override this.`, {
    code: 'zone-plan-limits',
    extra: {
      zones: [...new Set([...over, ...tagged])].map((z) => ({
        zoneId: z.zoneId,
        zoneName: z.zoneName,
        plan: z.plan,
        recordQuota: z.recordQuota ?? null,
        recordsAfter: z.recordsAfter ?? null,
        overQuota: !!z.overQuota,
        tagsRefused: z.tagsRefused ?? 0,
      })),
    },
  });
}
