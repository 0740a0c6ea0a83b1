/**
 * Applications registered in a workspace (for the hosted login): register,
 * list, read, change (rename, origins, redirect URIs, enable/disable), delete.
 *
 *   createApplication(deps, actor, ctx, input) -> ApplicationView
 *   listApplications(deps, actor, { cursor?, limit }) -> { applications, nextCursor }
 *   getApplication(deps, actor, id) -> ApplicationView
 *   updateApplication(deps, actor, ctx, id, patch) -> ApplicationView
 *   deleteApplication(deps, actor, ctx, id) -> void
 *
 * Every operation opens with `assertCan`; every change is an event in the
 * workspace's audit chain (`application.created|updated|deleted`). Another
 * workspace's application is absent (404): items are keyed by `actor.tenant`.
 * Input is validated by the contract (functions/contracts/applications.ts).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Audit } from '../audit/audit';
import type { Repository, Stored } from '../data/repository';
import { ConflictError } from '../data/errors';
import { readGuardFirst } from '../data/guarded-reads';
import { DomainError } from '../errors';
import { limitsFor } from '../platform/tiers';
import type { Actor } from '../tenancy/actor';
import { WORKSPACE_SK, WorkspaceEntity } from '../workspaces/entities';
import { assertCan, assertEmailVerified } from '../workspaces/permissions';
import { SESSION_LIFETIME } from '../contracts/applications';
import { parseTenantKey, type Tenant } from '../tenancy/tenant';
import { ApplicationEntity, applicationSk, clientIdGuard, type ApplicationItem } from './entities';

/** Applications one workspace may register. */
export const MAX_APPLICATIONS = 50;

export interface ApplicationDeps {
  readonly repo: Pick<Repository, 'get' | 'getGlobal' | 'update' | 'delete' | 'query' | 'tx'>;
  readonly audit: Pick<Audit, 'record'>;
  readonly now: () => number;
}

/** The request a change is made by, as the audit trail records it. */
export interface ApplicationAuditContext {
  /** `user#<id>` or `apikey#<id>`. */
  readonly label: string;
  readonly requestId: string;
  readonly ip: string;
  readonly userAgent: string;
}

export interface ApplicationView {
  id: string;
  clientId: string;
  name: string;
  allowedOrigins: string[];
  redirectUris: string[];
  enabled: boolean;
  sessionLifetimeSeconds: number;
  createdAt: string;
  updatedAt: string;
}

export interface ApplicationInput {
  name: string;
  allowedOrigins: string[];
  redirectUris: string[];
  enabled: boolean;
  /** @default SESSION_LIFETIME.default */
  sessionLifetimeSeconds?: number;
}

/** The application's token lifetime in seconds (items from before the field: the default). */
export const sessionLifetimeOf = (a: Pick<ApplicationItem, 'sessionLifetimeSeconds'>): number => a.sessionLifetimeSeconds ?? SESSION_LIFETIME.default;

const view = (a: Stored<ApplicationItem>): ApplicationView => ({
  id: a.sk.slice('APP#'.length),
  clientId: a.clientId,
  name: a.name,
  allowedOrigins: a.allowedOrigins,
  redirectUris: a.redirectUris,
  enabled: a.enabled,
  sessionLifetimeSeconds: sessionLifetimeOf(a),
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
});

const notFound = () => new DomainError('not-found', 'Application not found', { code: 'application-not-found' });

/** Time-ordered id: 12 hex digits of milliseconds, then 16 random base64url characters. */
function newApplicationId(now: number): string {
  return now.toString(16).padStart(12, '0') + randomBytes(12).toString('base64url');
}

async function audit(deps: ApplicationDeps, actor: Actor, ctx: ApplicationAuditContext, type: string, metadata: Record<string, unknown>) {
  await deps.audit.record(
    actor.tenant,
    { type, actor: ctx.label, ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId, metadata },
    { retentionDays: limitsFor(actor.tier).auditRetentionDays },
  );
}

