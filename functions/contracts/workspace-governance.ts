/**
 * Workspace governance routes: the settings (the two-person rule, OWNER) and
 * the workspace's audit log (ADMIN+, `logs.read`): the hash-chained events of
 * the workspace tenant (workspace, members, Cloudflare accounts, job approvals).
 * The workspace is named by the path; a non-member gets 404.
 */
import * as z from 'zod';
import { defineRoute } from './route';
import { Id, PageQuery } from './common';
import { AuditChainReport, AuditEvent } from './identity';

const WorkspaceParams = z.object({ workspaceId: Id });

export const WorkspaceSettings = z.object({
  /** When true, a job is applied only after an ADMIN/OWNER other than its planner approves it. */
  twoPersonRule: z.boolean(),
});

export const updateWorkspaceSettings = defineRoute({
  operationId: 'updateWorkspaceSettings',
  permission: 'workspace.settings',
  method: 'PATCH',
  path: '/api/v1/workspaces/{workspaceId}/settings',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary: "Change the workspace's settings (OWNER): the two-person rule for applying jobs",
  tags: ['workspaces'],
  params: WorkspaceParams,
  body: WorkspaceSettings.partial().strict().refine((b) => Object.keys(b).length > 0, 'give at least one setting'),
  response: z.object({ settings: WorkspaceSettings }),
});

export const listWorkspaceAuditEvents = defineRoute({
  operationId: 'listWorkspaceAuditEvents',
  permission: 'logs.read',
  method: 'GET',
  path: '/api/v1/workspaces/{workspaceId}/audit-events',
  fn: 'workspaces',
  auth: 'user',
  tenancy: 'caller',
  scope: 'audit:read',
  summary: "The workspace's audit events (ADMIN+), newest first: workspace, members, Cloudflare accounts, job approvals",
  tags: ['workspaces', 'audit'],
  params: WorkspaceParams,
  query: PageQuery,
  response: z.object({ events: z.array(AuditEvent), nextCursor: z.string().nullable() }),
});

/** Reads the whole chain, so it is its own route. */
export const verifyWorkspaceAuditChain = defineRoute({
  operationId: 'verifyWorkspaceAuditChain',
  permission: 'logs.read',
  method: 'GET',
  path: '/api/v1/workspaces/{workspaceId}/audit-events/verify',
  fn: 'workspaces',
  auth: 'user',
  tenancy: 'caller',
  scope: 'audit:read',
  summary: "Verify the hash chain of the workspace's audit events (ADMIN+)",
  tags: ['workspaces', 'audit'],
  params: WorkspaceParams,
  response: AuditChainReport,
});

export const workspaceGovernanceRoutes = [updateWorkspaceSettings, listWorkspaceAuditEvents, verifyWorkspaceAuditChain];
