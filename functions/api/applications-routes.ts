/**
 * Applications and the API-access log of a workspace (bound here, served by the
 * workspaces function). The workspace is named by the path; the caller's role
 * comes from `memberActor` (404 for a non-member).
 */
import { listAccess } from '../access-log/access-log';
import { createApplication, deleteApplication, getApplication, listApplications, updateApplication, type ApplicationAuditContext, type ApplicationDeps } from '../applications/applications';
import * as a from '../contracts/applications';
import * as l from '../contracts/access-log';
import { accessLogDeps } from '../access-log/deps';
import { shredApplication, type VaultDeps } from '../vault/values';
import { dataLayerFromEnv } from '../data/from-env';
import type { RequestMeta } from '../http/auth';
import { bind } from '../http/handler';
import type { Principal } from '../tenancy/principal';
import { workspaceActor } from '../workspaces/support';
import { memberActor } from '../workspaces/workspaces';
import { withUserState } from '../tenancy/actor';

const data = dataLayerFromEnv();
const deps: ApplicationDeps = { repo: data.repo, audit: data.audit, now: Date.now };
const vaultDeps: VaultDeps = { repo: data.repo, table: data.table, blind: data.blind, now: Date.now };
const logDeps = accessLogDeps(data.repo);
const member = async (principal: Principal, workspaceId: string) => withUserState(await memberActor({ repo: data.repo, now: Date.now }, principal.userId, workspaceId), principal);

function auditContextOf(principal: Principal, meta: RequestMeta): ApplicationAuditContext {
  return {
    label: principal.credential === 'api-key' ? `apikey#${principal.credentialId}` : `user#${principal.userId}`,
    requestId: meta.requestId,
    ip: meta.ip,
    userAgent: meta.userAgent,
  };
}

export const applicationBindings = [
  bind(a.listApplications, async (req) => ({ body: await listApplications(deps, await member(req.principal, req.params.workspaceId), req.query) })),
  bind(a.createApplication, async (req) => ({
    status: 201,
    body: { application: await createApplication(deps, await member(req.principal, req.params.workspaceId), auditContextOf(req.principal, req), req.body) },
  })),
  bind(a.getApplication, async (req) => ({
    body: { application: await getApplication(deps, await member(req.principal, req.params.workspaceId), req.params.applicationId) },
  })),
  bind(a.updateApplication, async (req) => ({
    body: {
      application: await updateApplication(deps, await member(req.principal, req.params.workspaceId), auditContextOf(req.principal, req), req.params.applicationId, req.body),
    },
  })),
  bind(a.deleteApplication, async (req) => {
    const actor = await member(req.principal, req.params.workspaceId);
    await deleteApplication(deps, actor, auditContextOf(req.principal, req), req.params.applicationId);
    // Its end users' values go with it: each user's data key first (unreadable at once), then the values.
    await shredApplication(vaultDeps, actor.tenant, req.params.applicationId);
    return { status: 204 };
  }),
  bind(l.listAccessLog, async (req) => ({ body: await listAccess(
      logDeps,
      // A member, or operator staff under a SUPPORT grant (audited as support.read).
      await workspaceActor({ repo: data.repo, audit: data.audit, now: Date.now }, req.principal.userId, req.params.workspaceId, l.listAccessLog),
      req.query,
    ) })),
];
