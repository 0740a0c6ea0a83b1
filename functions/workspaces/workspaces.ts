/**
 * Workspaces: create, resolve a member (what the authenticator and the
 * path-named routes use), list, read, rename, delete (crypto-shred), set tier.
 * The personal workspace has the id of its user (`workspaceTenant(userId)`),
 * is made at signup (or lazily for users from before workspaces) and can be
 * neither deleted nor left.
 */
import { randomBytes } from 'node:crypto';
import type { Role } from '../contracts/workspaces';
import { DomainError } from '../errors';
import { limitsFor, type Tier } from '../platform/tiers';
import type { Actor, ActorRole } from '../tenancy/actor';
import { workspaceTenant } from '../tenancy/tenant';
import { ConflictError } from '../data/errors';
import { readGuardFirst } from '../data/guarded-reads';
import type { ActiveJobCount, WorkspaceDeps } from './deps';
import type { WorkspaceItem } from './entities';
import { assertCan } from './permissions';
import { createWorkspaceStore } from './store';
import { liveSupportGrant, supportReadOnly } from './support-grant';

export interface WorkspaceView {
  id: string;
  name: string;
  tier: Tier;
  personal: boolean;
  /** The caller's role; SUPPORT for operator staff reading under a grant. */
  role: ActorRole;
  active: boolean;
  twoPersonRule: boolean;
  createdAt: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const storeOf = (deps: Pick<WorkspaceDeps, 'repo'>) => createWorkspaceStore(deps.repo);
/** Rounds of a workspace delete while joins or other changes move the workspace's version. */
const DELETE_ATTEMPTS = 8;
export const PERSONAL_WORKSPACE_NAME = 'Personal';

function view(id: string, w: WorkspaceItem, role: ActorRole, activeId?: string): WorkspaceView {
  return { id, name: w.name, tier: w.tier, personal: w.personal, role, active: id === activeId, twoPersonRule: w.twoPersonRule ?? false, createdAt: w.createdAt };
}

async function audit(deps: WorkspaceDeps, actor: Pick<Actor, 'tenant' | 'tier' | 'memberId'>, type: string, metadata: Record<string, unknown>) {
  await deps.audit.record(actor.tenant, { type, actor: `user#${actor.memberId}`, metadata }, { retentionDays: limitsFor(actor.tier).auditRetentionDays });
}

/**
 * The user's personal workspace, made if missing (signup, and lazily for users from before
 * workspaces): idempotent and safe under concurrent first requests.
 */
export async function ensurePersonalWorkspace(deps: Pick<WorkspaceDeps, 'repo' | 'now'>, userId: string, tier: Tier): Promise<void> {
  const store = storeOf(deps);
  const at = iso(deps.now());
  if (!(await store.getWorkspace(userId))) {
    try {
      await store.createWithOwner(userId, { name: PERSONAL_WORKSPACE_NAME, tier, personal: true, createdBy: userId, createdAt: at, membersRevision: 1 }, userId);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err; // a concurrent request made it
    }
  }
  await store.link(userId, userId, at);
}

/** A new workspace; the caller is its OWNER. */
export async function createWorkspace(deps: WorkspaceDeps, userId: string, input: { name: string }): Promise<WorkspaceView> {
  const store = storeOf(deps);
  const id = randomBytes(16).toString('base64url');
  const item: WorkspaceItem = { name: input.name, tier: 'free', personal: false, createdBy: userId, createdAt: iso(deps.now()), membersRevision: 1 };
  await store.createWithOwner(id, item, userId);
  await store.link(userId, id, item.createdAt);
  await audit(deps, { tenant: workspaceTenant(id), tier: item.tier, memberId: userId }, 'workspace.created', { workspaceId: id });
  return view(id, item, 'OWNER');
}

/**
 * The actor of `userId` in workspace `workspaceId`, with the member's current role (one
 * consistent read of the membership, never cached), or 404 when they are not a member or it
 * does not exist — the two are indistinguishable. A user without a personal workspace (from
 * before workspaces) gets it made here. A non-member with a live SUPPORT grant gets 403
 * `support-read-only`: only `workspaceActor` (support.ts) makes — and audits — a SUPPORT actor,
 * for the read routes SUPPORT may use.
 */
type Membership = readonly [member: { role: Role } | undefined, workspace: { tier: Tier } | undefined];

/** The reads `memberActor` makes, for a caller that batches them with its own (one round trip). */
export const membershipReads = (deps: Pick<WorkspaceDeps, 'repo'>, workspaceId: string, userId: string) =>
  storeOf(deps).membershipReads(workspaceId, userId);

export async function memberActor(
  deps: Pick<WorkspaceDeps, 'repo' | 'now'>,
  userId: string,
  workspaceId: string,
  fallbackTier: Tier = 'free',
  /** The member and workspace items as just read (consistently) by the caller with `membershipReads`. */
  prefetched?: Membership,
): Promise<Actor & { readonly role: Role }> {
  const store = storeOf(deps);
  let [member, workspace]: Membership =
    prefetched ?? (await Promise.all([store.getMember(workspaceId, userId), store.getWorkspace(workspaceId)]));
  if ((!member || !workspace) && workspaceId === userId) {
    await ensurePersonalWorkspace(deps, userId, fallbackTier);
    [member, workspace] = await Promise.all([store.getMember(workspaceId, userId), store.getWorkspace(workspaceId)]);
  }
  if (workspace && !member && (await liveSupportGrant(deps, userId, workspaceId))) throw supportReadOnly();
  if (!member || !workspace) throw workspaceNotFound();
  return { tenant: workspaceTenant(workspaceId), memberId: userId, tier: workspace.tier, role: member.role };
}

export const workspaceNotFound = () =>
  new DomainError('not-found', 'Workspace not found (or you are not a member of it)', { code: 'workspace-not-found' });

/** The caller's workspaces (a link without a membership behind it is skipped). */
export async function listWorkspaces(deps: WorkspaceDeps, userId: string, activeId: string): Promise<WorkspaceView[]> {
  const store = storeOf(deps);
  const links = await store.listLinks(userId);
  const found = await Promise.all(
    links.map(async (l) => {
      const [member, workspace] = await Promise.all([store.getMember(l.workspaceId, userId), store.getWorkspace(l.workspaceId)]);
      return member && workspace ? view(l.workspaceId, workspace, member.role, activeId) : undefined;
    }),
  );
  return found.filter((w): w is WorkspaceView => !!w).sort((a, b) => Number(b.personal) - Number(a.personal) || a.createdAt.localeCompare(b.createdAt));
}

export async function getWorkspace(deps: WorkspaceDeps, actor: Actor, activeId?: string): Promise<WorkspaceView> {
  assertCan(actor, 'workspace.read');
  const workspace = await storeOf(deps).getWorkspace(actor.tenant.id);
  if (!workspace) throw workspaceNotFound();
  return view(actor.tenant.id, workspace, actor.role, activeId);
}

export async function renameWorkspace(deps: WorkspaceDeps, actor: Actor, name: string): Promise<WorkspaceView> {
  assertCan(actor, 'workspace.rename');
  const store = storeOf(deps);
  const workspace = await store.getWorkspace(actor.tenant.id);
  if (!workspace) throw workspaceNotFound();
  const renamed = await store.rename(actor.tenant.id, name, workspace.version);
  await audit(deps, actor, 'workspace.renamed', {});
  return view(actor.tenant.id, renamed, actor.role);
}

/**
 * Deletes a workspace: refused for the personal one and while jobs run; then every membership
 * and the workspace item go and its DEKs are shredded, so everything it held (accounts, jobs,
 * audit, copies in backups without key records) is unreadable. Members' next request on it: 404.
 */
export async function deleteWorkspace(deps: WorkspaceDeps, actor: Actor, activeJobs: ActiveJobCount): Promise<void> {
  assertCan(actor, 'workspace.delete');
  const store = storeOf(deps);
  let members: Awaited<ReturnType<typeof store.listMembers>>;
  for (let attempt = 1; ; attempt++) {
    // A join committed after the workspace read moves its version: the delete fails and lists again.
    const [workspace, listed] = await readGuardFirst(() => store.getWorkspace(actor.tenant.id), () => store.listMembers(actor.tenant.id));
    if (!workspace) throw workspaceNotFound();
    if (workspace.personal) {
      throw new DomainError('conflict', 'A personal workspace cannot be deleted (it goes with its account)', { code: 'personal-workspace' });
    }
    const running = await activeJobs(actor.tenant);
    if (running > 0) {
      throw new DomainError('conflict', `Cancel or wait for the ${running} running job(s) first`, { code: 'jobs-running', extra: { activeJobs: running } });
    }
    try {
      await store.forget(actor.tenant.id, workspace.version, listed);
      members = listed;
      break;
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt >= DELETE_ATTEMPTS) throw err;
    }
  }
  await deps.keyring.shred(actor.tenant);
  await Promise.all(members.map((m) => store.unlink(m.userId, actor.tenant.id)));
}

/** Operator action (admin CLI): a workspace's tier. */
export async function setWorkspaceTier(deps: WorkspaceDeps, workspaceId: string, tier: Tier): Promise<Tier> {
  const store = storeOf(deps);
  const workspace = await store.getWorkspace(workspaceId);
  if (!workspace) throw new DomainError('not-found', 'No such workspace');
  await store.setTier(workspaceId, tier, workspace.version);
  await deps.audit.record(
    workspaceTenant(workspaceId),
    { type: 'workspace.tier.changed', actor: 'system', requestId: 'admin-cli', metadata: { from: workspace.tier, to: tier } },
    { retentionDays: limitsFor(tier).auditRetentionDays },
  );
  return workspace.tier;
}
