// Generated from the manifest's routes by `npx tsx test/support/operations-table.ts`. Do not edit.
// test/unit/frontend-operations.test.ts fails when this file is out of date.
import type * as accessLog from '../../../functions/contracts/access-log';
import type * as applications from '../../../functions/contracts/applications';
import type * as cloudflare from '../../../functions/contracts/cloudflare';
import type * as identity from '../../../functions/contracts/identity';
import type * as invites from '../../../functions/contracts/invites';
import type * as jobs from '../../../functions/contracts/jobs';
import type * as sessions from '../../../functions/contracts/sessions';
import type * as system from '../../../functions/contracts/system';
import type * as workspaceGovernance from '../../../functions/contracts/workspace-governance';
import type * as workspaces from '../../../functions/contracts/workspaces';

/** Method and path template of every API operation, by operationId. */
export const OPERATIONS = {
  acceptInvite: { method: 'POST', path: '/api/v1/invites/accept' },
  activateWorkspace: { method: 'POST', path: '/api/v1/workspaces/{workspaceId}/activate' },
  applyJob: { method: 'POST', path: '/api/v1/jobs/{id}/apply' },
  applyJobChunk: { method: 'POST', path: '/api/v1/jobs/{id}/chunks/{n}/apply' },
  approveJob: { method: 'POST', path: '/api/v1/jobs/{id}/approve' },
  authorize: { method: 'GET', path: '/api/v1/auth/authorize' },
  cancelJob: { method: 'POST', path: '/api/v1/jobs/{id}/cancel' },
  changeMemberRole: { method: 'PATCH', path: '/api/v1/workspaces/{workspaceId}/members/{userId}' },
  changePassword: { method: 'POST', path: '/api/v1/auth/password/change' },
  confirmTotp: { method: 'POST', path: '/api/v1/auth/mfa/totp/confirm' },
  createApiKey: { method: 'POST', path: '/api/v1/api-keys' },
  createApplication: { method: 'POST', path: '/api/v1/workspaces/{workspaceId}/applications' },
  createAutomationCredential: { method: 'POST', path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}/credentials' },
  createCloudflareAccount: { method: 'POST', path: '/api/v1/cloudflare/accounts' },
  createDnsRecord: { method: 'POST', path: '/api/v1/cloudflare/accounts/{id}/zones/{zoneId}/dns-records' },
  createInvite: { method: 'POST', path: '/api/v1/workspaces/{workspaceId}/invites' },
  createJob: { method: 'POST', path: '/api/v1/jobs' },
  createWorkspace: { method: 'POST', path: '/api/v1/workspaces' },
  deleteApiKey: { method: 'DELETE', path: '/api/v1/api-keys/{id}' },
  deleteApplication: { method: 'DELETE', path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}' },
  deleteApplicationUser: { method: 'DELETE', path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}/users/{userId}' },
  deleteApplicationUserValue: { method: 'DELETE', path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}/users/{userId}/values/{key}' },
  deleteAutomationCredential: { method: 'DELETE', path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}/credentials/{credentialId}' },
  deleteCloudflareAccount: { method: 'DELETE', path: '/api/v1/cloudflare/accounts/{id}' },
  deleteDnsRecord: { method: 'DELETE', path: '/api/v1/cloudflare/accounts/{id}/zones/{zoneId}/dns-records/{recordId}' },
  deleteSessionValue: { method: 'DELETE', path: '/api/v1/sessions/delete/{key}' },
  deleteWorkspace: { method: 'DELETE', path: '/api/v1/workspaces/{workspaceId}' },
  disableTotp: { method: 'POST', path: '/api/v1/auth/mfa/totp/disable' },
  enrollTotp: { method: 'POST', path: '/api/v1/auth/mfa/totp/enroll' },
  exchangeAuthorizationCode: { method: 'POST', path: '/api/v1/auth/callback' },
  exportZoneBind: { method: 'GET', path: '/api/v1/cloudflare/accounts/{id}/zones/{zoneId}/export' },
  getApplication: { method: 'GET', path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}' },
  getDependencyHealth: { method: 'GET', path: '/api/v1/system/health' },
  getHealth: { method: 'GET', path: '/api/health' },
  getJob: { method: 'GET', path: '/api/v1/jobs/{id}' },
  getMe: { method: 'GET', path: '/api/v1/me' },
  getOpenApi: { method: 'GET', path: '/api/openapi.json' },
  getSessionStatus: { method: 'GET', path: '/api/v1/auth/session' },
  getSessionValue: { method: 'GET', path: '/api/v1/sessions/get/{key}' },
  getWorkspace: { method: 'GET', path: '/api/v1/workspaces/{workspaceId}' },
  listAccessLog: { method: 'GET', path: '/api/v1/workspaces/{workspaceId}/access-log' },
  listApiKeys: { method: 'GET', path: '/api/v1/api-keys' },
  listApplications: { method: 'GET', path: '/api/v1/workspaces/{workspaceId}/applications' },
  listApplicationUsers: { method: 'GET', path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}/users' },
  listApplicationUserValues: { method: 'GET', path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}/users/{userId}/values' },
  listAuditEvents: { method: 'GET', path: '/api/v1/audit-events' },
  listAutomationCredentials: { method: 'GET', path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}/credentials' },
  listCloudflareAccounts: { method: 'GET', path: '/api/v1/cloudflare/accounts' },
  listDnsRecords: { method: 'GET', path: '/api/v1/cloudflare/accounts/{id}/zones/{zoneId}/dns-records' },
  listInvites: { method: 'GET', path: '/api/v1/workspaces/{workspaceId}/invites' },
  listJobEvents: { method: 'GET', path: '/api/v1/jobs/{id}/events' },
  listJobItems: { method: 'GET', path: '/api/v1/jobs/{id}/items' },
  listJobs: { method: 'GET', path: '/api/v1/jobs' },
  listJobZones: { method: 'GET', path: '/api/v1/jobs/{id}/zones' },
  listMembers: { method: 'GET', path: '/api/v1/workspaces/{workspaceId}/members' },
  listOutbox: { method: 'GET', path: '/api/v1/dev/outbox' },
  listSessions: { method: 'GET', path: '/api/v1/auth/sessions' },
  listSessionValues: { method: 'GET', path: '/api/v1/sessions' },
  listWorkspaceAuditEvents: { method: 'GET', path: '/api/v1/workspaces/{workspaceId}/audit-events' },
  listWorkspaces: { method: 'GET', path: '/api/v1/workspaces' },
  listZones: { method: 'GET', path: '/api/v1/cloudflare/accounts/{id}/zones' },
  login: { method: 'POST', path: '/api/v1/auth/login' },
  logout: { method: 'POST', path: '/api/v1/auth/logout' },
  logoutAppSession: { method: 'POST', path: '/api/v1/sessions/logout' },
  logoutBrowser: { method: 'GET', path: '/api/v1/auth/logout' },
  previewInvite: { method: 'POST', path: '/api/v1/invites/preview' },
  readApplicationUserValue: { method: 'GET', path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}/users/{userId}/values/{key}' },
  removeMember: { method: 'DELETE', path: '/api/v1/workspaces/{workspaceId}/members/{userId}' },
  renameWorkspace: { method: 'PATCH', path: '/api/v1/workspaces/{workspaceId}' },
  requestPasswordReset: { method: 'POST', path: '/api/v1/auth/password/reset-request' },
  resendInvite: { method: 'POST', path: '/api/v1/workspaces/{workspaceId}/invites/{inviteId}/resend' },
  resetPassword: { method: 'POST', path: '/api/v1/auth/password/reset' },
  retryJob: { method: 'POST', path: '/api/v1/jobs/{id}/retry' },
  revertJob: { method: 'POST', path: '/api/v1/jobs/{id}/revert' },
  revokeAllSessions: { method: 'POST', path: '/api/v1/auth/sessions/revoke-all' },
  revokeApplicationUser: { method: 'POST', path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}/users/{userId}/revoke' },
  revokeInvite: { method: 'DELETE', path: '/api/v1/workspaces/{workspaceId}/invites/{inviteId}' },
  revokeOwnSessions: { method: 'POST', path: '/api/v1/sessions/revoke' },
  revokeSession: { method: 'DELETE', path: '/api/v1/auth/sessions/{id}' },
  setSessionValue: { method: 'POST', path: '/api/v1/sessions/set/{key}' },
  signup: { method: 'POST', path: '/api/v1/auth/signup' },
  updateApplication: { method: 'PATCH', path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}' },
  updateDnsRecord: { method: 'PATCH', path: '/api/v1/cloudflare/accounts/{id}/zones/{zoneId}/dns-records/{recordId}' },
  updateWorkspaceSettings: { method: 'PATCH', path: '/api/v1/workspaces/{workspaceId}/settings' },
  verifyAuditChain: { method: 'GET', path: '/api/v1/audit-events/verify' },
  verifyCloudflareAccount: { method: 'POST', path: '/api/v1/cloudflare/accounts/{id}/verify' },
  verifyWorkspaceAuditChain: { method: 'GET', path: '/api/v1/workspaces/{workspaceId}/audit-events/verify' },
} as const;

