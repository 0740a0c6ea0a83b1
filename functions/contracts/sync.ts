/**
 * Sync (issue 16). This file holds the device authorization routes (RFC 8628, the OAuth 2.0
 * Device Authorization Grant); the sync data routes are added here as they land.
 *
 *   POST /api/v1/sync/init                         (public)  device_code, user_code, verification URIs (RFC 8628 §3.2)
 *   POST /api/v1/sync/token                        (public)  poll: error codes of RFC 8628 §3.5, then once a device token
 *                                                            (or, for a CLI login, an API key)
 *   GET  /api/v1/sync/authorize/{userCode}          (session) what the user is asked to approve
 *   POST /api/v1/sync/authorize/{userCode}/approve  (session, CSRF with the cookie) [{workspaceId}]
 *   POST /api/v1/sync/authorize/{userCode}/deny     (session, CSRF with the cookie)
 *
 * Token errors are 400 problem+json documents that ALSO carry the RFC 6749 §5.2 members
 * `error` and `error_description`, so an off-the-shelf RFC 8628 client reads them unchanged
 * while our clients read `type`/`detail` as everywhere else (DEVICE_TOKEN_ERRORS).
 *
 * Two grants share the flow. A sync client's init names no scopes and gets a device token,
 * good only on `auth: 'device'` routes. The CLI's login (issue 18) names the scopes it wants: the
 * approver picks the workspace, and the poll mints an API key (`fv_key_…`) with exactly those
 * scopes on that workspace (the user routes the CLI needs), under the API-key cap.
 */
import * as z from 'zod';
import { defineRoute, SCOPES } from './route';
import { Id, IsoTime } from './common';
import { ApiKeyScopes, ListedName } from './identity';
import { CallerRoleSchema } from './workspaces';

/** RFC 8628 §3.5 error codes (plus RFC 6749 §5.2 `invalid_grant`), and the problem slug each becomes. */
export const DEVICE_TOKEN_ERRORS = {
  /** The user has not approved or denied yet: poll again after `interval`. */
  authorization_pending: 'authorization-pending',
  /** Polled faster than `interval`: the interval grows by 5 s for this device code (RFC 8628 §3.5). */
  slow_down: 'slow-down',
  /** The user denied the request. */
  access_denied: 'access-denied',
  /** The device code expired (`expires_in`): start again with /sync/init. */
  expired_token: 'expired-token',
  /** Unknown device code, or one that already gave out its token (single use). */
  invalid_grant: 'invalid-grant',
} as const;
export type DeviceTokenError = keyof typeof DEVICE_TOKEN_ERRORS;

/**
 * User codes: 8 characters of the 20 consonants RFC 8628 §6.1 suggests (no vowels, so no words;
 * no look-alike digits), shown as `XXXX-XXXX`; entry is case-insensitive and ignores the dash
 * (RFC 8628 §6.1: "characters that are not in the character set SHOULD be ignored").
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;
export const UserCode = z
  .string()
  .max(32)
  .transform((s) => s.toUpperCase().replace(/[^A-Z]/g, ''))
  .pipe(z.string().regex(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/, 'must be the 8-letter code shown on the device (e.g. BCDF-GHJK)'));

/** Shown in the device and API-key lists: no control, line-break or bidi characters. */
const DeviceName = ListedName;
export const DevicePlatform = z.enum(['macos', 'windows', 'linux', 'ios', 'android', 'cli', 'other']);

