/** Workspace settings and the workspace audit log (bound here, served by the workspaces function). */
import * as c from '../contracts/workspace-governance';
import { dataLayerFromEnv } from '../data/from-env';
import { bind } from '../http/handler';
import type { WorkspaceDeps } from '../workspaces/deps';
import { listWorkspaceAudit, updateWorkspaceSettings, verifyWorkspaceAudit } from '../workspaces/governance';
import { workspaceActor } from '../workspaces/support';
import { memberActor } from '../workspaces/workspaces';
import { auditPage, chainReport } from './audit-views';

const data = dataLayerFromEnv();
const deps: WorkspaceDeps = { repo: data.repo, keyring: data.keyring, audit: data.audit, now: Date.now };
const member = (userId: string, workspaceId: string) => memberActor(deps, userId, workspaceId);
/** A member, or operator staff under a SUPPORT grant for a read SUPPORT holds (audited as support.read). */
const reader = (userId: string, workspaceId: string, route: Parameters<typeof workspaceActor>[3]) => workspaceActor(deps, userId, workspaceId, route);

export const workspaceGovernanceBindings = [
  bind(c.updateWorkspaceSettings, async (req) => ({
    body: { settings: await updateWorkspaceSettings(deps, await member(req.principal.userId, req.params.workspaceId), req.body) },
  })),
  bind(c.listWorkspaceAuditEvents, async (req) => {
    const page = await listWorkspaceAudit(data, await reader(req.principal.userId, req.params.workspaceId, c.listWorkspaceAuditEvents), req.query);
    return { body: auditPage(page) };
  }),
  bind(c.verifyWorkspaceAuditChain, async (req) => {
    const chain = await verifyWorkspaceAudit(data, await reader(req.principal.userId, req.params.workspaceId, c.verifyWorkspaceAuditChain));
    return { body: chainReport(chain) };
  }),
];
