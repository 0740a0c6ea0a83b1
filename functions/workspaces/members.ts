/**
 * Members: list, change a role, remove (removing yourself is leaving). The
 * rules, enforced here whatever the route:
 *   - ADMIN manages members but never an OWNER, and never makes an OWNER
 *     (that is `workspace.transfer`, OWNER only);
 *   - the last OWNER can be neither demoted nor removed, nor leave;
 *   - the personal workspace's user stays its OWNER;
 *   - every change commits under the workspace's version, so concurrent
 *     changes cannot leave a workspace without an OWNER (the loser retries on
 *     fresh reads, then answers 409).
 * A changed or removed member is refused on their very next request: the
 * authenticator reads the membership on every request.
 */
import type { Role } from '../contracts/workspaces';
import { ConflictError } from '../data/errors';
import { readGuardFirst } from '../data/guarded-reads';
import { DomainError, notFound } from '../errors';
import { limitsFor } from '../platform/tiers';
import type { Actor } from '../tenancy/actor';
import type { WorkspaceDeps } from './deps';
import { assertCan } from './permissions';
import { createWorkspaceStore } from './store';
import { workspaceNotFound } from './workspaces';

export interface MemberView {
  userId: string;
  role: Role;
  joinedAt: string;
}

const ATTEMPTS = 8;

export async function listMembers(deps: WorkspaceDeps, actor: Actor): Promise<MemberView[]> {
  assertCan(actor, 'members.read');
  const members = await createWorkspaceStore(deps.repo).listMembers(actor.tenant.id);
  return members.map((m) => ({ userId: m.userId, role: m.role, joinedAt: m.joinedAt })).sort((a, b) => a.joinedAt.localeCompare(b.joinedAt));
}

const lastOwner = () => new DomainError('conflict', 'A workspace keeps at least one OWNER: make another member OWNER first', { code: 'last-owner' });
const personalOwner = () => new DomainError('conflict', 'The personal workspace stays with its user', { code: 'personal-workspace' });

/** Changes `userId`'s role, or removes them (`'remove'`; `userId === actor.memberId` is leaving). */
async function changeMembership(deps: WorkspaceDeps, actor: Actor, userId: string, change: { role: Role } | 'remove'): Promise<MemberView | undefined> {
  const leaving = change === 'remove' && userId === actor.memberId;
  if (!leaving) assertCan(actor, 'members.manage');
  const store = createWorkspaceStore(deps.repo);
  const workspaceId = actor.tenant.id;
  for (let attempt = 1; ; attempt++) {
    const [workspace, members] = await readGuardFirst(() => store.getWorkspace(workspaceId), () => store.listMembers(workspaceId));
    if (!workspace) throw workspaceNotFound();
    const target = members.find((m) => m.userId === userId);
    if (!target) throw notFound('Member');
    const touchesOwner = target.role === 'OWNER' || (change !== 'remove' && change.role === 'OWNER');
    if (touchesOwner && !leaving) assertCan(actor, 'workspace.transfer');
    if (workspace.personal && userId === workspaceId && (change === 'remove' || change.role !== 'OWNER')) throw personalOwner();
    const ownersAfter = members.filter((m) => (m.userId === userId ? change !== 'remove' && change.role === 'OWNER' : m.role === 'OWNER')).length;
    if (ownersAfter === 0) throw lastOwner();
    if (change !== 'remove' && change.role === target.role) return { userId, role: target.role, joinedAt: target.joinedAt };
    try {
      await store.changeMember({ id: workspaceId, version: workspace.version, membersRevision: workspace.membersRevision }, target, change);
    } catch (err) {
      if (err instanceof ConflictError && attempt < ATTEMPTS) {
        await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 20 * attempt)));
        continue;
      }
      throw err;
    }
    if (change === 'remove') await store.unlink(userId, workspaceId);
    await deps.audit.record(
      actor.tenant,
      {
        type: change === 'remove' ? (leaving ? 'workspace.member.left' : 'workspace.member.removed') : 'workspace.member.role-changed',
        actor: `user#${actor.memberId}`,
        metadata: change === 'remove' ? { userId } : { userId, from: target.role, to: change.role },
      },
      { retentionDays: limitsFor(actor.tier).auditRetentionDays },
    );
    return change === 'remove' ? undefined : { userId, role: change.role, joinedAt: target.joinedAt };
  }
}

export async function changeMemberRole(deps: WorkspaceDeps, actor: Actor, userId: string, role: Role): Promise<MemberView> {
  return (await changeMembership(deps, actor, userId, { role }))!;
}

/** Removes a member; removing yourself is leaving (needs no permission, but the last OWNER cannot). */
export async function removeMember(deps: WorkspaceDeps, actor: Actor, userId: string): Promise<void> {
  await changeMembership(deps, actor, userId, 'remove');
}

/**
 * Adds a member (the invites domain calls this when an invite is accepted; tests use it):
 * under the workspace's version like every membership change.
 */
export async function addMember(deps: WorkspaceDeps, actor: Actor, userId: string, role: Role): Promise<MemberView> {
  assertCan(actor, 'members.manage');
  if (role === 'OWNER') assertCan(actor, 'workspace.transfer');
  const store = createWorkspaceStore(deps.repo);
  const joinedAt = new Date(deps.now()).toISOString();
  for (let attempt = 1; ; attempt++) {
    const workspace = await store.getWorkspace(actor.tenant.id);
    if (!workspace) throw workspaceNotFound();
    try {
      await store.addMember({ id: actor.tenant.id, version: workspace.version, membersRevision: workspace.membersRevision }, userId, { role, joinedAt, revision: 1 });
    } catch (err) {
      if (err instanceof ConflictError && err.reason === 'version' && attempt < ATTEMPTS) continue;
      if (err instanceof ConflictError && err.reason === 'exists') throw new DomainError('conflict', 'Already a member', { code: 'already-member' });
      throw err;
    }
    await store.link(userId, actor.tenant.id, joinedAt);
    await deps.audit.record(
      actor.tenant,
      { type: 'workspace.member.added', actor: `user#${actor.memberId}`, metadata: { userId, role } },
      { retentionDays: limitsFor(actor.tier).auditRetentionDays },
    );
    return { userId, role, joinedAt };
  }
}
