/**
 * The names of the permission actions, for the contracts: each route declares
 * the action it needs (`RouteDef.permission`). The minimum role of each action
 * (the matrix) lives in functions/workspaces/permissions.ts, which imports
 * this list; the two cannot drift (`PERMISSIONS` satisfies `Record<Action, Role>`).
 */
export const ACTIONS = [
  'workspace.read',
  'workspace.rename',
  'workspace.settings',
  'workspace.delete',
  'workspace.transfer',
  'members.read',
  'members.manage',
  'invites.manage',
  'applications.read',
  'applications.manage',
  'logs.read',
  'cloudflare.accounts.read',
  'cloudflare.accounts.manage',
  'dns.read',
  'dns.write',
  'jobs.read',
  'jobs.plan',
  'jobs.apply',
] as const;

export type Action = (typeof ACTIONS)[number];
