/**
 * The workspace admin's vault routes (contracts/sessions.ts: an application's users, their
 * keys, a value read with a reason, deletes), bound here and served by the `sessions`
 * function (api/sessions.ts). The workspace is named by the path; the caller's role comes
 * from `memberActor` (404 for a non-member). What the sessions domain knows (who signed
 * in, live sessions, ending a user's sessions) comes in as ports.
 */
import * as s from '../contracts/sessions';
import type { DataLayer } from '../data/from-env';
import type { RequestMeta } from '../http/auth';
import { bind, type BoundRoute } from '../http/handler';
import { etagOf } from '../http/if-match';
import type { Actor } from '../tenancy/actor';
import type { Principal } from '../tenancy/principal';
import { deleteAppUser, deleteUserValue, listAppUsers, listUserValues, readUserValue, type AppUserDirectory, type VaultAdminDeps } from '../vault/admin';
import { memberActor } from '../workspaces/workspaces';

export interface VaultAdminPorts {
  /** The application's users as the sessions domain records them (sign-ins, live sessions). */
  readonly directory?: AppUserDirectory;
  /** Ends every session token of the user for the application (before the shred). */
  readonly endSessions?: (actor: Actor, applicationId: string, userId: string) => Promise<void>;
}

const auditContextOf = (principal: Principal, meta: RequestMeta) => ({ label: `user#${principal.userId}`, requestId: meta.requestId, ip: meta.ip, userAgent: meta.userAgent });

export function vaultAdminBindings(data: DataLayer, ports: VaultAdminPorts = {}): BoundRoute[] {
  const deps: VaultAdminDeps = { repo: data.repo, table: data.table, blind: data.blind, audit: data.audit, now: Date.now, directory: ports.directory };
  const member = (principal: Principal, workspaceId: string) => memberActor({ repo: data.repo, now: Date.now }, principal.userId, workspaceId);
  return [
    bind(s.listApplicationUsers, async (req) => ({
      body: await listAppUsers(deps, await member(req.principal, req.params.workspaceId), req.params.applicationId, req.query),
    })),
    bind(s.listApplicationUserValues, async (req) => ({
      body: { keys: await listUserValues(deps, await member(req.principal, req.params.workspaceId), req.params.applicationId, req.params.userId) },
    })),
    bind(s.readApplicationUserValue, async (req) => {
      const { workspaceId, applicationId, userId, key } = req.params;
      const actor = await member(req.principal, workspaceId);
      const entry = await readUserValue(deps, actor, auditContextOf(req.principal, req), applicationId, userId, key, req.query.reason);
      return {
        headers: { etag: etagOf(entry.version), 'cache-control': 'no-store' },
        body: { key: entry.key, value: entry.value, version: entry.version, updatedAt: entry.updatedAt },
      };
    }),
    bind(s.deleteApplicationUserValue, async (req) => {
      const { workspaceId, applicationId, userId, key } = req.params;
      await deleteUserValue(deps, await member(req.principal, workspaceId), auditContextOf(req.principal, req), applicationId, userId, key);
      return { status: 204 };
    }),
    bind(s.deleteApplicationUser, async (req) => {
      const { workspaceId, applicationId, userId } = req.params;
      const actor = await member(req.principal, workspaceId);
      const endSessions = ports.endSessions && (() => ports.endSessions!(actor, applicationId, userId));
      await deleteAppUser(deps, actor, auditContextOf(req.principal, req), applicationId, userId, { endSessions });
      return { status: 204 };
    }),
  ];
}
