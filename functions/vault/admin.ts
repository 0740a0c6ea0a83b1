/**
 * A workspace admin's view of an application's end users and their values
 * (OWNER/ADMIN: `applications.manage`). Every operation opens with `assertCan`
 * and checks that the application is the actor's (another workspace's → 404);
 * reading a value needs a reason and, like every deletion, is an event in the
 * workspace's audit chain (who, why; the key name and reason are encrypted there).
 *
 *   listAppUsers(deps, actor, applicationId, { cursor?, limit })       -> { users, nextCursor }
 *   listUserValues(deps, actor, applicationId, userId)                 -> VaultEntryView[]
 *   readUserValue(deps, actor, ctx, applicationId, userId, key, reason) -> value     audit vault.value.read
 *   deleteUserValue(deps, actor, ctx, applicationId, userId, key)      -> void        audit vault.value.deleted
 *   deleteAppUser(deps, actor, ctx, applicationId, userId, { endSessions }) -> { values }  audit vault.user.deleted
 *
 * Which users exist is the sessions domain's knowledge (who signed in, live
 * sessions, last seen): it comes in as the `directory` port; without one, the
 * users holding values are listed.
 */
import { ApplicationEntity, applicationSk } from '../applications/entities';
import type { ApplicationAuditContext } from '../applications/applications';
import type { Audit } from '../audit/audit';
import type { Repository } from '../data/repository';
import { DomainError } from '../errors';
import { USER_SK, UserEntity } from '../identity/entities';
import { limitsFor } from '../platform/tiers';
import type { Actor } from '../tenancy/actor';
import { userTenant } from '../tenancy/tenant';
import { assertCan } from '../workspaces/permissions';
import { VaultUserEntity, vaultUserPrefix, vaultUserSk, type VaultSubject } from './entities';
import { deleteValue, getValue, listValues, shredAppUser, type VaultDeps, type VaultEntryView } from './values';

/** What the sessions domain knows of one application user. */
export interface AppUserActivity {
  readonly userId: string;
  readonly liveSessions: number;
  readonly lastSeenAt: string | null;
}

export interface AppUserDirectory {
  /** A page of the application's users (those who signed in, and automation service users). */
  list(actor: Actor, applicationId: string, page: { cursor?: string; limit: number }): Promise<{ users: AppUserActivity[]; nextCursor: string | null }>;
}

export interface VaultAdminDeps extends VaultDeps {
  readonly repo: VaultDeps['repo'] & Pick<Repository, 'query'>;
  readonly audit: Pick<Audit, 'record'>;
  readonly directory?: AppUserDirectory;
}

export interface ApplicationUserView {
  userId: string;
  /** The identity user's email; null for an automation credential's service user (or a deleted account). */
  email: string | null;
  kind: 'user' | 'automation';
  liveSessions: number;
  valueCount: number;
  valueBytes: number;
  lastSeenAt: string | null;
}

/** Service users of automation credentials: `auto_<credentialId>` (issue 15 design). */
const AUTOMATION_PREFIX = 'auto_';
/** Users one page names at most: one BatchGetItem holds 100 keys, and each user needs two. */
const MAX_PAGE = 50;

async function ownApplication(deps: VaultAdminDeps, actor: Actor, applicationId: string): Promise<void> {
  const app = await deps.repo.get(actor.tenant, ApplicationEntity, applicationSk(applicationId));
  if (!app) throw new DomainError('not-found', 'Application not found', { code: 'application-not-found' });
}

const subjectOf = (actor: Actor, applicationId: string, appUserId: string): VaultSubject => ({ tenant: actor.tenant, applicationId, appUserId });

async function audit(deps: VaultAdminDeps, actor: Actor, ctx: ApplicationAuditContext, type: string, metadata: Record<string, unknown>) {
  await deps.audit.record(
    actor.tenant,
    { type, actor: ctx.label, ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId, metadata },
    { retentionDays: limitsFor(actor.tier).auditRetentionDays },
  );
}

/** Users who hold values, from the vault's own records (the directory when the sessions domain gives none). */
async function vaultDirectory(deps: VaultAdminDeps, actor: Actor, applicationId: string, page: { cursor?: string; limit: number }) {
  const out = await deps.repo.query(actor.tenant, VaultUserEntity, { skPrefix: vaultUserPrefix(applicationId), limit: page.limit, cursor: page.cursor });
  const users = out.items.map((r) => ({ userId: r.sk.slice(vaultUserPrefix(applicationId).length), liveSessions: 0, lastSeenAt: null }));
  return { users, nextCursor: out.cursor ?? null };
}

