/**
 * Invites: an ADMIN or OWNER invites an email address into a workspace with a
 * role; the mailed single-use link (`PUBLIC_URL/invites/accept#token=…`, the
 * token in the fragment) is accepted by the user signed in with that address.
 * Pending invites count toward the tier's member cap (`membersPerWorkspace`).
 * The token travels only in bodies (never in a URL the server sees: access
 * logs keep paths and query strings), so preview is a POST.
 */
import * as z from 'zod';
import { defineRoute } from './route';
import { Cursor, Email, Id, IsoTime } from './common';
import { RoleSchema } from './workspaces';

const WorkspaceParams = z.object({ workspaceId: Id });
const InviteParams = z.object({ workspaceId: Id, inviteId: Id });
/** `fv_inv_<workspaceId>.<inviteId>.<secret>`: bounded, checked in full by the domain. */
const InviteToken = z.string().min(1).max(256);

export const Invite = z.object({
  id: Id,
  email: z.string(),
  role: RoleSchema,
  invitedBy: Id,
  createdAt: IsoTime,
  expiresAt: IsoTime,
});

export const createInvite = defineRoute({
  operationId: 'createInvite',
  permission: 'invites.manage',
  method: 'POST',
  path: '/api/v1/workspaces/{workspaceId}/invites',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Invite an email address with a role (ADMIN: not OWNER); mails a single-use link; 429 past the tier’s member cap (pending invites count)',
  tags: ['workspaces'],
  params: WorkspaceParams,
  body: z.object({ email: Email, role: RoleSchema }).strict(),
  response: z.object({ invite: Invite }),
  successStatus: 201,
});

export const listInvites = defineRoute({
  operationId: 'listInvites',
  permission: 'invites.manage',
  method: 'GET',
  path: '/api/v1/workspaces/{workspaceId}/invites',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Pending invites of a workspace (ADMIN), one page at a time',
  tags: ['workspaces'],
  params: WorkspaceParams,
  query: z.object({ cursor: Cursor.optional(), limit: z.coerce.number().int().min(1).max(100).default(50) }),
  response: z.object({ invites: z.array(Invite), nextCursor: z.string().nullable() }),
});

export const resendInvite = defineRoute({
  operationId: 'resendInvite',
  permission: 'invites.manage',
  method: 'POST',
  path: '/api/v1/workspaces/{workspaceId}/invites/{inviteId}/resend',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Mail the invite again with a new link and a new expiry; the old link stops working',
  tags: ['workspaces'],
  params: InviteParams,
  response: z.object({ invite: Invite }),
});

export const revokeInvite = defineRoute({
  operationId: 'revokeInvite',
  permission: 'invites.manage',
  method: 'DELETE',
  path: '/api/v1/workspaces/{workspaceId}/invites/{inviteId}',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Revoke a pending invite (its link stops working, its seat is free again)',
  tags: ['workspaces'],
  params: InviteParams,
  successStatus: 204,
});

export const previewInvite = defineRoute({
  operationId: 'previewInvite',
  method: 'POST',
  path: '/api/v1/invites/preview',
  fn: 'workspaces',
  auth: 'public',
  summary: 'What an invite link offers (workspace name, role, expiry; never the address), for the accept page; 404 if invalid, used, revoked or expired',
  tags: ['workspaces'],
  body: z.object({ token: InviteToken }).strict(),
  response: z.object({ workspaceId: Id, workspaceName: z.string(), role: RoleSchema, expiresAt: IsoTime }),
});

export const acceptInvite = defineRoute({
  operationId: 'acceptInvite',
  permission: null,
  method: 'POST',
  path: '/api/v1/invites/accept',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary:
    'Accept an invite as the signed-in user (401 signed out; 403 `invite-email-mismatch` when signed in with another address; 404 invalid/used/revoked/expired; 429 member cap)',
  tags: ['workspaces'],
  body: z.object({ token: InviteToken }).strict(),
  response: z.object({ workspaceId: Id, workspaceName: z.string(), role: RoleSchema }),
});

export const inviteRoutes = [createInvite, listInvites, resendInvite, revokeInvite, previewInvite, acceptInvite];
