/**
 * Invite items and every write that touches them. In the workspace's
 * partition (`T#workspace#<id>`):
 *   INVITE#<inviteId>   email (encrypted), emailIndex (blind index of the
 *                       email, for matching the accepting user), role,
 *                       secretHash (SHA-256 of the token's secret, never the
 *                       token), invitedBy, createdAt, expiresAt; `ttl` =
 *                       expiresAt (DynamoDB removes it after expiry)
 * Creating an invite and accepting one both update the workspace item under
 * its version, like every membership change: seats are counted on reads
 * that are still true when the write commits, and an accept claims the
 * invite (delete at its version) in the same transaction as the membership.
 */
import { defineEntity } from '../data/entity';
import type { Role } from '../contracts/workspaces';
import { workspaceTenant } from '../tenancy/tenant';
import { MemberEntity, memberSk, WORKSPACE_SK, WorkspaceEntity, type MemberItem } from './entities';
import type { StoreRepo } from './store';

export interface InviteItem {
  email: string;
  emailIndex: string;
  role: Role;
  secretHash: string;
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
  /** Resends so far (at most MAX_INVITE_RESENDS: the mail port is not a way to flood an inbox). Absent = 0. */
  resends?: number;
}
export const InviteEntity = defineEntity<InviteItem>({ name: 'workspace-invite', skPrefix: 'INVITE#', encrypted: ['email'] });
export const inviteSk = (inviteId: string) => `INVITE#${inviteId}`;

type WorkspaceAt = { id: string; version: number; membersRevision: number };
const ttlOf = (item: InviteItem) => Math.ceil(Date.parse(item.expiresAt) / 1000);

export function createInviteStore(repo: StoreRepo) {
  return {
    get: (workspaceId: string, inviteId: string) => repo.get(workspaceTenant(workspaceId), InviteEntity, inviteSk(inviteId), { consistent: true }),
    page: (workspaceId: string, page: { cursor?: string; limit: number }) =>
      repo.query(workspaceTenant(workspaceId), InviteEntity, { limit: page.limit, cursor: page.cursor, consistent: true }),
    async all(workspaceId: string) {
      const out = [];
      let cursor: string | undefined;
      do {
        const page = await repo.query(workspaceTenant(workspaceId), InviteEntity, { limit: 100, cursor, consistent: true });
        out.push(...page.items);
        cursor = page.cursor;
      } while (cursor);
      return out;
    },
    /** A new invite, under the workspace's version (the seat count read before holds). */
    async create(workspace: WorkspaceAt, inviteId: string, item: InviteItem): Promise<void> {
      await repo
        .tx(workspaceTenant(workspace.id))
        .update(WorkspaceEntity, WORKSPACE_SK, { membersRevision: workspace.membersRevision + 1 }, { expectedVersion: workspace.version })
        .create(InviteEntity, inviteSk(inviteId), item, { ttl: ttlOf(item) })
        .commit();
    },
    /** New secret and expiry at the invite's version: the old link dies with the old hash. */
    async replace(workspaceId: string, inviteId: string, item: InviteItem, expectedVersion: number): Promise<void> {
      await repo.tx(workspaceTenant(workspaceId)).put(InviteEntity, inviteSk(inviteId), item, { expectedVersion, ttl: ttlOf(item) }).commit();
    },
    remove: (workspaceId: string, inviteId: string) => repo.delete(workspaceTenant(workspaceId), InviteEntity, inviteSk(inviteId)),
    /**
     * The accept: the invite is claimed (deleted at the version that was read) and the member
     * created, under the workspace's version, in one transaction: a second claim of the same
     * invite, or a concurrent join that changed the member count, fails with ConflictError.
     */
    async claim(workspace: WorkspaceAt, inviteId: string, inviteVersion: number, userId: string, member: MemberItem): Promise<void> {
      await repo
        .tx(workspaceTenant(workspace.id))
        .update(WorkspaceEntity, WORKSPACE_SK, { membersRevision: workspace.membersRevision + 1 }, { expectedVersion: workspace.version })
        .delete(InviteEntity, inviteSk(inviteId), { expectedVersion: inviteVersion })
        .create(MemberEntity, memberSk(userId), member)
        .commit();
    },
  };
}
