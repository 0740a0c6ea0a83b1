/**
 * Workspaces: the tenant of Cloudflare accounts, jobs and tier limits. A
 * workspace is named by the path (management routes) or by the credential
 * (a session's active workspace, an API key's workspace) — never by a body.
 * Roles: OWNER > ADMIN > USER (the permission matrix: functions/workspaces/permissions.ts).
 */
import * as z from 'zod';
import { defineRoute } from './route';
import { Id, IsoTime } from './common';
import { TIERS } from './tiers';

export const ROLES = ['OWNER', 'ADMIN', 'USER'] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = z.enum(ROLES);
/** A caller's standing in a workspace: a member's role, or SUPPORT (operator staff with a time-limited grant; read-only, never a member). */
export const CallerRoleSchema = z.enum([...ROLES, 'SUPPORT']);

const WorkspaceParams = z.object({ workspaceId: Id });
const MemberParams = z.object({ workspaceId: Id, userId: Id });
const WorkspaceName = z.string().trim().min(1).max(100);

export const Workspace = z.object({
  id: Id,
  name: z.string(),
  tier: z.enum(TIERS),
  /** True for the workspace made at signup (its id is the user's id); it cannot be deleted. */
  personal: z.boolean(),
  /** The caller's role in it (SUPPORT only on a read by support staff). */
  role: CallerRoleSchema,
  /** True when it is the workspace the calling credential acts on. */
  active: z.boolean(),
  /** Two-person rule: jobs are applied only after an ADMIN/OWNER other than the planner approves them. */
  twoPersonRule: z.boolean(),
  createdAt: IsoTime,
});

export const Member = z.object({
  userId: Id,
  role: RoleSchema,
  joinedAt: IsoTime,
});

export const listWorkspaces = defineRoute({
  operationId: 'listWorkspaces',
  permission: null,
  method: 'GET',
  path: '/api/v1/workspaces',
  fn: 'workspaces',
  auth: 'user',
  tenancy: 'caller',
  scope: 'account:read',
  summary: "The caller's workspaces, with their role in each and which one the credential acts on",
  tags: ['workspaces'],
  response: z.object({ workspaces: z.array(Workspace) }),
});

export const createWorkspace = defineRoute({
  operationId: 'createWorkspace',
  permission: null,
  method: 'POST',
  path: '/api/v1/workspaces',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Create a workspace (the caller is its OWNER); it does not become active until activated',
  tags: ['workspaces'],
  body: z.object({ name: WorkspaceName }).strict(),
  response: z.object({ workspace: Workspace }),
  successStatus: 201,
});

export const getWorkspace = defineRoute({
  operationId: 'getWorkspace',
  permission: 'workspace.read',
  method: 'GET',
  path: '/api/v1/workspaces/{workspaceId}',
  fn: 'workspaces',
  auth: 'user',
  tenancy: 'caller',
  scope: 'account:read',
  summary: 'One workspace the caller belongs to (404 otherwise)',
  tags: ['workspaces'],
  params: WorkspaceParams,
  response: z.object({ workspace: Workspace }),
});

export const renameWorkspace = defineRoute({
  operationId: 'renameWorkspace',
  permission: 'workspace.rename',
  method: 'PATCH',
  path: '/api/v1/workspaces/{workspaceId}',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Rename a workspace (OWNER)',
  tags: ['workspaces'],
  params: WorkspaceParams,
  body: z.object({ name: WorkspaceName }).strict(),
  response: z.object({ workspace: Workspace }),
});

export const deleteWorkspace = defineRoute({
  operationId: 'deleteWorkspace',
  permission: 'workspace.delete',
  method: 'DELETE',
  path: '/api/v1/workspaces/{workspaceId}',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Delete a workspace (OWNER; not the personal one; refused while jobs run): its key is shredded, its data unreadable',
  tags: ['workspaces'],
  params: WorkspaceParams,
  successStatus: 204,
});

export const activateWorkspace = defineRoute({
  operationId: 'activateWorkspace',
  permission: 'workspace.read',
  method: 'POST',
  path: '/api/v1/workspaces/{workspaceId}/activate',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary: "Make a workspace the session's active one (Cloudflare and job routes act on it)",
  tags: ['workspaces'],
  params: WorkspaceParams,
  response: z.object({ workspace: Workspace }),
});

export const listMembers = defineRoute({
  operationId: 'listMembers',
  permission: 'members.read',
  method: 'GET',
  path: '/api/v1/workspaces/{workspaceId}/members',
  fn: 'workspaces',
  auth: 'user',
  tenancy: 'caller',
  scope: 'account:read',
  summary: "A workspace's members and their roles",
  tags: ['workspaces'],
  params: WorkspaceParams,
  response: z.object({ members: z.array(Member) }),
});

export const changeMemberRole = defineRoute({
  operationId: 'changeMemberRole',
  permission: 'members.manage',
  method: 'PATCH',
  path: '/api/v1/workspaces/{workspaceId}/members/{userId}',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary: "Change a member's role (ADMIN: not owners, not to OWNER; the last OWNER cannot be demoted)",
  tags: ['workspaces'],
  params: MemberParams,
  body: z.object({ role: RoleSchema }).strict(),
  response: z.object({ member: Member }),
});

export const removeMember = defineRoute({
  operationId: 'removeMember',
  permission: 'members.manage',
  method: 'DELETE',
  path: '/api/v1/workspaces/{workspaceId}/members/{userId}',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Remove a member (ADMIN: not owners); removing yourself is leaving (the last OWNER cannot leave)',
  tags: ['workspaces'],
  params: MemberParams,
  successStatus: 204,
});

export const workspaceRoutes = [
  listWorkspaces,
  createWorkspace,
  getWorkspace,
  renameWorkspace,
  deleteWorkspace,
  activateWorkspace,
  listMembers,
  changeMemberRole,
  removeMember,
];
