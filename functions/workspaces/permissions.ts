/**
 * Roles and the permission matrix, in one place. Every domain operation of
 * `cloudflare/`, `jobs/` and `workspaces/` opens with `assertCan(actor, action)`:
 * one line that says who may do this, before any work.
 *
 *   OWNER > ADMIN > USER   (ANON: the unauthenticated caller, public routes only)
 *   SUPPORT                operator staff under an operator's time-limited grant, outside
 *                          the order: exactly the actions of SUPPORT_ACTIONS (reads of the
 *                          workspace's metadata and logs), each audited (workspaces/support.ts)
 *
 * Who decides what: the authenticator (identity/authenticate.ts) answers 404
 * to a non-member (not yours = absent) and puts the member's CURRENT role in
 * the principal; an API key's scopes are checked at the route; the role is
 * checked here. What a key may do is its scopes ∩ its owner's current role.
 * A member whose role is below the action's minimum gets 403 `forbidden`
 * naming the role needed. docs/security.md holds the same matrix as a table
 * (test/unit/permissions.test.ts asserts they agree).
 */
import type { Action } from '../contracts/permissions';
import { ROLES, type Role } from '../contracts/workspaces';
import { DomainError } from '../errors';
import type { Actor, ActorRole } from '../tenancy/actor';

/** The minimum role of each action; a role holds every action of the roles below it. */
export const PERMISSIONS = {
  'workspace.read': 'USER',
  'workspace.rename': 'OWNER',
  'workspace.settings': 'OWNER',
  'workspace.delete': 'OWNER',
  'workspace.transfer': 'OWNER',
  'members.read': 'USER',
  'members.manage': 'ADMIN',
  'invites.manage': 'ADMIN',
  'applications.read': 'USER',
  'applications.manage': 'ADMIN',
  'logs.read': 'ADMIN',
  'cloudflare.accounts.read': 'USER',
  'cloudflare.accounts.manage': 'ADMIN',
  'dns.read': 'USER',
  'dns.write': 'ADMIN',
  'jobs.read': 'USER',
  'jobs.plan': 'USER',
  'jobs.apply': 'ADMIN',
} as const satisfies Record<Action, Role>;

export type { Action };

/**
 * What SUPPORT may do, and nothing else: the workspace's metadata, its members and roles, its
 * audit chain and API-access log. Never Cloudflare accounts/tokens, DNS, jobs, applications,
 * invites, and never a write.
 */
export const SUPPORT_ACTIONS: readonly Action[] = ['workspace.read', 'members.read', 'logs.read'];

/** The matrix's columns: the ordered roles, then SUPPORT. */
const COLUMNS: readonly ActorRole[] = [...ROLES, 'SUPPORT'];

/** What each action means, for the table in docs/security.md. */
export const ACTION_DESCRIPTIONS: Record<Action, string> = {
  'workspace.read': 'see the workspace (name, tier)',
  'workspace.rename': 'rename the workspace',
  'workspace.settings': 'change the workspace settings (the two-person rule)',
  'workspace.delete': 'delete the workspace (crypto-shred)',
  'workspace.transfer': 'make another member OWNER, demote an OWNER',
  'members.read': 'list members and roles',
  'members.manage': 'change roles and remove members (an ADMIN: never an OWNER, never to OWNER)',
  'invites.manage': 'invite, resend, revoke',
  'applications.read': 'list and read applications (name, origins, redirect URIs, client id)',
  'applications.manage': 'register, change, delete applications',
  'logs.read': 'audit events and the API-access log',
  'cloudflare.accounts.read': 'list Cloudflare accounts and zones',
  'cloudflare.accounts.manage': 'connect, verify, disconnect Cloudflare accounts',
  'dns.read': 'list and export DNS records',
  'dns.write': 'create, change, delete DNS records interactively',
  'jobs.read': 'list jobs, their items and events',
  'jobs.plan': 'plan a job (preview, changes nothing)',
  'jobs.apply': 'apply (server or browser chunks), cancel, retry, revert a job',
};

/** Higher is more powerful. */
const RANK: Record<Role, number> = { USER: 1, ADMIN: 2, OWNER: 3 };

export function atLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/** Whether `role` holds `action` (the matrix's cells). */
function holds(role: ActorRole, action: Action): boolean {
  return role === 'SUPPORT' ? SUPPORT_ACTIONS.includes(action) : atLeast(role, PERMISSIONS[action]);
}

export function can(actor: Pick<Actor, 'role'> & { readonly supportAction?: string }, action: Action): boolean {
  // A SUPPORT actor is made for one audited action (support.ts workspaceActor): nothing else passes.
  if (actor.role === 'SUPPORT') return holds('SUPPORT', action) && actor.supportAction === action;
  return holds(actor.role, action);
}

/** The roles that may do `action`, most powerful first. */
export function rolesFor(action: Action): Role[] {
  return ROLES.filter((r) => atLeast(r, PERMISSIONS[action]));
}

/** The first line of every domain operation: 403 `forbidden` naming the role needed. */
export function assertCan(actor: Pick<Actor, 'role'> & { readonly supportAction?: string }, action: Action): void {
  if (can(actor, action)) return;
  const required = PERMISSIONS[action];
  if (actor.role === 'SUPPORT') {
    throw new DomainError('forbidden', 'Support access is read-only: the workspace, its members and its logs', {
      code: 'support-read-only',
      extra: { action, requiredRole: required, role: actor.role },
    });
  }
  throw new DomainError('forbidden', `This needs the ${required} role in this workspace (yours is ${actor.role})`, {
    code: 'forbidden',
    extra: { action, requiredRole: required, role: actor.role },
  });
}

/**
 * The first line of the operations that reach outside the account (connecting a Cloudflare
 * account, inviting a member, registering an application): 403 `email-unverified` until the
 * member has verified their email (identity/email-verification.ts).
 */
export function assertEmailVerified(actor: Pick<Actor, 'emailUnverified'>): void {
  if (!actor.emailUnverified) return;
  throw new DomainError('forbidden', 'Verify your email address first: open the link we mailed you (or ask for a new one)', {
    code: 'email-unverified',
  });
}

/** The matrix as a markdown table: docs/security.md holds exactly this text. */
export function permissionTable(): string {
  const head = `| action | what | ${COLUMNS.join(' | ')} |`;
  const rule = `|---|---|${COLUMNS.map(() => ':-:').join('|')}|`;
  const rows = (Object.keys(PERMISSIONS) as Action[]).map(
    (a) => `| \`${a}\` | ${ACTION_DESCRIPTIONS[a]} | ${COLUMNS.map((r) => (holds(r, a) ? '✓' : '–')).join(' | ')} |`,
  );
  return [head, rule, ...rows].join('\n');
}
