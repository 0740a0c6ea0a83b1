/**
 * The sync data routes of a linked device (contracts/sync-data.ts `syncDeviceDataRoutes`, auth
 * 'device'): handlers only, bound to the sync domain (functions/sync/). The subject is the
 * device's user partition and the device itself, both from the token; limits from the user's tier.
 */
import * as c from '../contracts/sync-data';
import { bind, type BoundRoute } from '../http/handler';
import { etagOf, ifMatchOf } from '../http/if-match';
import { limitsFor } from '../platform/tiers';
import type { DevicePrincipal } from '../tenancy/principal';
import { userTenant } from '../tenancy/tenant';
import { getSyncConfig, putSyncConfig } from '../sync/config';
import type { SyncDeps } from '../sync/deps';
import type { SyncSubject } from '../sync/entities';
import { pollEvents, type FeedDeps } from '../sync/feed';
import type { SyncPorts as DomainPorts } from '../sync/from-env';
import { appendHistory, clearHistory, historyStatus, readHistory } from '../sync/history';
import { getWrappedKey, listWrappedKeyVersions, putWrappedKey } from '../sync/keys';
import { clearType, getSnapshot, listSnapshotHeads, putSnapshot } from '../sync/snapshots';

/** Everything the domain needs but the tier's limits, which follow the caller; `sleep` paces the events long-poll. */
export type SyncPorts = DomainPorts & Pick<FeedDeps, 'sleep'>;

export function syncDataBindings(ports: SyncPorts): BoundRoute[] {
  const depsOf = (p: DevicePrincipal): SyncDeps => ({ ...ports, limits: limitsFor(p.tier) });
  const subjectOf = (p: DevicePrincipal): SyncSubject => ({ tenant: userTenant(p.userId), deviceId: p.deviceId });
  const tenantOf = (p: DevicePrincipal) => userTenant(p.userId);
  return [
    bind(c.getSyncKey, async (req) => ({ body: await getWrappedKey(ports, tenantOf(req.principal)) })),
    bind(c.putSyncKey, async (req) => ({ body: await putWrappedKey(depsOf(req.principal), subjectOf(req.principal), req.body, req) })),
    bind(c.listSyncKeyVersions, async (req) => ({ body: { versions: await listWrappedKeyVersions(ports, tenantOf(req.principal)) } })),
    bind(c.getSyncConfig, async (req) => ({ body: await getSyncConfig(ports, tenantOf(req.principal)) })),
    bind(c.putSyncConfig, async (req) => ({ body: await putSyncConfig(depsOf(req.principal), subjectOf(req.principal), req.body, req) })),
    bind(c.listSyncSnapshots, async (req) => ({ body: await listSnapshotHeads(ports, tenantOf(req.principal), req.params.type, { since: req.query.since }) })),
    bind(c.getSyncSnapshot, async (req) => {
      const head = await getSnapshot(ports, tenantOf(req.principal), req.params.type, req.params.id);
      return { body: head, headers: { etag: etagOf(head.version) } };
    }),
    bind(c.putSyncSnapshot, async (req) => {
      const ifMatch = ifMatchOf(req.event);
      const written = await putSnapshot(depsOf(req.principal), subjectOf(req.principal), req.params.type, req.params.id, { ...req.body, ifMatch });
      return { body: written, headers: { etag: etagOf(written.version) } };
    }),
    bind(c.clearSyncType, async (req) => {
      const type = req.params.type;
      const deps = depsOf(req.principal);
      return { body: type === 'history' ? await clearHistory(deps, subjectOf(req.principal), req) : await clearType(deps, subjectOf(req.principal), type, req) };
    }),
    bind(c.appendSyncHistory, async (req) => ({ body: await appendHistory(depsOf(req.principal), subjectOf(req.principal), req.body.records) })),
    bind(c.getSyncHistoryStatus, async (req) => ({ body: { devices: await historyStatus(ports, tenantOf(req.principal)) } })),
    bind(c.readSyncHistory, async (req) => ({
      body: await readHistory(ports, tenantOf(req.principal), req.params.deviceId, req.query.fromIdx, { limit: req.query.limit }),
    })),
    bind(c.pollSyncEvents, async (req) => ({ body: await pollEvents(ports, subjectOf(req.principal), req.query) })),
  ];
}
