/**
 * Who acts on which tenant: what every tenant-scoped domain operation takes
 * first. Authentication decides it from the credential alone (never from a
 * body): the tenant is a workspace (a session's active workspace, an API
 * key's workspace) and the role is the member's current role in it, read on
 * every request. Domains check the role with `assertCan` (workspaces/permissions.ts).
 */
import type { Role } from '../contracts/workspaces';
import type { Tier } from '../platform/tiers';
import type { Tenant } from './tenant';

/**
 * A member's role, or SUPPORT: operator staff reading one workspace under an operator's
 * time-limited grant (workspaces/support.ts) — outside the OWNER > ADMIN > USER order.
 */
export type ActorRole = Role | 'SUPPORT';

export interface Actor {
  /** Whose data: every read and write is keyed by it (a workspace). */
  readonly tenant: Tenant;
  /** The member who acts (created-by, audit). */
  readonly memberId: string;
  /** The tenant's tier: its limits. */
  readonly tier: Tier;
  /** The member's current role in the tenant (SUPPORT: not a member; see ActorRole). */
  readonly role: ActorRole;
  /** SUPPORT only: the one action its `support.read` audit event names (assertCan allows nothing else). */
  readonly supportAction?: string;
  /** The member has not verified their email: connecting accounts, inviting and registering applications wait for it. */
  readonly emailUnverified?: true;
}

/** The actor of an authenticated principal (principal.ts). */
export function actorOf(principal: {
  readonly tenant: Tenant;
  readonly userId: string;
  readonly tier: Tier;
  readonly role: Role;
  readonly emailUnverified?: true;
}): Actor {
  return {
    tenant: principal.tenant,
    memberId: principal.userId,
    tier: principal.tier,
    role: principal.role,
    ...(principal.emailUnverified ? { emailUnverified: true as const } : {}),
  };
}

/** An actor made for a path's workspace (memberActor) keeps what the principal says of the user: an unverified email. */
export function withUserState(actor: Actor, principal: { readonly emailUnverified?: true }): Actor {
  return principal.emailUnverified ? { ...actor, emailUnverified: true } : actor;
}
