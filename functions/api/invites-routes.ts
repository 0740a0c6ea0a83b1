/**
 * Invite routes, served by the `workspaces` function (it has the `mail` need):
 * create, list, resend, revoke under a workspace named by the path (the
 * caller's role from `memberActor`: 404 for a non-member); preview (public:
 * the token is the credential) and accept (session: the account's address
 * must be the invited one).
 */
import * as c from '../contracts/invites';
import type { DataLayer } from '../data/from-env';
import { bind, type BoundRoute } from '../http/handler';
import { getUser } from '../identity/accounts';
import type { IdentityDeps } from '../identity/deps';
import { mailerFromEnv } from '../mail/from-env';
import { loadEnv } from '../platform/env';
import { acceptInvite, createInvite, listInvites, previewInvite, resendInvite, revokeInvite, type InviteDeps } from '../workspaces/invites';
import { memberActor } from '../workspaces/workspaces';
import { withUserState } from '../tenancy/actor';
import type { Principal } from '../tenancy/principal';

export function inviteRoutes(data: DataLayer, identity: IdentityDeps): BoundRoute[] {
  const env = loadEnv(['mail', 'edge']);
  const deps: InviteDeps = {
    repo: data.repo,
    keyring: data.keyring,
    audit: data.audit,
    blind: data.blind,
    mailer: mailerFromEnv(env),
    publicUrl: env.PUBLIC_URL,
    now: Date.now,
  };
  const member = async (principal: Principal, workspaceId: string) => withUserState(await memberActor(deps, principal.userId, workspaceId), principal);
  return [
    bind(c.createInvite, async (req) => ({
      status: 201,
      body: { invite: await createInvite(deps, await member(req.principal, req.params.workspaceId), req.body) },
    })),
    bind(c.listInvites, async (req) => ({
      body: await listInvites(deps, await member(req.principal, req.params.workspaceId), { cursor: req.query.cursor, limit: req.query.limit }),
    })),
    bind(c.resendInvite, async (req) => ({
      body: { invite: await resendInvite(deps, await member(req.principal, req.params.workspaceId), req.params.inviteId) },
    })),
    bind(c.revokeInvite, async (req) => {
      await revokeInvite(deps, await member(req.principal, req.params.workspaceId), req.params.inviteId);
      return { status: 204 };
    }),
    bind(c.previewInvite, async (req) => ({ body: await previewInvite(deps, req.body.token) })),
    bind(c.acceptInvite, async (req) => {
      const user = await getUser(identity, req.principal.userId);
      return { body: await acceptInvite(deps, { userId: req.principal.userId, email: user.email }, req.body.token) };
    }),
  ];
}
