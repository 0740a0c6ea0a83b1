/**
 * The dashboard's view of a user's sync (issue 16 item 9): a card per type from the usage items
 * (usage.ts), the settings, the wrapped key's version, and the storage used of the tier's total.
 * Reads only metadata the server holds in plain: never a blob.
 *
 *   syncOverview(deps, userId, devices) -> { types: [card], usedBytes, limitBytes, keyVersion, configVersion }
 *       `devices`: the user's linked devices (devices/devices.ts listDevices), to name the last writer
 *       (devices/ writes sync events, so sync/ takes the names instead of importing devices/).
 */
import { USER_SK, UserEntity } from '../identity/entities';
import { limitsFor } from '../platform/tiers';
import { userTenant } from '../tenancy/tenant';
import { getSyncConfig } from './config';
import type { SyncDeps } from './deps';
import { SYNC_TYPES, WRAPPED_KEY_SK, WrappedKeyEntity } from './entities';
import { readUsage } from './usage';

export async function syncOverview(deps: Pick<SyncDeps, 'repo'>, userId: string, devices: readonly { id: string; name: string }[]) {
  const tenant = userTenant(userId);
  const [[user, key], config, usage] = await Promise.all([
    deps.repo.getMany([
      { tenant, entity: UserEntity, sk: USER_SK },
      { tenant, entity: WrappedKeyEntity, sk: WRAPPED_KEY_SK },
    ] as const),
    getSyncConfig(deps, tenant),
    readUsage(deps, tenant),
  ]);
  const names = new Map(devices.map((d) => [d.id, d.name]));
  return {
    types: SYNC_TYPES.map((type) => {
      const u = usage.byType(type);
      return {
        type,
        enabled: config.types[type],
        items: u?.items ?? 0,
        bytes: u?.bytes ?? 0,
        lastUpdatedAt: u?.lastAt ?? null,
        lastUpdatedBy: u?.lastDevice ? { deviceId: u.lastDevice, name: names.get(u.lastDevice) ?? null } : null,
      };
    }),
    usedBytes: usage.total?.bytes ?? 0,
    limitBytes: limitsFor(user?.tier ?? 'free').syncTotalBytes,
    keyVersion: key?.version ?? 0,
    configVersion: config.version,
  };
}