export const startDeviceAuthorization = defineRoute({
  operationId: 'startDeviceAuthorization',
  method: 'POST',
  path: '/api/v1/sync/init',
  fn: 'sync',
  auth: 'public',
  summary: 'Device authorization request (RFC 8628 §3.1–3.2): a device code to poll with, and a user code to approve in the browser (5 minutes)',
  tags: ['device-authorization'],
  body: z
    .object({
      deviceName: DeviceName,
      platform: DevicePlatform,
      /** A CLI login (platform `cli`): the scopes of the API key the approval mints. Absent: a sync device token. */
      scopes: ApiKeyScopes.optional(),
    })
    .strict(),
  response: z.object({
    device_code: z.string(),
    /** `XXXX-XXXX`. */
    user_code: z.string(),
    verification_uri: z.string().url(),
    verification_uri_complete: z.string().url(),
    /** Seconds the client waits between polls. */
    interval: z.number().int(),
    /** Seconds until the codes expire. */
    expires_in: z.number().int(),
  }),
});

export const DeviceTokenIssued = z.object({
  /** `fv_dev_…`: shown once, stored hashed. */
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  /** Seconds until the device token expires (then 410 session-expired; data intact). */
  expires_in: z.number().int(),
  device_id: z.string(),
});

/** What a CLI login's poll gets once: an API key, in the RFC 6749 §5.1 token response shape. */
export const ApiKeyTokenIssued = z.object({
  /** `fv_key_…`: shown once, stored hashed. */
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  /** Seconds until the API key expires (then 401; log in again). */
  expires_in: z.number().int(),
  /** RFC 6749 §5.1 / §3.3: the key's scopes, space-separated (`account:read jobs:read`). */
  scope: z.string(),
  api_key_id: Id,
  /** The one workspace the key acts on (chosen at approval). */
  workspace_id: Id,
});

export const pollDeviceToken = defineRoute({
  operationId: 'pollDeviceToken',
  method: 'POST',
  path: '/api/v1/sync/token',
  fn: 'sync',
  auth: 'public',
  summary:
    'Device access token request (RFC 8628 §3.4–3.5): 400 with error authorization_pending / slow_down / access_denied / expired_token / invalid_grant, then exactly once the device token (a CLI login: an API key)',
  tags: ['device-authorization'],
  body: z
    .object({
      device_code: z.string().min(1).max(200),
      /** RFC 8628 §3.4; optional here (the route serves only this grant). */
      grant_type: z.literal('urn:ietf:params:oauth:grant-type:device_code').optional(),
    })
    .strict(),
  response: z.union([DeviceTokenIssued, ApiKeyTokenIssued]),
});

const UserCodeParams = z.object({ userCode: UserCode });

/** A workspace the approver may bind a CLI login's API key to. */
export const WorkspaceChoice = z.object({
  id: Id,
  name: z.string(),
  personal: z.boolean(),
  role: CallerRoleSchema,
  /** The approver's active workspace: the default choice. */
  active: z.boolean(),
});

export const DeviceAuthorizationView = z.object({
  userCode: z.string(),
  deviceName: z.string(),
  platform: DevicePlatform,
  expiresAt: IsoTime,
  /** A CLI login: the scopes of the API key it asks for; null for a sync device. */
  scopes: z.array(z.enum(SCOPES)).nullable(),
  /** A CLI login: the approver's workspaces, one of which the key will act on; null for a sync device. */
  workspaces: z.array(WorkspaceChoice).nullable(),
});

export const getDeviceAuthorization = defineRoute({
  operationId: 'getDeviceAuthorization',
  permission: null,
  method: 'GET',
  path: '/api/v1/sync/authorize/{userCode}',
  fn: 'sync',
  auth: 'session',
  tenancy: 'caller',
  summary: 'The pending device authorization of a user code (device name, platform, expiry); 404 when unknown, expired or already decided',
  tags: ['device-authorization'],
  params: UserCodeParams,
  response: DeviceAuthorizationView,
});

