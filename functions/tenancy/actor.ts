/**
 * Who acts on which tenant: what every tenant-scoped domain operation takes
 * first. Authentication decides it from the credential alone (never from a
 * body). Today a member's tenant is their own user tenant; workspaces change
 * only who the tenant is, not the domains.
 */
import type { Tier } from '../platform/tiers';
import type { Tenant } from './tenant';

export interface Actor {
  /** Whose data: every read and write is keyed by it. */
  readonly tenant: Tenant;
  /** The member who acts (created-by, audit). */
  readonly memberId: string;
  /** The tenant's tier: its limits. */
  readonly tier: Tier;
}

/** The actor of an authenticated principal (principal.ts). */
export function actorOf(principal: { readonly tenant: Tenant; readonly userId: string; readonly tier: Tier }): Actor {
  return { tenant: principal.tenant, memberId: principal.userId, tier: principal.tier };
}
