/**
 * The sync function: device authorization (RFC 8628) — the device's init and token polls
 * (public) and the signed-in user's approval (session routes), the device's sessions — the
 * device's sync data (sync-data-routes.ts) and the dashboard's sync routes
 * (sync-overview-routes.ts). Handlers only; the flow is in
 * devices/device-authorization.ts, the data in sync/.
 */
import * as c from '../contracts/sync';
import { dataLayerFromEnv } from '../data/from-env';
import { createDeviceAuthenticator } from '../devices/authenticate';
import { listDevices, revokeDevice, revokeSelf, rotate } from '../devices/devices';
import { decide, pendingFor, poll, start, USER_CODE_USES_PER_HOUR, type DeviceAuthDeps } from '../devices/device-authorization';
import { apiKeyStanding, createApiKey } from '../identity/api-keys';
import { countPerUser } from '../identity/throttle';
import { bind, httpFunction } from '../http/handler';
import type { RequestMeta } from '../http/auth';
import { identityFromEnv } from '../identity/from-env';
import { loadEnv } from '../platform/env';
import { syncPortsFromEnv } from '../sync/from-env';
import type { Principal } from '../tenancy/principal';
import { listWorkspaces } from '../workspaces/workspaces';
import { accessRecorder } from './access-recorder';
import { syncDataBindings } from './sync-data-routes';
import { syncOverviewRoutes } from './sync-overview-routes';

const data = dataLayerFromEnv();
const identity = identityFromEnv();
const deps: DeviceAuthDeps = {
  repo: data.repo,
  audit: data.audit,
  now: Date.now,
  publicUrl: loadEnv(['edge']).PUBLIC_URL,
  // The stage setting flarevault:deviceTokenLifetimeDays (lib/config.ts), 90 days by default.
  deviceTokenLifetimeMs: loadEnv(['deviceTokens']).DEVICE_TOKEN_LIFETIME_DAYS * 86_400_000,
  countUserCodeUse: (userId) => countPerUser(identity.deps, 'device-user-code', userId, USER_CODE_USES_PER_HOUR, 3600_000),
  cliLogin: {
    createApiKey: (actor, input, ctx) => createApiKey(identity.deps, actor, input, ctx),
    apiKeyStanding: (userId) => apiKeyStanding(identity.deps, userId),
    workspacesOf: (userId, activeId) => listWorkspaces({ repo: data.repo, keyring: data.keyring, audit: data.audit, now: Date.now }, userId, activeId),
  },
};
/** The sync data domain's ports (the S3 blob store of large snapshots included); limits follow each caller's tier. */
const syncPorts = syncPortsFromEnv(data);
const ctxOf = (m: RequestMeta) => ({ requestId: m.requestId, ip: m.ip, userAgent: m.userAgent });
/** The signed-in approver and the workspace their session acts on (a CLI login's default). */
const approverOf = (p: Principal) => ({ userId: p.userId, tier: p.tier, activeWorkspaceId: p.tenant.id });

export const handler = httpFunction(
  'sync',
  [
    bind(c.startDeviceAuthorization, async (req) => ({ body: await start(deps, req.body) })),
    bind(c.pollDeviceToken, async (req) => ({ body: await poll(deps, req.body.device_code, ctxOf(req)) })),
    bind(c.getDeviceAuthorization, async (req) => ({ body: await pendingFor(deps, approverOf(req.principal), req.params.userCode) })),
    bind(c.approveDeviceAuthorization, async (req) => {
      await decide(deps, approverOf(req.principal), req.params.userCode, 'approve', ctxOf(req), { workspaceId: req.body?.workspaceId });
      return {};
    }),
    bind(c.denyDeviceAuthorization, async (req) => {
      await decide(deps, approverOf(req.principal), req.params.userCode, 'deny', ctxOf(req));
      return {};
    }),
    bind(c.rotateDeviceToken, async (req) => ({ body: await rotate(deps, req.principal, ctxOf(req)) })),
    bind(c.revokeDeviceToken, async (req) => {
      await revokeSelf(deps, req.principal, ctxOf(req));
      return {};
    }),
    bind(c.listSyncDevices, async (req) => ({ body: { devices: await listDevices(deps, req.principal.userId, req.principal.deviceId) } })),
    bind(c.listDevices, async (req) => ({ body: { devices: await listDevices(deps, req.principal.userId) } })),
    bind(c.deleteDevice, async (req) => {
      await revokeDevice(deps, req.principal, req.params.id, ctxOf(req));
      return {};
    }),
    ...syncDataBindings({ ...syncPorts, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }),
    ...syncOverviewRoutes(syncPorts, deps),
  ],
  { authenticate: identity.authenticate, recordAccess: accessRecorder(), authenticateDevice: createDeviceAuthenticator(deps) },
);
