/**
 * The engine side of `dns-sync` (zones as code; the diff itself is sync-planner.ts):
 *
 *   request    the file's desired records per zone go to request pages keyed by zone index
 *              (`JREQ#<jobId>#z<zone:6>#<p:3>`, split by bytes), the zone names to page 0
 *   plan-job   the selection is those names, looked up exactly (zone-reads.ts `selectZonesByName`),
 *              in the file's order: zone i of the job is zone i of the file
 *   plan-zone  reads its own zone's pages only (a 5,000-record file over 100 zones never makes one
 *              plan-zone read every zone's records) and plans it against the zone's live records
 */
import type { z } from 'zod';
import type { DnsSyncParams } from '../contracts/dns-sync';
import type { CfZone } from '../cloudflare/bulk-client';
import { fingerprintRecords, type LiveRecord } from '../cloudflare/records';
import type { Tenant } from '../tenancy/tenant';
import type { JobsDeps } from './deps';
import { requestSk, RequestPageEntity, syncZonePrefix, syncZoneSk, type RecordLite } from './model';
import { byteSizedPages, type ZonePlan } from './planner';
import { planSync, type Managed, type SyncZone } from './sync-planner';
import type { NewItem } from './table-writes';

type SyncParams = z.output<typeof DnsSyncParams>;

/** What the job item keeps of a dns-sync request: never the records (they are in the request pages). */
export function syncParamsToStore(params: SyncParams, zones: ReadonlyArray<{ records: readonly RecordLite[] }>): Record<string, unknown> {
  return {
    source: 'file',
    prune: params.prune,
    ...(params.defaults ? { defaults: params.defaults } : {}),
    selection: { zoneNames: zones.length },
    records: zones.reduce((n, z) => n + z.records.length, 0),
  };
}

/** Page 0: the zone names (file order); then each zone's manage and records, split at PAGE_BYTES. */
export function syncRequestPages(jobId: string, zones: ReadonlyArray<{ name: string } & SyncZone>): NewItem[] {
  const pages: NewItem[] = [{ entity: RequestPageEntity, sk: requestSk(jobId, 0), attrs: { zoneNames: zones.map((z) => z.name) } }];
  zones.forEach((zone, index) => {
    // A zone without records still has its page: its manage (everything managed goes, with prune).
    const parts = byteSizedPages(zone.records);
    (parts.length ? parts : [[]]).forEach((records, p) =>
      pages.push({ entity: RequestPageEntity, sk: syncZoneSk(jobId, index, p), attrs: { records, ...(p === 0 ? { manage: zone.manage } : {}) } }),
    );
  });
  return pages;
}

/** The file's zone names, in its order. */
export async function loadSyncZoneNames(deps: Pick<JobsDeps, 'repo'>, tenant: Tenant, jobId: string): Promise<string[]> {
  const page = await deps.repo.get(tenant, RequestPageEntity, requestSk(jobId, 0), { consistent: true });
  return page?.zoneNames ?? [];
}

/** One zone's desired state (its own request pages only). */
export async function loadSyncZone(deps: Pick<JobsDeps, 'repo'>, tenant: Tenant, jobId: string, index: number): Promise<SyncZone> {
  let manage: Managed | undefined;
  const records: RecordLite[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(tenant, RequestPageEntity, { skPrefix: syncZonePrefix(jobId, index), limit: 20, cursor, consistent: true });
    for (const p of page.items) {
      manage ??= p.manage;
      records.push(...(p.records ?? []));
    }
    cursor = page.cursor;
  } while (cursor);
  if (!manage) throw new Error(`dns-sync job ${jobId}: zone ${index} has no request page`);
  return { manage, records };
}

/** Plan one zone of a dns-sync job from its desired state and its live records. */
export function planSyncZone(zone: CfZone, live: LiveRecord[], desired: SyncZone, params: Pick<SyncParams, 'prune'>): ZonePlan {
  return { zone, items: planSync(zone, live, desired, params.prune), recordsInZone: live.length, fingerprint: fingerprintRecords(live) };
}
