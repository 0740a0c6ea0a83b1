/**
 * What a zone's plan allows for DNS records: how many records the zone may hold, how many tags a
 * record may carry, how long a comment may be. Figures from Cloudflare's plan table
 * (cloudflare/cloudflare-docs `src/content/plans/index.json`, `dns.record_management.records_quota`,
 * `dns.record_tags`, `dns.record_comments`; docs/cloudflare-sandbox.md, "Record quotas").
 */
import { errors, CfError } from './envelope';
import type { Zone, ZoneState } from './types';

/** Free zones created before this instant keep the older 1,000-record quota. */
export const FREE_QUOTA_CUTOFF = Date.parse('2024-09-01T00:00:00Z');

/** Records the zone may hold: Free 200 (1,000 if created before 2024-09-01), paid plans 3,500. */
export function recordQuota(zone: Zone): number {
  if (zone.plan.legacy_id !== 'free') return 3500;
  return Date.parse(zone.created_on) < FREE_QUOTA_CUTOFF ? 1000 : 200;
}

/** Tags per record: none on Free (tags are a paid-plan feature), 20 on paid plans. */
export const tagQuota = (zone: Zone): number => (zone.plan.legacy_id === 'free' ? 0 : 20);

/** Comment length: 100 characters on Free, 500 on paid plans. */
export const commentLimit = (zone: Zone): number => (zone.plan.legacy_id === 'free' ? 100 : 500);

/** 400 81045 "Record quota exceeded." — answered when a create would take the zone past its quota. */
export const quotaExceeded = (): CfError => new CfError(400, [{ code: 81045, message: 'Record quota exceeded.' }]);

/** Refuse adding a record to a zone that already holds `count` records (or more) of its quota. */
export function assertRoomForRecord(zs: ZoneState, count: number): void {
  if (count >= recordQuota(zs.zone)) throw quotaExceeded();
}

/** Refuse more tags than the plan allows, as Cloudflare does: 1004 with chain 9300. */
export function assertTagsAllowed(zone: Zone, tags: readonly unknown[]): void {
  const max = tagQuota(zone);
  if (tags.length > max) throw errors.dnsValidation(9300, `DNS record has ${tags.length} tags, exceeding the quota of ${max}.`);
}
