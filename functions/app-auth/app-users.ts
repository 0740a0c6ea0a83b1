/**
 * An application's users as the hosted login knows them (who signed in, automation service
 * users): the admin's directory (live sessions, last seen) and the admin's revoke.
 *
 *   appUserDirectory(deps) -> AppUserDirectory            (the vault admin's `directory` port)
 *   revokeApplicationUser(deps, actor, ctx, applicationId, userId) -> void   (audited)
 */
import type { ApplicationAuditContext } from '../applications/applications';
import { DomainError } from '../errors';
import { USER_SK, UserEntity } from '../identity/entities';
import type { Actor } from '../tenancy/actor';
import { userTenant } from '../tenancy/tenant';
import type { AppUserDirectory } from '../vault/admin';
import { assertCan } from '../workspaces/permissions';
import { liveSessionCount, revokeAppUser, slotsOf, type AppAuthDeps } from './app-sessions';
import { auditApp, ownApplication, type AppAdminDeps } from './admin-support';
import { AppUserEntity, appUserSk, appUsersPrefix } from './entities';

const userNotFound = () => new DomainError('not-found', 'This application has no such user', { code: 'app-user-not-found' });

/** The application's users, a page at a time, with their live sessions and last activity. */
export function appUserDirectory(deps: AppAuthDeps): AppUserDirectory {
  return {
    async list(actor, applicationId, page) {
      const prefix = appUsersPrefix(applicationId);
      const out = await deps.repo.query(actor.tenant, AppUserEntity, { skPrefix: prefix, limit: page.limit, cursor: page.cursor });
      const ids = out.items.map((u) => u.sk.slice(prefix.length));
      const humans = ids.filter((id) => out.items.find((u) => u.sk === prefix + id)!.kind === 'user');
      const [profiles, slots] = await Promise.all([
        humans.length ? deps.repo.getMany(humans.map((id) => ({ tenant: userTenant(id), entity: UserEntity, sk: USER_SK }))) : Promise.resolve([]),
        Promise.all(ids.map((id) => slotsOf(deps, actor.tenant, applicationId, id))),
      ]);
      const revisionOf = new Map(humans.map((id, i) => [id, profiles[i]?.tokenRevision ?? 0]));
      const now = deps.now();
      const users = out.items.map((u, i) => ({
        userId: ids[i]!,
        liveSessions: liveSessionCount(slots[i]!, u.revision, revisionOf.get(ids[i]!) ?? 0, now),
        lastSeenAt: u.lastSeenAt,
      }));
      return { users, nextCursor: out.cursor ?? null };
    },
  };
}

export async function revokeApplicationUser(deps: AppAdminDeps, actor: Actor, ctx: ApplicationAuditContext, applicationId: string, userId: string): Promise<void> {
  assertCan(actor, 'applications.manage');
  await ownApplication(deps, actor, applicationId);
  const user = await deps.repo.get(actor.tenant, AppUserEntity, appUserSk(applicationId, userId));
  if (!user) throw userNotFound();
  await revokeAppUser(deps, actor.tenant, applicationId, userId, user.kind);
  await auditApp(deps, actor, ctx, 'vault.user.revoked', { applicationId, userId });
}
