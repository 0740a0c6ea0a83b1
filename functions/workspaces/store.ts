/**
 * The workspaces store: every read and write of workspace, membership and
 * link items, in intentions (create with owner, change a member under the
 * workspace's version, forget). Conditions live in the repository's writes;
 * callers never build keys or expressions.
 */
import type { Entity } from '../data/entity';
import type { Repository, Stored } from '../data/repository';
import { ConflictError } from '../data/errors';
import type { Role } from '../contracts/workspaces';
import { userTenant, workspaceTenant, type Tenant } from '../tenancy/tenant';
import {
  MemberEntity,
  memberSk,
  WORKSPACE_SK,
  WorkspaceEntity,
  WorkspaceLinkEntity,
  workspaceLinkSk,
  type MemberItem,
  type WorkspaceItem,
} from './entities';

export type StoreRepo = Pick<Repository, 'get' | 'query' | 'create' | 'update' | 'delete' | 'tx'>;

export function createWorkspaceStore(repo: StoreRepo) {
  async function all<T extends object>(tenant: Tenant, entity: Entity<T>): Promise<Array<Stored<T>>> {
    const out: Array<Stored<T>> = [];
    let cursor: string | undefined;
    do {
      const page = await repo.query(tenant, entity, { limit: 100, cursor, consistent: true });
      out.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return out;
  }

  return {
    getWorkspace: (workspaceId: string) => repo.get(workspaceTenant(workspaceId), WorkspaceEntity, WORKSPACE_SK, { consistent: true }),
    /** The member and workspace items as reads for `repo.getMany` (batched with a credential's items). */
    membershipReads: (workspaceId: string, userId: string) =>
      [
        { tenant: workspaceTenant(workspaceId), entity: MemberEntity, sk: memberSk(userId) },
        { tenant: workspaceTenant(workspaceId), entity: WorkspaceEntity, sk: WORKSPACE_SK },
      ] as const,
    /** One consistent read: the membership as it is now (never cached). */
    getMember: (workspaceId: string, userId: string) => repo.get(workspaceTenant(workspaceId), MemberEntity, memberSk(userId), { consistent: true }),
    listMembers: async (workspaceId: string) =>
      (await all(workspaceTenant(workspaceId), MemberEntity)).map((m) => ({ ...m, userId: m.sk.slice('MEMBER#'.length) })),
    listLinks: (userId: string) => all(userTenant(userId), WorkspaceLinkEntity),

    /** The workspace item and its first OWNER, in one transaction (ConflictError `exists` if it is there). */
    async createWithOwner(workspaceId: string, item: WorkspaceItem, ownerId: string): Promise<void> {
      await repo
        .tx(workspaceTenant(workspaceId))
        .create(WorkspaceEntity, WORKSPACE_SK, item)
        .create(MemberEntity, memberSk(ownerId), { role: 'OWNER' as Role, joinedAt: item.createdAt, revision: 1 })
        .commit();
    },
    /** The member's pointer in their own partition (idempotent). */
    async link(userId: string, workspaceId: string, at: string): Promise<void> {
      try {
        await repo.create(userTenant(userId), WorkspaceLinkEntity, workspaceLinkSk(workspaceId), { workspaceId, createdAt: at });
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    },
    async unlink(userId: string, workspaceId: string): Promise<void> {
      await repo.delete(userTenant(userId), WorkspaceLinkEntity, workspaceLinkSk(workspaceId)).catch((err: unknown) => {
        if (!(err instanceof ConflictError)) throw err;
      });
    },
    rename: (workspaceId: string, name: string, expectedVersion: number) =>
      repo.update(workspaceTenant(workspaceId), WorkspaceEntity, WORKSPACE_SK, { name }, { expectedVersion }),
    setSettings: (workspaceId: string, settings: Pick<WorkspaceItem, 'twoPersonRule'>, expectedVersion: number) =>
      repo.update(workspaceTenant(workspaceId), WorkspaceEntity, WORKSPACE_SK, settings, { expectedVersion }),
    setTier: (workspaceId: string, tier: WorkspaceItem['tier'], expectedVersion: number) =>
      repo.update(workspaceTenant(workspaceId), WorkspaceEntity, WORKSPACE_SK, { tier }, { expectedVersion }),

    /**
     * One membership change, conditional on the workspace's version (bumped here) and the
     * member's: a concurrent change makes it fail with ConflictError, so checks made on what was
     * read (e.g. "another OWNER remains") hold when it commits.
     */
    async changeMember(
      workspace: { id: string; version: number; membersRevision: number },
      member: { userId: string; version: number; revision: number },
      change: { role: Role } | 'remove',
    ): Promise<void> {
      const tx = repo
        .tx(workspaceTenant(workspace.id))
        .update(WorkspaceEntity, WORKSPACE_SK, { membersRevision: workspace.membersRevision + 1 }, { expectedVersion: workspace.version });
      if (change === 'remove') tx.delete(MemberEntity, memberSk(member.userId), { expectedVersion: member.version });
      else tx.update(MemberEntity, memberSk(member.userId), { role: change.role, revision: member.revision + 1 }, { expectedVersion: member.version });
      await tx.commit();
    },
    /** A new member, under the workspace's version (ConflictError `exists` if already one). */
    async addMember(workspace: { id: string; version: number; membersRevision: number }, userId: string, member: MemberItem): Promise<void> {
      await repo
        .tx(workspaceTenant(workspace.id))
        .update(WorkspaceEntity, WORKSPACE_SK, { membersRevision: workspace.membersRevision + 1 }, { expectedVersion: workspace.version })
        .create(MemberEntity, memberSk(userId), member)
        .commit();
    },
    /**
     * Removes the workspace item at `version` (ConflictError if a change, e.g. a join, moved it:
     * `members` may be stale), then every membership (their keys are shredded separately).
     */
    async forget(workspaceId: string, version: number, members: ReadonlyArray<{ userId: string }>): Promise<void> {
      const tenant = workspaceTenant(workspaceId);
      await repo.delete(tenant, WorkspaceEntity, WORKSPACE_SK, { expectedVersion: version });
      await Promise.all(members.map((m) => repo.delete(tenant, MemberEntity, memberSk(m.userId)).catch(() => undefined)));
    },
  };
}

export type WorkspaceStore = ReturnType<typeof createWorkspaceStore>;
