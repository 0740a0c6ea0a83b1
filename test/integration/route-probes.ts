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
 * device (a sync device linked to the fixture's owner).
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
 * path parameters except the Session API (`auth: 'app'`), whose subject comes from the app credential
 * alone (test/integration/session-vault-auth.test.ts covers it).
 */
export const probed = (r: RouteDef): boolean => !!r.params && r.auth !== 'app';

/** One probe per operationId of a route with path parameters. */
export const probes: Record<string, Probe> = {
  revokeSession: (f) => ({ method: 'DELETE', path: `/api/v1/auth/sessions/${f.ids.session}` }),
  deleteApiKey: (f) => ({ method: 'DELETE', path: `/api/v1/api-keys/${f.ids.apiKey}` }),
  deleteCloudflareAccount: (f) => ({ method: 'DELETE', path: acct(f) }),
  verifyCloudflareAccount: (f) => ({ method: 'POST', path: `${acct(f)}/verify` }),
  listZones: (f) => ({ method: 'GET', path: `${acct(f)}/zones` }),
  listDnsRecords: (f) => ({ method: 'GET', path: `${zone(f)}/dns-records` }),
  createDnsRecord: (f) => ({ method: 'POST', path: `${zone(f)}/dns-records`, body: { type: 'TXT', name: 'isolation', content: 'x' } }),
  updateDnsRecord: (f) => ({ method: 'PATCH', path: `${zone(f)}/dns-records/${f.ids.record}`, body: { content: 'hijacked' } }),
  deleteDnsRecord: (f) => ({ method: 'DELETE', path: `${zone(f)}/dns-records/${f.ids.record}` }),
  exportZoneBind: (f) => ({ method: 'GET', path: `${zone(f)}/export` }),
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
  return { ...f, ids: { ...f.ids, account: UNKNOWN_ID, session: UNKNOWN_ID, apiKey: UNKNOWN_ID, job: UNKNOWN_ID, workspace: UNKNOWN_ID, device: UNKNOWN_ID, userCode: UNKNOWN_USER_CODE } };
}
