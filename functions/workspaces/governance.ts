/**
 * Workspace governance: the settings (the two-person rule) and the workspace's
 * audit log (list with a cursor, chain verification). The audit chain is the
 * workspace tenant's own (`audit/audit.ts`): workspace, member, Cloudflare
 * account and job-approval events land there.
 */
import type { Audit, AuditEvent, VerifyResult } from '../audit/audit';
import { limitsFor } from '../platform/tiers';
import type { Actor } from '../tenancy/actor';
import type { Tenant } from '../tenancy/tenant';
import type { WorkspaceDeps } from './deps';
import { assertCan } from './permissions';
import { createWorkspaceStore, type StoreRepo } from './store';
import { workspaceNotFound } from './workspaces';

export interface WorkspaceSettings {
  twoPersonRule: boolean;
}

/** PATCH settings (OWNER): audited with the old and new value. */
export async function updateWorkspaceSettings(deps: WorkspaceDeps, actor: Actor, change: Partial<WorkspaceSettings>): Promise<WorkspaceSettings> {
  assertCan(actor, 'workspace.settings');
  const store = createWorkspaceStore(deps.repo);
  const workspace = await store.getWorkspace(actor.tenant.id);
  if (!workspace) throw workspaceNotFound();
  const before = { twoPersonRule: workspace.twoPersonRule ?? false };
  const after = { ...before, ...change };
  // Conditional on the version read: a concurrent change makes this one 409 (nothing half-applied).
  await store.setSettings(actor.tenant.id, { twoPersonRule: after.twoPersonRule }, workspace.version);
  await deps.audit.record(
    actor.tenant,
    { type: 'workspace.settings.changed', actor: `user#${actor.memberId}`, metadata: { before, after } },
    { retentionDays: limitsFor(actor.tier).auditRetentionDays },
  );
  return after;
}

/** Whether the workspace applies jobs only after a second member's approval (false for a non-workspace tenant). */
export async function twoPersonRuleOn(repo: StoreRepo, tenant: Tenant): Promise<boolean> {
  if (tenant.kind !== 'workspace') return false;
  const workspace = await createWorkspaceStore(repo).getWorkspace(tenant.id);
  return workspace?.twoPersonRule === true;
}

export type AuditReader = Pick<Audit, 'list' | 'verify'>;

/** A page of the workspace's audit events, newest first (`logs.read`: ADMIN+). */
export async function listWorkspaceAudit(
  deps: { audit: AuditReader },
  actor: Actor,
  q: { cursor?: string; limit?: number },
): Promise<{ items: AuditEvent[]; cursor?: string }> {
  assertCan(actor, 'logs.read');
  return deps.audit.list(actor.tenant, { cursor: q.cursor, limit: q.limit });
}

/** Verify the workspace's audit chain (hashes, links, no gaps, head). */
export async function verifyWorkspaceAudit(deps: { audit: AuditReader }, actor: Actor): Promise<VerifyResult> {
  assertCan(actor, 'logs.read');
  return deps.audit.verify(actor.tenant);
}
