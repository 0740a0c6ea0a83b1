/**
 * The dashboard's sync routes (session; the signed-in user's own sync, whatever workspace is
 * active): the overview (a card per type, storage used of the tier's total, key and settings
 * versions) and the settings toggles, written as the `dashboard` (config_changed reaches every
 * device; audited in the user's chain). Device tokens are refused here (auth 'session').
 */
import * as c from '../contracts/sync-data';
import { listDevices } from '../devices/devices';
import type { DeviceAuthDeps } from '../devices/device-authorization';
import { bind } from '../http/handler';
import { limitsFor } from '../platform/tiers';
import { putSyncConfig } from '../sync/config';
import type { SyncPorts } from '../sync/from-env';
import { syncOverview } from '../sync/overview';
import { userTenant } from '../tenancy/tenant';

/** The writer the sync domain records for a change made on the dashboard. */
export const DASHBOARD_WRITER = 'dashboard';

export function syncOverviewRoutes(ports: SyncPorts, devices: DeviceAuthDeps) {
  return [
    bind(c.getSyncOverview, async (req) => ({
      body: await syncOverview(ports, req.principal.userId, await listDevices(devices, req.principal.userId)),
    })),
    bind(c.putSyncSettings, async (req) => ({
      // The session's tier sets the audit event's retention, as for the dashboard's other device routes.
      body: await putSyncConfig({ ...ports, limits: limitsFor(req.principal.tier) }, { tenant: userTenant(req.principal.userId), deviceId: DASHBOARD_WRITER }, req.body, req),
    })),
  ];
}