async function load(deps: ApplicationDeps, actor: Actor, id: string): Promise<Stored<ApplicationItem>> {
  const item = await deps.repo.get(actor.tenant, ApplicationEntity, applicationSk(id));
  if (!item) throw notFound();
  return item;
}

/** Concurrent creates in one workspace take turns on its version; the losers count again. */
const CREATE_ATTEMPTS = 20;

export async function createApplication(deps: ApplicationDeps, actor: Actor, ctx: ApplicationAuditContext, input: ApplicationInput): Promise<ApplicationView> {
  assertEmailVerified(actor);
  assertCan(actor, 'applications.manage');
  const now = deps.now();
  const at = new Date(now).toISOString();
  const id = newApplicationId(now);
  const item: ApplicationItem = {
    name: input.name,
    clientId: `fv_app_${randomBytes(16).toString('base64url')}`,
    allowedOrigins: input.allowedOrigins,
    redirectUris: input.redirectUris,
    enabled: input.enabled,
    sessionLifetimeSeconds: input.sessionLifetimeSeconds ?? SESSION_LIFETIME.default,
    createdBy: actor.memberId,
    createdAt: at,
    updatedAt: at,
  };
  for (let attempt = 1; ; attempt++) {
    // The count holds because the create commits only at the workspace version read before it.
    const [workspace, existing] = await readGuardFirst(
      () => deps.repo.get(actor.tenant, WorkspaceEntity, WORKSPACE_SK),
      () => deps.repo.query(actor.tenant, ApplicationEntity, { limit: MAX_APPLICATIONS + 1, consistent: true }),
    );
    if (!workspace) throw notFound();
    if (existing.items.length >= MAX_APPLICATIONS) {
      throw new DomainError('rate-limited', `A workspace may register at most ${MAX_APPLICATIONS} applications`, {
        code: 'application-limit',
        extra: { limit: MAX_APPLICATIONS },
      });
    }
    try {
      await deps.repo
        .tx(actor.tenant)
        .update(WorkspaceEntity, WORKSPACE_SK, {}, { expectedVersion: workspace.version })
        .create(ApplicationEntity, applicationSk(id), item)
        .createGlobal(clientIdGuard(item.clientId).pk, clientIdGuard(item.clientId).sk, { applicationId: id })
        .commit();
      break;
    } catch (err) {
      if (err instanceof ConflictError && attempt < CREATE_ATTEMPTS) {
        await new Promise((r) => setTimeout(r, randomInt(5, 25 * Math.min(attempt, 4))));
        continue;
      }
      throw err;
    }
  }
  const stored: Stored<ApplicationItem> = { ...item, sk: applicationSk(id), version: 1 };
  await audit(deps, actor, ctx, 'application.created', {
    applicationId: id,
    clientId: item.clientId,
    allowedOrigins: item.allowedOrigins,
    redirectUris: item.redirectUris,
    enabled: item.enabled,
    sessionLifetimeSeconds: item.sessionLifetimeSeconds,
  });
  return view(stored);
}

export async function listApplications(
  deps: ApplicationDeps,
  actor: Actor,
  page: { cursor?: string; limit: number },
): Promise<{ applications: ApplicationView[]; nextCursor: string | null }> {
  assertCan(actor, 'applications.read');
  const out = await deps.repo.query(actor.tenant, ApplicationEntity, { limit: page.limit, cursor: page.cursor, descending: true });
  return { applications: out.items.map(view), nextCursor: out.cursor ?? null };
}

export async function getApplication(deps: ApplicationDeps, actor: Actor, id: string): Promise<ApplicationView> {
  assertCan(actor, 'applications.read');
  return view(await load(deps, actor, id));
}

