/**
 * Operator commands: domain operations no HTTP route offers, run by an
 * operator with the target environment's variables (bin/admin.ts sets them:
 * in AWS the stack outputs and credentials; locally the running stack's env).
 *
 *   set-tier <workspaceId> <tier>   a workspace's tier (its limits)
 *   set-tier <email> <tier>         shortcut: that user's personal workspace (and the user's own tier)
 *   migrate-workspaces              move data of the first version into personal workspaces (idempotent; ops/migrate-workspaces.ts)
 *   grant-support <email> <workspaceId> [--hours N] [--operator NAME]
 *                                   operator staff (a user) may read that workspace's metadata, members
 *                                   and logs for N hours (default 24, at most 168); audited in the
 *                                   workspace as support.granted by the operator (--operator, else $USER)
 *   revoke-support <email> <workspaceId> [--operator NAME]
 *                                   ends it now (the next request: 404); audited as support.revoked
 */
import { findUserIdByEmail, setTier } from '../identity/accounts';
import { identityFromEnv } from '../identity/from-env';
import { dataLayerFromEnv } from '../data/from-env';
import { TIERS, type Tier } from '../platform/tiers';
import { ensurePersonalWorkspace, setWorkspaceTier } from '../workspaces/workspaces';
import { grantSupport, revokeSupport } from '../workspaces/support';
import { migrateWorkspaces } from './migrate-workspaces';

const USAGE = [
  `usage: npm run admin -- set-tier <workspaceId|email> <${TIERS.join('|')}>`,
  '       npm run admin -- migrate-workspaces',
  '       npm run admin -- grant-support <email> <workspaceId> [--hours N] [--operator NAME]',
  '       npm run admin -- revoke-support <email> <workspaceId> [--operator NAME]',
].join('\n');

/** `grant-support`/`revoke-support` arguments: two positionals, then `--hours N` (grant only) and `--operator NAME`. */
export function parseSupportArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): { email: string; workspaceId: string; hours?: number; operator: string } {
  const [command, email, workspaceId, ...rest] = argv;
  if (!email?.includes('@') || !workspaceId || workspaceId.startsWith('--')) throw new Error(USAGE);
  let hours: number | undefined;
  let operator = env.USER ?? env.LOGNAME ?? '';
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (value === undefined) throw new Error(USAGE);
    if (flag === '--hours' && command === 'grant-support' && /^\d+(\.\d+)?$/.test(value)) hours = Number(value);
    else if (flag === '--operator' && /^[\w.@-]{1,64}$/.test(value)) operator = value;
    else throw new Error(USAGE);
  }
  if (!operator) throw new Error('Name the operator: --operator NAME (or run with $USER set)');
  return { email, workspaceId, hours, operator };
}

/** Runs one command; `prepareEnv` runs once the arguments are valid, before any environment is read. */
export async function runAdmin(argv: readonly string[], prepareEnv: () => void = () => {}): Promise<string> {
  const [command, target, tier] = argv;
  if (command === 'migrate-workspaces' && argv.length === 1) {
    prepareEnv();
    const data = dataLayerFromEnv();
    const r = await migrateWorkspaces({ table: data.table, keyring: data.keyring, repo: data.repo, now: Date.now });
    return `migrate-workspaces: ${r.moved} item(s) of ${r.users} user(s) moved, ${r.pointers} pointer(s) re-pointed${r.conflicts.length ? `; left in place (key taken in the workspace): ${r.conflicts.join(', ')}` : ''}${r.unreadable.length ? `; left in place (does not decrypt): ${r.unreadable.join(', ')}` : ''}`;
  }
  if (command === 'grant-support' || command === 'revoke-support') {
    const a = parseSupportArgs(argv);
    prepareEnv();
    const data = dataLayerFromEnv();
    const deps = { repo: data.repo, keyring: data.keyring, audit: data.audit, now: Date.now };
    const userId = await findUserIdByEmail(identityFromEnv().deps, a.email);
    if (!userId) throw new Error('No such user');
    if (command === 'grant-support') {
      const { expiresAt } = await grantSupport(deps, { workspaceId: a.workspaceId, userId, operator: a.operator, hours: a.hours });
      return `user ${userId} has read-only SUPPORT access to workspace ${a.workspaceId} until ${expiresAt} (granted by ${a.operator})`;
    }
    const existed = await revokeSupport(deps, { workspaceId: a.workspaceId, userId, operator: a.operator });
    return existed ? `SUPPORT access of user ${userId} to workspace ${a.workspaceId} revoked` : `user ${userId} had no SUPPORT grant on workspace ${a.workspaceId} (recorded anyway)`;
  }
  if (command !== 'set-tier' || !target || !TIERS.includes(tier as Tier)) throw new Error(USAGE);
  prepareEnv();
  const data = dataLayerFromEnv();
  const deps = { repo: data.repo, keyring: data.keyring, audit: data.audit, now: Date.now };
  if (target.includes('@')) {
    const userId = await setTier(identityFromEnv().deps, target, tier as Tier);
    await ensurePersonalWorkspace(deps, userId, tier as Tier);
    await setWorkspaceTier(deps, userId, tier as Tier);
    return `user ${userId} and their personal workspace are now on the ${tier} tier`;
  }
  await setWorkspaceTier(deps, target, tier as Tier);
  return `workspace ${target} is now on the ${tier} tier`;
}
