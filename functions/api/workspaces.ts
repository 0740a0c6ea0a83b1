/**
 * Workspaces and members (thin: parse → authorize → domain → HTTP). A
 * workspace is named by the path; the caller's membership and role come from
 * `memberActor` (one consistent read): a non-member gets 404.
 */
import * as c from '../contracts/workspaces';
import { dataLayerFromEnv } from '../data/from-env';
import { bind, httpFunction } from '../http/handler';
import { accessRecorder } from './access-recorder';
import { applicationBindings } from './applications-routes';
import { workspaceGovernanceBindings } from './workspace-governance';
import { identityFromEnv } from '../identity/from-env';
import { inviteRoutes } from './invites-routes';
import { setActiveWorkspace } from '../identity/sessions';
import { activeJobCount } from '../jobs/reads';
import type { Principal } from '../tenancy/principal';
import type { WorkspaceDeps } from '../workspaces/deps';
import { changeMemberRole, listMembers, removeMember } from '../workspaces/members';
import { workspaceActor } from '../workspaces/support';
import { createWorkspace, deleteWorkspace, getWorkspace, listWorkspaces, memberActor, renameWorkspace } from '../workspaces/workspaces';

const data = dataLayerFromEnv();
const { deps: identity, authenticate } = identityFromEnv();
const deps: WorkspaceDeps = { repo: data.repo, keyring: data.keyring, audit: data.audit, now: Date.now };

/** The caller as a member of the workspace in the path (404 if not one). */
const member = (principal: Principal, workspaceId: string) => memberActor(deps, principal.userId, workspaceId);
/** A member, or operator staff under a SUPPORT grant for a read SUPPORT holds (audited as support.read). */
const reader = (principal: Principal, workspaceId: string, route: Parameters<typeof workspaceActor>[3]) => workspaceActor(deps, principal.userId, workspaceId, route);

export const handler = httpFunction(
  'workspaces',
  [
    bind(c.listWorkspaces, async (req) => ({ body: { workspaces: await listWorkspaces(deps, req.principal.userId, req.principal.tenant.id) } })),
    bind(c.createWorkspace, async (req) => ({ status: 201, body: { workspace: await createWorkspace(deps, req.principal.userId, req.body) } })),
    bind(c.getWorkspace, async (req) => ({
      body: { workspace: await getWorkspace(deps, await reader(req.principal, req.params.workspaceId, c.getWorkspace), req.principal.tenant.id) },
    })),
    bind(c.renameWorkspace, async (req) => ({
      body: { workspace: await renameWorkspace(deps, await member(req.principal, req.params.workspaceId), req.body.name) },
    })),
    bind(c.deleteWorkspace, async (req) => {
      await deleteWorkspace(deps, await member(req.principal, req.params.workspaceId), (tenant) => activeJobCount(data, tenant));
      return { status: 204 };
    }),
    bind(c.activateWorkspace, async (req) => {
      const actor = await member(req.principal, req.params.workspaceId);
      await setActiveWorkspace(identity, req.principal.userId, req.principal.credentialId, req.params.workspaceId);
      // This container's workspace guess names the old workspace: drop it (a miss only costs a second read).
      authenticate.forget(req.principal.userId);
      return { body: { workspace: await getWorkspace(deps, actor, req.params.workspaceId) } };
    }),
    bind(c.listMembers, async (req) => ({ body: { members: await listMembers(deps, await reader(req.principal, req.params.workspaceId, c.listMembers)) } })),
    bind(c.changeMemberRole, async (req) => ({
      body: { member: await changeMemberRole(deps, await member(req.principal, req.params.workspaceId), req.params.userId, req.body.role) },
    })),
    bind(c.removeMember, async (req) => {
      await removeMember(deps, await member(req.principal, req.params.workspaceId), req.params.userId);
      return { status: 204 };
    }),
    ...inviteRoutes(data, identity),
    ...workspaceGovernanceBindings,
    ...applicationBindings,
  ],
  { authenticate, recordAccess: accessRecorder() },
);