export const approveDeviceAuthorization = defineRoute({
  operationId: 'approveDeviceAuthorization',
  permission: null,
  method: 'POST',
  path: '/api/v1/sync/authorize/{userCode}/approve',
  fn: 'sync',
  auth: 'session',
  tenancy: 'caller',
  summary:
    "Approve a pending device authorization for the signed-in user: the device's next poll gets its token. A CLI login's API key acts on `workspaceId` (default: the active workspace; 404 unless a member)",
  tags: ['device-authorization'],
  params: UserCodeParams,
  body: z
    .object({
      /** Only for a CLI login (an authorization with scopes): the workspace its API key acts on. */
      workspaceId: Id.optional(),
    })
    .strict()
    .optional(),
  successStatus: 204,
});

export const denyDeviceAuthorization = defineRoute({
  operationId: 'denyDeviceAuthorization',
  permission: null,
  method: 'POST',
  path: '/api/v1/sync/authorize/{userCode}/deny',
  fn: 'sync',
  auth: 'session',
  tenancy: 'caller',
  summary: "Deny a pending device authorization: the device's next poll gets access_denied",
  tags: ['device-authorization'],
  params: UserCodeParams,
  successStatus: 204,
});

export const deviceAuthorizationRoutes = [startDeviceAuthorization, pollDeviceToken, getDeviceAuthorization, approveDeviceAuthorization, denyDeviceAuthorization];

// ---------------------------------------------------------------------------
// Device sessions (auth 'device': the device token only) and the dashboard's device list
// ---------------------------------------------------------------------------

export const rotateDeviceToken = defineRoute({
  operationId: 'rotateDeviceToken',
  permission: null,
  method: 'POST',
  path: '/api/v1/sync/rotate',
  fn: 'sync',
  auth: 'device',
  summary: 'A new device token (and a fresh lifetime); the token used for this call is refused from now on',
  tags: ['sync-devices'],
  response: DeviceTokenIssued,
});

export const revokeDeviceToken = defineRoute({
  operationId: 'revokeDeviceToken',
  permission: null,
  method: 'POST',
  path: '/api/v1/sync/revoke',
  fn: 'sync',
  auth: 'device',
  summary: "The calling device unlinks itself: its token is refused from now on (the user's data stays)",
  tags: ['sync-devices'],
  successStatus: 204,
});

export const Device = z.object({
  id: z.string(),
  name: z.string(),
  platform: DevicePlatform,
  approvedAt: IsoTime,
  /** Updated at most once a minute. */
  lastSeenAt: IsoTime,
  expiresAt: IsoTime,
  /** Past `expiresAt`: the device gets 410 until linked again. */
  expired: z.boolean(),
  /** The device making this call (only ever true on `listSyncDevices`). */
  current: z.boolean(),
});

export const listSyncDevices = defineRoute({
  operationId: 'listSyncDevices',
  permission: null,
  method: 'GET',
  path: '/api/v1/sync/devices',
  fn: 'sync',
  auth: 'device',
  summary: "The user's linked devices, as a device sees them (`current` marks the caller)",
  tags: ['sync-devices'],
  response: z.object({ devices: z.array(Device) }),
});

export const listDevices = defineRoute({
  operationId: 'listDevices',
  permission: null,
  method: 'GET',
  path: '/api/v1/devices',
  fn: 'sync',
  auth: 'session',
  tenancy: 'caller',
  summary: "The signed-in user's linked sync devices (name, platform, approved, last seen, expiry)",
  tags: ['sync-devices'],
  response: z.object({ devices: z.array(Device) }),
});

export const deleteDevice = defineRoute({
  operationId: 'deleteDevice',
  permission: null,
  method: 'DELETE',
  path: '/api/v1/devices/{id}',
  fn: 'sync',
  auth: 'session',
  tenancy: 'caller',
  summary: "Unlink one of the signed-in user's devices: its token is refused on its next request (404 when not the user's)",
  tags: ['sync-devices'],
  params: z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be a device id') }),
  successStatus: 204,
});

export const deviceSessionRoutes = [rotateDeviceToken, revokeDeviceToken, listSyncDevices, listDevices, deleteDevice];

export const syncRoutes = [...deviceAuthorizationRoutes, ...deviceSessionRoutes];
