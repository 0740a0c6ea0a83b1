/**
 * Items of device authorization (RFC 8628) and linked devices:
 *   T#user#pending-devices  DEVAUTH#<userCode>   a pending device authorization (5 min, then kept a
 *                                                while so a late poll reads expired_token, not unknown)
 *   T#user#<userId>         DEVICE#<deviceId>    a linked device and the hash of its token
 * A pending authorization has no user yet, so it lives in one fixed partition of its own (its
 * own DEK, like any tenant); the user code is its key, so the browser's lookup and the device's
 * poll (the device code names the user code) are one GetItem each.
 * Plain: hashes of 256-bit secrets, the user code, status, times, platform, a CLI login's scopes
 * and workspace id. Encrypted: device names.
 */
import type { Scope } from '../contracts/route';
import type { Tier } from '../contracts/tiers';
import { defineEntity } from '../data/entity';
import { userTenant } from '../tenancy/tenant';

/** The partition of pending authorizations (no user is known before approval). */
export const PENDING_DEVICES = userTenant('pending-devices');

export type DeviceAuthorizationStatus = 'pending' | 'approved' | 'denied' | 'claimed';

export interface DeviceAuthorizationItem {
  secretHash: string;
  /** Encrypted: typed on the device. */
  deviceName: string;
  platform: string;
  status: DeviceAuthorizationStatus;
  /** Epoch ms. */
  expiresAt: number;
  /** Seconds between polls; +5 on every slow_down (RFC 8628 §3.5). */
  interval: number;
  /** Epoch ms of the last poll, 0 before the first. */
  lastPolledAt: number;
  /** Set on approval: who approved, and their tier then (the audit retention of the claim). */
  userId?: string;
  tier?: Tier;
  /** Set when the token was claimed (single use). */
  deviceId?: string;
  /** A CLI login (issue 18): the scopes of the API key it asks for. Absent for a sync device. */
  scopes?: Scope[];
  /** A CLI login, set on approval: the workspace its API key acts on. */
  workspaceId?: string;
  /** A CLI login, set on approval: the approver's token revision, which the key is made under. */
  tokenRevision?: number;
}
export const DeviceAuthorizationEntity = defineEntity<DeviceAuthorizationItem>({ name: 'device-authorization', skPrefix: 'DEVAUTH#', encrypted: ['deviceName'] });
export const deviceAuthorizationSk = (userCode: string) => `DEVAUTH#${userCode}`;

export interface DeviceItem {
  /** Encrypted. */
  name: string;
  platform: string;
  secretHash: string;
  approvedAt: string;
  lastSeenAt: string;
  /** Epoch ms: 410 session-expired from then on (data intact). */
  expiresAt: number;
}
export const DeviceEntity = defineEntity<DeviceItem>({ name: 'device', skPrefix: 'DEVICE#', encrypted: ['name'] });
export const deviceSk = (deviceId: string) => `DEVICE#${deviceId}`;
export const DEVICES_PREFIX = 'DEVICE#';