export async function updateApplication(
  deps: ApplicationDeps,
  actor: Actor,
  ctx: ApplicationAuditContext,
  id: string,
  patch: Partial<ApplicationInput>,
): Promise<ApplicationView> {
  assertCan(actor, 'applications.manage');
  const current = await load(deps, actor, id);
  const change: Partial<ApplicationItem> = { updatedAt: new Date(deps.now()).toISOString() };
  for (const k of ['name', 'allowedOrigins', 'redirectUris', 'enabled', 'sessionLifetimeSeconds'] as const) {
    if (patch[k] !== undefined) (change as Record<string, unknown>)[k] = patch[k];
  }
  let updated: Stored<ApplicationItem>;
  try {
    updated = await deps.repo.update(actor.tenant, ApplicationEntity, applicationSk(id), change, { expectedVersion: current.version });
  } catch (err) {
    if (err instanceof ConflictError) throw new DomainError('conflict', 'The application was changed meanwhile; read it again', { code: 'application-changed' });
    throw err;
  }
  await ensureClientPointer(deps, actor.tenant, id, updated.clientId);
  const changed = Object.keys(change).filter((k) => k !== 'updatedAt');
  const type = patch.enabled === undefined || changed.length > 1 ? 'application.updated' : patch.enabled ? 'application.enabled' : 'application.disabled';
  await audit(deps, actor, ctx, type, {
    applicationId: id,
    changed,
    ...(patch.allowedOrigins ? { allowedOrigins: patch.allowedOrigins } : {}),
    ...(patch.redirectUris ? { redirectUris: patch.redirectUris } : {}),
    ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
    ...(patch.sessionLifetimeSeconds !== undefined ? { sessionLifetimeSeconds: patch.sessionLifetimeSeconds } : {}),
  });
  return view(updated);
}

export async function deleteApplication(deps: ApplicationDeps, actor: Actor, ctx: ApplicationAuditContext, id: string): Promise<void> {
  assertCan(actor, 'applications.manage');
  const current = await load(deps, actor, id);
  const guard = clientIdGuard(current.clientId);
  try {
    const tx = deps.repo.tx(actor.tenant).delete(ApplicationEntity, applicationSk(id), { expectedVersion: current.version });
    // Applications registered before the client-id pointer existed have none to release.
    if (await deps.repo.getGlobal(guard.pk, guard.sk)) tx.deleteGlobal(guard.pk, guard.sk);
    await tx.commit();
  } catch (err) {
    if (err instanceof ConflictError) throw notFound();
    throw err;
  }
  await audit(deps, actor, ctx, 'application.deleted', { applicationId: id, clientId: current.clientId });
}

/** Applications registered before the client-id pointer existed get it at their next change. */
async function ensureClientPointer(deps: ApplicationDeps, tenant: Tenant, id: string, clientId: string): Promise<void> {
  const guard = clientIdGuard(clientId);
  if (await deps.repo.getGlobal(guard.pk, guard.sk)) return;
  await deps.repo
    .tx(tenant)
    .createGlobal(guard.pk, guard.sk, { applicationId: id })
    .commit()
    .catch((err: unknown) => {
      if (!(err instanceof ConflictError)) throw err; // made concurrently
    });
}

/**
 * The application a public client id names (the hosted login's first step), whatever its state;
 * undefined when no application has that client id. Callers check `enabled`.
 */
export async function applicationByClientId(
  repo: Pick<Repository, 'get' | 'getGlobal'>,
  clientId: string,
): Promise<{ tenant: Tenant; applicationId: string; application: Stored<ApplicationItem> } | undefined> {
  const guard = clientIdGuard(clientId);
  const pointer = await repo.getGlobal(guard.pk, guard.sk);
  if (!pointer || typeof pointer.applicationId !== 'string') return undefined;
  const tenant = parseTenantKey(pointer.tenant);
  const application = await repo.get(tenant, ApplicationEntity, applicationSk(pointer.applicationId));
  // The pointer is a guide; the application item itself must carry the client id.
  return application && application.clientId === clientId ? { tenant, applicationId: pointer.applicationId, application } : undefined;
}