/** The contract route of every operation (types only: its zod schemas give params, query, body and response). */
export interface OperationRoutes {
  acceptInvite: typeof invites.acceptInvite;
  activateWorkspace: typeof workspaces.activateWorkspace;
  applyJob: typeof jobs.applyJob;
  applyJobChunk: typeof jobs.applyJobChunk;
  approveJob: typeof jobs.approveJob;
  authorize: typeof sessions.authorize;
  cancelJob: typeof jobs.cancelJob;
  changeMemberRole: typeof workspaces.changeMemberRole;
  changePassword: typeof identity.changePassword;
  confirmTotp: typeof identity.confirmTotp;
  createApiKey: typeof identity.createApiKey;
  createApplication: typeof applications.createApplication;
  createAutomationCredential: typeof sessions.createAutomationCredential;
  createCloudflareAccount: typeof cloudflare.createCloudflareAccount;
  createDnsRecord: typeof cloudflare.createDnsRecord;
  createInvite: typeof invites.createInvite;
  createJob: typeof jobs.createJob;
  createWorkspace: typeof workspaces.createWorkspace;
  deleteApiKey: typeof identity.deleteApiKey;
  deleteApplication: typeof applications.deleteApplication;
  deleteApplicationUser: typeof sessions.deleteApplicationUser;
  deleteApplicationUserValue: typeof sessions.deleteApplicationUserValue;
  deleteAutomationCredential: typeof sessions.deleteAutomationCredential;
  deleteCloudflareAccount: typeof cloudflare.deleteCloudflareAccount;
  deleteDnsRecord: typeof cloudflare.deleteDnsRecord;
  deleteSessionValue: typeof sessions.deleteSessionValue;
  deleteWorkspace: typeof workspaces.deleteWorkspace;
  disableTotp: typeof identity.disableTotp;
  enrollTotp: typeof identity.enrollTotp;
  exchangeAuthorizationCode: typeof sessions.exchangeAuthorizationCode;
  exportZoneBind: typeof cloudflare.exportZoneBind;
  getApplication: typeof applications.getApplication;
  getDependencyHealth: typeof system.getDependencyHealth;
  getHealth: typeof system.getHealth;
  getJob: typeof jobs.getJob;
  getMe: typeof identity.getMe;
  getOpenApi: typeof system.getOpenApi;
  getSessionStatus: typeof identity.getSessionStatus;
  getSessionValue: typeof sessions.getSessionValue;
  getWorkspace: typeof workspaces.getWorkspace;
  listAccessLog: typeof accessLog.listAccessLog;
  listApiKeys: typeof identity.listApiKeys;
  listApplications: typeof applications.listApplications;
  listApplicationUsers: typeof sessions.listApplicationUsers;
  listApplicationUserValues: typeof sessions.listApplicationUserValues;
  listAuditEvents: typeof identity.listAuditEvents;
  listAutomationCredentials: typeof sessions.listAutomationCredentials;
  listCloudflareAccounts: typeof cloudflare.listCloudflareAccounts;
  listDnsRecords: typeof cloudflare.listDnsRecords;
  listInvites: typeof invites.listInvites;
  listJobEvents: typeof jobs.listJobEvents;
  listJobItems: typeof jobs.listJobItems;
  listJobs: typeof jobs.listJobs;
  listJobZones: typeof jobs.listJobZones;
  listMembers: typeof workspaces.listMembers;
  listOutbox: typeof identity.listOutbox;
  listSessions: typeof identity.listSessions;
  listSessionValues: typeof sessions.listSessionValues;
  listWorkspaceAuditEvents: typeof workspaceGovernance.listWorkspaceAuditEvents;
  listWorkspaces: typeof workspaces.listWorkspaces;
  listZones: typeof cloudflare.listZones;
  login: typeof identity.login;
  logout: typeof identity.logout;
  logoutAppSession: typeof sessions.logoutAppSession;
  logoutBrowser: typeof sessions.logoutBrowser;
  previewInvite: typeof invites.previewInvite;
  readApplicationUserValue: typeof sessions.readApplicationUserValue;
  removeMember: typeof workspaces.removeMember;
  renameWorkspace: typeof workspaces.renameWorkspace;
  requestPasswordReset: typeof identity.requestPasswordReset;
  resendInvite: typeof invites.resendInvite;
  resetPassword: typeof identity.resetPassword;
  retryJob: typeof jobs.retryJob;
  revertJob: typeof jobs.revertJob;
  revokeAllSessions: typeof identity.revokeAllSessions;
  revokeApplicationUser: typeof sessions.revokeApplicationUser;
  revokeInvite: typeof invites.revokeInvite;
  revokeOwnSessions: typeof sessions.revokeOwnSessions;
  revokeSession: typeof identity.revokeSession;
  setSessionValue: typeof sessions.setSessionValue;
  signup: typeof identity.signup;
  updateApplication: typeof applications.updateApplication;
  updateDnsRecord: typeof cloudflare.updateDnsRecord;
  updateWorkspaceSettings: typeof workspaceGovernance.updateWorkspaceSettings;
  verifyAuditChain: typeof identity.verifyAuditChain;
  verifyCloudflareAccount: typeof cloudflare.verifyCloudflareAccount;
  verifyWorkspaceAuditChain: typeof workspaceGovernance.verifyWorkspaceAuditChain;
}
