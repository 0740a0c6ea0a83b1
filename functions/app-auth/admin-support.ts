/** What the admin operations on an application's users and credentials share: the ownership check and the audit event. */
import type { ApplicationAuditContext } from '../applications/applications';
import { ApplicationEntity, applicationSk } from '../applications/entities';
import type { Audit } from '../audit/audit';
import { DomainError } from '../errors';
import { limitsFor } from '../platform/tiers';
import type { Actor } from '../tenancy/actor';
import type { AppAuthDeps } from './app-sessions';

export type AppAdminDeps = AppAuthDeps & { readonly audit: Pick<Audit, 'record'> };

/** 404 unless the actor's workspace holds the application (another workspace's is absent). */
export async function ownApplication(deps: Pick<AppAuthDeps, 'repo'>, actor: Actor, applicationId: string): Promise<void> {
  const app = await deps.repo.get(actor.tenant, ApplicationEntity, applicationSk(applicationId));
  if (!app) throw new DomainError('not-found', 'Application not found', { code: 'application-not-found' });
}

/** An event in the workspace's audit chain, kept as long as its tier keeps audit events. */
export async function auditApp(deps: Pick<AppAdminDeps, 'audit'>, actor: Actor, ctx: ApplicationAuditContext, type: string, metadata: Record<string, unknown>) {
  await deps.audit.record(
    actor.tenant,
    { type, actor: ctx.label, ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId, metadata },
    { retentionDays: limitsFor(actor.tier).auditRetentionDays },
  );
}
