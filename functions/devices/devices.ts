/**
 * A user's linked sync devices:
 *   rotate(deps, device, ctx)         -> a new device token; the old one is refused at once (new hash)
 *   revokeSelf(deps, device, ctx)     -> the device unlinks itself (its token refused at once)
 *   listDevices(deps, userId, current?) -> name, platform, approvedAt, lastSeenAt, expiresAt, current
 *   revokeDevice(deps, actor, deviceId, ctx) -> the dashboard unlinks one (404 when not the user's)
 * Each is audited in the user's chain (IP and user agent encrypted). A revoke writes the sync
 * event `device_revoked` in the SAME transaction as the device's removal (sync/events.ts), so
 * the user's other devices learn it from their feed; devices/ imports sync/, never the reverse.
 */
import type { Tier } from '../contracts/tiers';
import { ConflictError } from '../data/errors';
import { DomainError } from '../errors';
import { mintAppToken } from '../identity/tokens';
import { addEvent } from '../sync/events';
import { userTenant } from '../tenancy/tenant';
import { auditDeviceEvent, type DeviceAuthDeps, type RequestContext } from './device-authorization';
import { DeviceEntity, DEVICES_PREFIX, deviceSk } from './entities';

export interface DeviceActor {
  readonly userId: string;
  readonly deviceId: string;
  readonly tier: Tier;
  /** The stored hash of the token the request presented (DevicePrincipal.tokenHash). */
  readonly tokenHash: string;
}

const rotatedMeanwhile = () => new DomainError('conflict', 'The device changed meanwhile (another rotation or a revoke); retry', { code: 'conflict' });
const deviceNotFound = () => new DomainError('not-found', 'No such device', { code: 'not-found' });

export async function rotate(deps: DeviceAuthDeps, device: DeviceActor, ctx: RequestContext) {
  const tenant = userTenant(device.userId);
  const sk = deviceSk(device.deviceId);
  const current = await deps.repo.get(tenant, DeviceEntity, sk);
  if (!current) throw deviceNotFound();
  // Only the token this request presented is replaced: a rotation that committed after this
  // request authenticated changed the hash (refused here), one after this read the version.
  if (current.secretHash !== device.tokenHash) throw rotatedMeanwhile();
  const { token, secretHash } = mintAppToken('device', [device.userId, device.deviceId]);
  const expiresAt = deps.now() + deps.deviceTokenLifetimeMs;
  try {
    await deps.repo.update(tenant, DeviceEntity, sk, { secretHash, expiresAt }, { expectedVersion: current.version });
  } catch (err) {
    // Rotated or revoked concurrently: this request's token may already be dead; the client links again or retries.
    if (err instanceof ConflictError) throw rotatedMeanwhile();
    throw err;
  }
  await auditDeviceEvent(deps, device.userId, device.tier, ctx, 'sync.device.token-rotated', { deviceId: device.deviceId });
  return { access_token: token, token_type: 'Bearer' as const, expires_in: Math.floor(deps.deviceTokenLifetimeMs / 1000), device_id: device.deviceId };
}

async function remove(deps: DeviceAuthDeps, userId: string, deviceId: string) {
  const tenant = userTenant(userId);
  try {
    // The event names the revoked device: the feed shows it to every other device.
    await addEvent(deps.repo.tx(tenant).delete(DeviceEntity, deviceSk(deviceId)), deps.now(), { tenant, deviceId }, 'device_revoked').commit();
  } catch (err) {
    if (err instanceof ConflictError) throw deviceNotFound();
    throw err;
  }
}

export async function revokeSelf(deps: DeviceAuthDeps, device: DeviceActor, ctx: RequestContext) {
  await remove(deps, device.userId, device.deviceId);
  await auditDeviceEvent(deps, device.userId, device.tier, ctx, 'sync.device.token-revoked', { deviceId: device.deviceId });
}

export async function revokeDevice(deps: DeviceAuthDeps, actor: { userId: string; tier: Tier }, deviceId: string, ctx: RequestContext) {
  await remove(deps, actor.userId, deviceId);
  await auditDeviceEvent(deps, actor.userId, actor.tier, ctx, 'sync.device.revoked', { deviceId });
}

export async function listDevices(deps: DeviceAuthDeps, userId: string, currentDeviceId?: string) {
  const devices = [];
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(userTenant(userId), DeviceEntity, { skPrefix: DEVICES_PREFIX, consistent: true, limit: 100, cursor });
    for (const d of page.items) {
      const id = d.sk.slice(DEVICES_PREFIX.length);
      devices.push({
        id,
        name: d.name,
        platform: d.platform,
        approvedAt: d.approvedAt,
        lastSeenAt: d.lastSeenAt,
        expiresAt: new Date(d.expiresAt).toISOString(),
        expired: d.expiresAt <= deps.now(),
        current: id === currentDeviceId,
      });
    }
    cursor = page.cursor;
  } while (cursor);
  return devices;
}

