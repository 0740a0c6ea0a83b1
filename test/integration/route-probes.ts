/**
 * One valid request per route with path parameters (the "probe"), shared by
 * the isolation tests: tenant-isolation.test.ts (another user gets 404) and
 * role-matrix.test.ts (roles below the minimum, removed members, revoked and
 * downgraded keys, no credential). Each probe is a request that passes
 * validation, so the answer is about who asks, not about the input. A new
 * route with path parameters fails both tests until it has a probe here.
 */
import type { RouteDef } from '../../functions/contracts/route';

/**
 * The ids a probe fills in: account, zone, record, job, session, apiKey, workspace, member, application, invite,
 * appUser (a user of the application holding the value `vaultKey`), credential (an automation credential),
 * userCode (a device authorization the fixture's owner approved: no one else may see or decide it),
 * device (a sync device linked to the fixture's owner), passkey (a passkey of the fixture's owner),
 * identity (an OpenID Connect identity linked to the fixture's owner).
 */
export interface ProbeFixture {
  ids: Record<string, string>;
}

export interface ProbeRequest {
  method: string;
  path: string;
  body?: unknown;
}

export type Probe = (f: ProbeFixture) => ProbeRequest;

const acct = (f: ProbeFixture) => `/api/v1/cloudflare/accounts/${f.ids.account}`;
/** The path of the fixture's zone (for reading its records back). */
export const zone = (f: ProbeFixture) => `${acct(f)}/zones/${f.ids.zone}`;

const app = (f: ProbeFixture) => `/api/v1/workspaces/${f.ids.workspace}/applications/${f.ids.application}`;

/**
 * Routes the probes (and so the role matrix and the tenant-isolation test) cover: every route with
 * path parameters except the Session API (`auth: 'app'`) and the sync device routes (`auth: 'device'`),
 * whose subject comes from the credential alone: session-vault-auth.test.ts refuses every other
 * credential on them, and tenant-isolation.test.ts runs each device route as another user's device.
 * Public routes own nothing (startOidcSignIn's `{provider}` names the stage's configuration).
 */
export const probed = (r: RouteDef): boolean => !!r.params && r.auth !== 'app' && r.auth !== 'device' && r.auth !== 'public';

