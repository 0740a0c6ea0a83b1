/**
 * The authenticator of `auth: 'device'` routes: `Authorization: Bearer fv_dev_<userId>.<deviceId>.<secret>`
 * and nothing else (no cookie, no session, no API key, no app credential: 401). The token names
 * its user and device, so the decision is ONE consistent BatchGetItem per request (the device
 * item and the user), never cached: a rotated token (new hash), a revoked or deleted device (item
 * gone) is refused on the very next request in every container. Past `expiresAt` → 410
 * `session-expired` (the device item and the user's data stay; link the device again).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ConflictError } from '../data/errors';
import type { Repository } from '../data/repository';
import { DomainError } from '../errors';
import { USER_SK, UserEntity } from '../identity/entities';
import { bearerToken, parseAppToken, secretMatches } from '../identity/tokens';
import type { DevicePrincipal } from '../tenancy/principal';
import { userTenant } from '../tenancy/tenant';
import { DeviceEntity, deviceSk } from './entities';

/** How stale `lastSeenAt` may get before a request writes it again (one write per device per minute at most). */
const LAST_SEEN_EVERY_MS = 60_000;

const unauthenticated = (detail = 'Send a device token (fv_dev_…, from device authorization) as a Bearer token') =>
  new DomainError('unauthenticated', detail, { code: 'unauthenticated' });

export function createDeviceAuthenticator(deps: { repo: Repository; now: () => number }) {
  return async function authenticateDevice(event: APIGatewayProxyEventV2): Promise<DevicePrincipal> {
    const token = bearerToken(event.headers?.authorization);
    const parsed = token && parseAppToken(token, 'device');
    if (!parsed) throw unauthenticated();
    const [userId, deviceId] = parsed.ids as [string, string];
    const tenant = userTenant(userId);
    const [device, user] = await deps.repo.getMany([
      { tenant, entity: DeviceEntity, sk: deviceSk(deviceId) },
      { tenant, entity: UserEntity, sk: USER_SK },
    ] as const);
    if (!device || !user || !secretMatches(parsed.secret, device.secretHash)) throw unauthenticated('This device token is unknown, rotated or revoked; link the device again');
    const now = deps.now();
    if (device.expiresAt <= now) {
      throw new DomainError('session-expired', 'This device token has expired; link the device again (your data is intact)', { code: 'session-expired' });
    }
    if (now - Date.parse(device.lastSeenAt) > LAST_SEEN_EVERY_MS) {
      await deps.repo.update(tenant, DeviceEntity, deviceSk(deviceId), { lastSeenAt: new Date(now).toISOString() }, { expectedVersion: device.version }).catch((err: unknown) => {
        // A concurrent request (or a rotation) wrote it: the freshness it wanted is there.
        if (!(err instanceof ConflictError)) throw err;
      });
    }
    return { tenant, userId, deviceId, tier: user.tier, tokenHash: device.secretHash };
  };
}
