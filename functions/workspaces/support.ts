/**
 * SUPPORT: operator staff's read-only access to one workspace, for a limited time.
 *
 *   grantSupport(deps, { workspaceId, userId, operator, hours })  operator command only (ops/admin.ts)
 *   revokeSupport(deps, { workspaceId, userId, operator })        operator command only
 *   workspaceActor(deps, userId, workspaceId, route)
 *       the actor of a path-named READ route: a member as memberActor gives it, or — for a
 *       non-member with a live grant, on a route whose declared permission (the contract's
 *       `permission`) SUPPORT holds — a SUPPORT actor, made only after `support.read` is in
 *       the workspace's audit chain.
 *
 * The grant is `SUPPORT#<userId>` in the workspace's partition (grantedBy = the operator,
 * grantedAt, expiresAt; `ttl` = expiresAt, and expiresAt is also checked on every read).
 * No HTTP route writes it: the member-role route's body accepts OWNER|ADMIN|USER only.
 * `workspaceActor` is the only place a SUPPORT actor is made, so a SUPPORT read cannot
 * skip its audit event; every other route resolves through `memberActor`, which answers a
 * support user 403 `support-read-only` (writes, applications, invites) — and the
 * credential-named routes (Cloudflare, DNS, jobs) never act on a supported workspace,
 * because activating one goes through `memberActor` too.
 */
import { ConflictError } from '../data/errors';
import { DomainError } from '../errors';
import { limitsFor } from '../platform/tiers';
import type { Actor } from '../tenancy/actor';
import { workspaceTenant } from '../tenancy/tenant';
import type { WorkspaceDeps } from './deps';
import { assertCan, type Action } from './permissions';
import { createWorkspaceStore } from './store';
import { liveSupportGrant, SupportGrantEntity, supportSk, type SupportGrantItem } from './support-grant';
import { memberActor } from './workspaces';

export const DEFAULT_SUPPORT_HOURS = 24;
/** A grant never lasts longer than a week: renew it by granting again. */
export const MAX_SUPPORT_HOURS = 24 * 7;

const iso = (ms: number) => new Date(ms).toISOString();

async function auditOp(deps: Pick<WorkspaceDeps, 'audit'>, workspaceId: string, tier: Parameters<typeof limitsFor>[0], operator: string, type: string, metadata: Record<string, unknown>) {
  await deps.audit.record(
    workspaceTenant(workspaceId),
    { type, actor: `operator#${operator}`, requestId: 'admin-cli', metadata },
    { retentionDays: limitsFor(tier).auditRetentionDays },
  );
}

/** Operator command: `userId` may read `workspaceId`'s metadata and logs for `hours` (replaces an earlier grant). */
export async function grantSupport(
  deps: WorkspaceDeps,
  input: { workspaceId: string; userId: string; operator: string; hours?: number },
): Promise<{ expiresAt: string }> {
  const hours = input.hours ?? DEFAULT_SUPPORT_HOURS;
  if (!Number.isFinite(hours) || hours <= 0 || hours > MAX_SUPPORT_HOURS) throw new Error(`--hours must be more than 0 and at most ${MAX_SUPPORT_HOURS}`);
  if (!input.operator.trim()) throw new Error('The operator granting support must be named (--operator or $USER)');
  const store = createWorkspaceStore(deps.repo);
  const workspace = await store.getWorkspace(input.workspaceId);
  if (!workspace) throw new DomainError('not-found', 'No such workspace');
  if (await store.getMember(input.workspaceId, input.userId)) throw new Error('That user is a member of the workspace: support access is for non-members');
  const now = deps.now();
  const expiresAt = iso(now + hours * 3_600_000);
  const tenant = workspaceTenant(input.workspaceId);
  const item: SupportGrantItem = { grantedBy: input.operator, grantedAt: iso(now), expiresAt };
  const ttl = Math.ceil(Date.parse(expiresAt) / 1000);
  for (let attempt = 1; ; attempt++) {
    const existing = await deps.repo.get(tenant, SupportGrantEntity, supportSk(input.userId), { consistent: true });
    try {
      if (existing) await deps.repo.tx(tenant).put(SupportGrantEntity, supportSk(input.userId), item, { expectedVersion: existing.version, ttl }).commit();
      else await deps.repo.create(tenant, SupportGrantEntity, supportSk(input.userId), item, { ttl });
      break;
    } catch (err) {
      // A concurrent grant: read again, a bounded number of times.
      if (!(err instanceof ConflictError) || attempt >= 10) throw err;
    }
  }
  await auditOp(deps, input.workspaceId, workspace.tier, input.operator, 'support.granted', { supportUser: input.userId, expiresAt, hours });
  return { expiresAt };
}

/** Operator command: the grant ends now (the support user's next request: 404). */
export async function revokeSupport(deps: WorkspaceDeps, input: { workspaceId: string; userId: string; operator: string }): Promise<boolean> {
  const workspace = await createWorkspaceStore(deps.repo).getWorkspace(input.workspaceId);
  if (!workspace) throw new DomainError('not-found', 'No such workspace');
  let existed = true;
  await deps.repo.delete(workspaceTenant(input.workspaceId), SupportGrantEntity, supportSk(input.userId)).catch((err: unknown) => {
    if (!(err instanceof ConflictError)) throw err;
    existed = false;
  });
  await auditOp(deps, input.workspaceId, workspace.tier, input.operator, 'support.revoked', { supportUser: input.userId, existed });
  return existed;
}

/**
 * The actor of a path-named read route: the member's (memberActor), else a SUPPORT actor for
 * a live grant when SUPPORT holds the route's declared permission — recorded as `support.read`
 * (action, operation, support user, who granted it) before it is returned. 403 for an action
 * SUPPORT lacks, 404 without membership or grant.
 */
export async function workspaceActor(
  deps: Pick<WorkspaceDeps, 'repo' | 'now' | 'audit'>,
  userId: string,
  workspaceId: string,
  route: { readonly operationId: string; readonly permission?: Action | null },
): Promise<Actor> {
  if (!route.permission) return memberActor(deps, userId, workspaceId);
  const access = { action: route.permission, operation: route.operationId };
  const store = createWorkspaceStore(deps.repo);
  const [member, workspace, grant] = await Promise.all([
    store.getMember(workspaceId, userId),
    store.getWorkspace(workspaceId),
    liveSupportGrant(deps, userId, workspaceId),
  ]);
  if (member || !grant || !workspace) return memberActor(deps, userId, workspaceId);
  const actor: Actor = { tenant: workspaceTenant(workspaceId), memberId: userId, tier: workspace.tier, role: 'SUPPORT', supportAction: access.action };
  assertCan(actor, access.action);
  await deps.audit.record(
    actor.tenant,
    {
      type: 'support.read',
      actor: `support#${userId}`,
      metadata: { action: access.action, operation: access.operation, supportUser: userId, grantedBy: grant.grantedBy, expiresAt: grant.expiresAt },
    },
    { retentionDays: limitsFor(workspace.tier).auditRetentionDays },
  );
  return actor;
}