export async function listAppUsers(
  deps: VaultAdminDeps,
  actor: Actor,
  applicationId: string,
  page: { cursor?: string; limit: number },
): Promise<{ users: ApplicationUserView[]; nextCursor: string | null }> {
  assertCan(actor, 'applications.manage');
  await ownApplication(deps, actor, applicationId);
  const limited = { ...page, limit: Math.min(page.limit, MAX_PAGE) };
  const { users, nextCursor } = deps.directory ? await deps.directory.list(actor, applicationId, limited) : await vaultDirectory(deps, actor, applicationId, limited);
  const reads = users.flatMap((u) => [
    { tenant: actor.tenant, entity: VaultUserEntity, sk: vaultUserSk(subjectOf(actor, applicationId, u.userId)) },
    ...(u.userId.startsWith(AUTOMATION_PREFIX) ? [] : [{ tenant: userTenant(u.userId), entity: UserEntity, sk: USER_SK }]),
  ]);
  const found = reads.length ? await deps.repo.getMany(reads) : [];
  let i = 0;
  const views = users.map((u): ApplicationUserView => {
    const vault = found[i++] as { keyCount: number; valueBytes: number } | undefined;
    const automation = u.userId.startsWith(AUTOMATION_PREFIX);
    const profile = automation ? undefined : (found[i++] as { email: string } | undefined);
    return {
      userId: u.userId,
      email: profile?.email ?? null,
      kind: automation ? 'automation' : 'user',
      liveSessions: u.liveSessions,
      valueCount: vault?.keyCount ?? 0,
      valueBytes: vault?.valueBytes ?? 0,
      lastSeenAt: u.lastSeenAt,
    };
  });
  return { users: views, nextCursor };
}

export async function listUserValues(deps: VaultAdminDeps, actor: Actor, applicationId: string, userId: string): Promise<VaultEntryView[]> {
  assertCan(actor, 'applications.manage');
  await ownApplication(deps, actor, applicationId);
  return listValues(deps, subjectOf(actor, applicationId, userId));
}

/** The value, only once the read (with its reason) is in the audit chain. */
export async function readUserValue(
  deps: VaultAdminDeps,
  actor: Actor,
  ctx: ApplicationAuditContext,
  applicationId: string,
  userId: string,
  key: string,
  reason: string,
): Promise<VaultEntryView & { readonly value: unknown }> {
  assertCan(actor, 'applications.manage');
  const why = reason.trim();
  if (why.length < 3) {
    throw new DomainError('invalid', 'Say why you read this value', { fields: [{ in: 'query', field: 'reason', message: 'at least 3 characters' }] });
  }
  await ownApplication(deps, actor, applicationId);
  const entry = await getValue(deps, subjectOf(actor, applicationId, userId), key);
  await audit(deps, actor, ctx, 'vault.value.read', { applicationId, userId, key, reason: why, version: entry.version });
  return entry;
}

export async function deleteUserValue(
  deps: VaultAdminDeps,
  actor: Actor,
  ctx: ApplicationAuditContext,
  applicationId: string,
  userId: string,
  key: string,
): Promise<void> {
  assertCan(actor, 'applications.manage');
  await ownApplication(deps, actor, applicationId);
  const { size } = await deleteValue(deps, subjectOf(actor, applicationId, userId), key);
  await audit(deps, actor, ctx, 'vault.value.deleted', { applicationId, userId, key, size });
}

/**
 * Deletes an end user from the application: their sessions end first (`endSessions`, the
 * sessions domain's revoke), then their values are crypto-shredded. Idempotent.
 */
export async function deleteAppUser(
  deps: VaultAdminDeps,
  actor: Actor,
  ctx: ApplicationAuditContext,
  applicationId: string,
  userId: string,
  opts: { endSessions?: () => Promise<void> } = {},
): Promise<{ values: number }> {
  assertCan(actor, 'applications.manage');
  await ownApplication(deps, actor, applicationId);
  await opts.endSessions?.();
  const result = await shredAppUser(deps, subjectOf(actor, applicationId, userId));
  await audit(deps, actor, ctx, 'vault.user.deleted', { applicationId, userId, values: result.values });
  return result;
}
