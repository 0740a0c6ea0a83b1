/**
 * Roles and the minimum role of the actions the dashboard gates, copied from
 * functions/workspaces/permissions.ts: the frontend may import only contract
 * types (test/infra/import-rules.test.ts), so the copy is checked in two places.
 * `satisfies` checks the roles against the contract's `Role` at compile time (and
 * that the order names every role); test/unit/frontend-roles.test.ts checks each
 * action's name and minimum against the server's PERMISSIONS. The server still
 * decides: a 403 `forbidden` is shown like any other problem.
 */
import type { CallerRole, Role } from './types';

/** Most powerful first, as in the contract. */
export const ROLES = ['OWNER', 'ADMIN', 'USER'] as const satisfies readonly Role[];

/** Only the actions the UI gates; each value must equal the server's minimum. */
export const UI_PERMISSIONS = {
  'workspace.rename': 'OWNER',
  'workspace.settings': 'OWNER',
  'workspace.delete': 'OWNER',
  'workspace.transfer': 'OWNER',
  'members.manage': 'ADMIN',
  'invites.manage': 'ADMIN',
  'applications.manage': 'ADMIN',
  'logs.read': 'ADMIN',
  'cloudflare.accounts.manage': 'ADMIN',
  'dns.write': 'ADMIN',
  'jobs.apply': 'ADMIN',
} as const satisfies Record<string, Role>;

export type UiAction = keyof typeof UI_PERMISSIONS;

// SUPPORT is outside the order: the dashboard's gated actions are all beyond its reads.
const RANK: Record<CallerRole, number> = { SUPPORT: 0, USER: 1, ADMIN: 2, OWNER: 3 };

export function atLeast(role: CallerRole, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/** Why `role` may not do `action` ("Needs ADMIN"), or null when it may. */
export function deniedReason(role: CallerRole | undefined, action: UiAction): string | null {
  const min = UI_PERMISSIONS[action];
  if (!role) return null; // unknown yet: let the server decide
  if (role === 'SUPPORT') return 'Support access is read-only';
  return atLeast(role, min) ? null : `Needs ${min}`;
}

// The role order must name every role of the contract.
type Missing<All, Have> = Exclude<All, Have> extends never ? true : { missing: Exclude<All, Have> };
const _rolesComplete: Missing<Role, (typeof ROLES)[number]> = true;
void _rolesComplete;