/** One probe per operationId of a route with path parameters. */
export const probes: Record<string, Probe> = {
  revokeSession: (f) => ({ method: 'DELETE', path: `/api/v1/auth/sessions/${f.ids.session}` }),
  deleteApiKey: (f) => ({ method: 'DELETE', path: `/api/v1/api-keys/${f.ids.apiKey}` }),
  renamePasskey: (f) => ({ method: 'PATCH', path: `/api/v1/auth/passkeys/${f.ids.passkey}`, body: { name: 'hijacked' } }),
  removePasskey: (f) => ({ method: 'DELETE', path: `/api/v1/auth/passkeys/${f.ids.passkey}` }),
  unlinkIdentity: (f) => ({ method: 'DELETE', path: `/api/v1/auth/identities/${f.ids.identity}` }),
  deleteCloudflareAccount: (f) => ({ method: 'DELETE', path: acct(f) }),
  verifyCloudflareAccount: (f) => ({ method: 'POST', path: `${acct(f)}/verify` }),
  listZones: (f) => ({ method: 'GET', path: `${acct(f)}/zones` }),
  listDnsRecords: (f) => ({ method: 'GET', path: `${zone(f)}/dns-records` }),
  createDnsRecord: (f) => ({ method: 'POST', path: `${zone(f)}/dns-records`, body: { type: 'TXT', name: 'isolation', content: 'x' } }),
  updateDnsRecord: (f) => ({ method: 'PATCH', path: `${zone(f)}/dns-records/${f.ids.record}`, body: { content: 'hijacked' } }),
  deleteDnsRecord: (f) => ({ method: 'DELETE', path: `${zone(f)}/dns-records/${f.ids.record}` }),
  exportZoneBind: (f) => ({ method: 'GET', path: `${zone(f)}/export` }),
  exportZoneState: (f) => ({ method: 'GET', path: `${zone(f)}/state` }),
  getJob: (f) => ({ method: 'GET', path: `/api/v1/jobs/${f.ids.job}` }),
  listJobItems: (f) => ({ method: 'GET', path: `/api/v1/jobs/${f.ids.job}/items` }),
  listJobEvents: (f) => ({ method: 'GET', path: `/api/v1/jobs/${f.ids.job}/events` }),
  listJobZones: (f) => ({ method: 'GET', path: `/api/v1/jobs/${f.ids.job}/zones` }),
  applyJob: (f) => ({ method: 'POST', path: `/api/v1/jobs/${f.ids.job}/apply`, body: { force: true } }),
  applyJobChunk: (f) => ({ method: 'POST', path: `/api/v1/jobs/${f.ids.job}/chunks/0/apply` }),
  cancelJob: (f) => ({ method: 'POST', path: `/api/v1/jobs/${f.ids.job}/cancel` }),
  retryJob: (f) => ({ method: 'POST', path: `/api/v1/jobs/${f.ids.job}/retry` }),
  revertJob: (f) => ({ method: 'POST', path: `/api/v1/jobs/${f.ids.job}/revert` }),
  approveJob: (f) => ({ method: 'POST', path: `/api/v1/jobs/${f.ids.job}/approve` }),
  getWorkspace: (f) => ({ method: 'GET', path: `/api/v1/workspaces/${f.ids.workspace}` }),
  renameWorkspace: (f) => ({ method: 'PATCH', path: `/api/v1/workspaces/${f.ids.workspace}`, body: { name: 'hijacked' } }),
  deleteWorkspace: (f) => ({ method: 'DELETE', path: `/api/v1/workspaces/${f.ids.workspace}` }),
  activateWorkspace: (f) => ({ method: 'POST', path: `/api/v1/workspaces/${f.ids.workspace}/activate` }),
  listMembers: (f) => ({ method: 'GET', path: `/api/v1/workspaces/${f.ids.workspace}/members` }),
  changeMemberRole: (f) => ({ method: 'PATCH', path: `/api/v1/workspaces/${f.ids.workspace}/members/${f.ids.member}`, body: { role: 'USER' } }),
  removeMember: (f) => ({ method: 'DELETE', path: `/api/v1/workspaces/${f.ids.workspace}/members/${f.ids.member}` }),
  listApplications: (f) => ({ method: 'GET', path: `/api/v1/workspaces/${f.ids.workspace}/applications` }),
  createApplication: (f) => ({ method: 'POST', path: `/api/v1/workspaces/${f.ids.workspace}/applications`, body: { name: 'isolation' } }),
  getApplication: (f) => ({ method: 'GET', path: `/api/v1/workspaces/${f.ids.workspace}/applications/${f.ids.application}` }),
  updateApplication: (f) => ({ method: 'PATCH', path: `/api/v1/workspaces/${f.ids.workspace}/applications/${f.ids.application}`, body: { name: 'hijacked' } }),
  deleteApplication: (f) => ({ method: 'DELETE', path: `/api/v1/workspaces/${f.ids.workspace}/applications/${f.ids.application}` }),
  listApplicationUsers: (f) => ({ method: 'GET', path: `${app(f)}/users` }),
  listApplicationUserValues: (f) => ({ method: 'GET', path: `${app(f)}/users/${f.ids.appUser}/values` }),
  readApplicationUserValue: (f) => ({ method: 'GET', path: `${app(f)}/users/${f.ids.appUser}/values/${f.ids.vaultKey}?reason=role%20matrix` }),
  deleteApplicationUserValue: (f) => ({ method: 'DELETE', path: `${app(f)}/users/${f.ids.appUser}/values/${f.ids.vaultKey}` }),
  revokeApplicationUser: (f) => ({ method: 'POST', path: `${app(f)}/users/${f.ids.appUser}/revoke` }),
  deleteApplicationUser: (f) => ({ method: 'DELETE', path: `${app(f)}/users/${f.ids.appUser}` }),
  createAutomationCredential: (f) => ({ method: 'POST', path: `${app(f)}/credentials`, body: { name: 'isolation' } }),
  listAutomationCredentials: (f) => ({ method: 'GET', path: `${app(f)}/credentials` }),
  deleteAutomationCredential: (f) => ({ method: 'DELETE', path: `${app(f)}/credentials/${f.ids.credential}` }),
  listAccessLog: (f) => ({ method: 'GET', path: `/api/v1/workspaces/${f.ids.workspace}/access-log` }),
  createInvite: (f) => ({ method: 'POST', path: `/api/v1/workspaces/${f.ids.workspace}/invites`, body: { email: 'isolation@example.com', role: 'USER' } }),
  listInvites: (f) => ({ method: 'GET', path: `/api/v1/workspaces/${f.ids.workspace}/invites` }),
  resendInvite: (f) => ({ method: 'POST', path: `/api/v1/workspaces/${f.ids.workspace}/invites/${f.ids.invite}/resend` }),
  revokeInvite: (f) => ({ method: 'DELETE', path: `/api/v1/workspaces/${f.ids.workspace}/invites/${f.ids.invite}` }),
  updateWorkspaceSettings: (f) => ({ method: 'PATCH', path: `/api/v1/workspaces/${f.ids.workspace}/settings`, body: { twoPersonRule: true } }),
  listWorkspaceAuditEvents: (f) => ({ method: 'GET', path: `/api/v1/workspaces/${f.ids.workspace}/audit-events` }),
  verifyWorkspaceAuditChain: (f) => ({ method: 'GET', path: `/api/v1/workspaces/${f.ids.workspace}/audit-events/verify` }),
  getDeviceAuthorization: (f) => ({ method: 'GET', path: `/api/v1/sync/authorize/${f.ids.userCode}` }),
  approveDeviceAuthorization: (f) => ({ method: 'POST', path: `/api/v1/sync/authorize/${f.ids.userCode}/approve` }),
  deleteDevice: (f) => ({ method: 'DELETE', path: `/api/v1/devices/${f.ids.device}` }),
  denyDeviceAuthorization: (f) => ({ method: 'POST', path: `/api/v1/sync/authorize/${f.ids.userCode}/deny` }),
};

