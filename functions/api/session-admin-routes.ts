/**
 * A workspace admin's routes over an application's users that belong to the hosted login (served
 * by the sessions function): revoking a user's tokens and the automation credentials. The vault's
 * own admin routes (users, values, deletes) are in vault-admin.ts; this module gives them the
 * sessions domain's ports (the user directory, ending a user's sessions before a shred).
 * The workspace is named by the path; `memberActor` gives the caller's role (404 for a non-member);
 * the domains check `applications.manage` and audit.
 */
import * as s from '../contracts/sessions';
import type { DataLayer } from '../data/from-env';
import type { RequestMeta } from '../http/auth';
import { bind } from '../http/handler';
import type { ApplicationAuditContext } from '../applications/applications';
import { forgetAppUser, type AppAuthDeps } from '../app-auth/app-sessions';
import { appUserDirectory, revokeApplicationUser } from '../app-auth/app-users';
import { createAutomationCredential, deleteAutomationCredential, listAutomationCredentials } from '../app-auth/automation';
import type { Principal } from '../tenancy/principal';
import { memberActor } from '../workspaces/workspaces';
import type { VaultAdminPorts } from './vault-admin';

function auditContextOf(principal: Principal, meta: RequestMeta): ApplicationAuditContext {
  return { label: `user#${principal.userId}`, requestId: meta.requestId, ip: meta.ip, userAgent: meta.userAgent };
}

/** What the vault's admin routes need from the sessions domain. */
export function sessionPorts(appDeps: AppAuthDeps): VaultAdminPorts {
  return {
    directory: appUserDirectory(appDeps),
    // Deleting a user: their tokens end, and they leave the application's user list.
    endSessions: (actor, applicationId, userId) => forgetAppUser(appDeps, actor.tenant, applicationId, userId),
  };
}

export function sessionAdminBindings(data: Pick<DataLayer, 'repo' | 'audit'>, appDeps: AppAuthDeps) {
  const adminDeps = { ...appDeps, audit: data.audit };
  const member = (principal: Principal, workspaceId: string) => memberActor({ repo: data.repo, now: appDeps.now }, principal.userId, workspaceId);
  return [
    bind(s.revokeApplicationUser, async (req) => {
      const { params } = req;
      await revokeApplicationUser(adminDeps, await member(req.principal, params.workspaceId), auditContextOf(req.principal, req), params.applicationId, params.userId);
      return { status: 204 };
    }),
    bind(s.createAutomationCredential, async (req) => ({
      status: 201,
      body: await createAutomationCredential(adminDeps, await member(req.principal, req.params.workspaceId), auditContextOf(req.principal, req), req.params.applicationId, req.body.name),
    })),
    bind(s.listAutomationCredentials, async (req) => ({
      body: { credentials: await listAutomationCredentials(adminDeps, await member(req.principal, req.params.workspaceId), req.params.applicationId) },
    })),
    bind(s.deleteAutomationCredential, async (req) => {
      const { params } = req;
      await deleteAutomationCredential(adminDeps, await member(req.principal, params.workspaceId), auditContextOf(req.principal, req), params.applicationId, params.credentialId);
      return { status: 204 };
    }),
  ];
}