/** Ids no one has (syntactically valid): a probe with them must answer like a foreign resource. */
export const UNKNOWN_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
/** A well-formed device user code no one started (20^8 codes: a live one by chance is negligible). */
export const UNKNOWN_USER_CODE = 'ZZZZ-ZZZZ';

/** The same fixture with its owned ids replaced by unknown ones. */
export function absent<F extends ProbeFixture>(f: F): F {
  return { ...f, ids: { ...f.ids, account: UNKNOWN_ID, session: UNKNOWN_ID, apiKey: UNKNOWN_ID, job: UNKNOWN_ID, workspace: UNKNOWN_ID, device: UNKNOWN_ID, userCode: UNKNOWN_USER_CODE, passkey: UNKNOWN_ID, identity: UNKNOWN_ID } };
}

/**
 * One request per sync device route (`auth: 'device'`), run by ANOTHER user's device with the
 * fixture owner's ids (`syncItem`: a snapshot id the owner stored in every snapshot type,
 * `device`: the owner's device with a history log, `eventsCursor`: a feed cursor from before the
 * owner's changes): its subject is its own user, so it must see
 * none of the owner's data and change none of it (tenant-isolation.test.ts). Reads first, then
 * writes. rotateDeviceToken and revokeDeviceToken act on the presented token alone (no ids).
 */
export const deviceProbes: Record<string, Probe> = {
  getSyncKey: () => ({ method: 'GET', path: '/api/v1/sync/key' }),
  listSyncKeyVersions: () => ({ method: 'GET', path: '/api/v1/sync/key/versions' }),
  getSyncConfig: () => ({ method: 'GET', path: '/api/v1/sync/config' }),
  listSyncSnapshots: () => ({ method: 'GET', path: '/api/v1/sync/data/secret?since=0' }),
  getSyncSnapshot: (f) => ({ method: 'GET', path: `/api/v1/sync/data/secret/${f.ids.syncItem}` }),
  getSyncHistoryStatus: () => ({ method: 'GET', path: '/api/v1/sync/history' }),
  readSyncHistory: (f) => ({ method: 'GET', path: `/api/v1/sync/history/${f.ids.device}?fromIdx=0` }),
  listSyncDevices: () => ({ method: 'GET', path: '/api/v1/sync/devices' }),
  putSyncKey: () => ({ method: 'PUT', path: '/api/v1/sync/key', body: { blob: 'aXNvbGF0aW9u', expectedVersion: 0 } }),
  putSyncConfig: () => ({ method: 'PUT', path: '/api/v1/sync/config', body: { types: { secret: false } } }),
  putSyncSnapshot: (f) => ({ method: 'PUT', path: `/api/v1/sync/data/environment/${f.ids.syncItem}`, body: { blob: 'aXNvbGF0aW9u', force: true } }),
  appendSyncHistory: () => ({ method: 'POST', path: '/api/v1/sync/history', body: { records: [{ idx: 0, blob: 'aXNvbGF0aW9u' }] } }),
  pollSyncEvents: (f) => ({ method: 'GET', path: `/api/v1/sync/events?after=${f.ids.eventsCursor}&wait=0` }),
  clearSyncType: () => ({ method: 'DELETE', path: '/api/v1/sync/data/history' }),
};
/** Device routes without a probe: they act on the presented token alone. */
export const SELF_DEVICE_ROUTES = ['rotateDeviceToken', 'revokeDeviceToken'];
