/**
 * Operator commands: domain operations no HTTP route offers, run by an
 * operator with the target environment's variables (bin/admin.ts sets them:
 * in AWS the stack outputs and credentials; locally the running stack's env).
 *
 *   set-tier <workspaceId> <tier>   a workspace's tier (its limits)
 *   set-tier <email> <tier>         shortcut: that user's personal workspace (and the user's own tier)
 *   migrate-workspaces              move data of the first version into personal workspaces (idempotent; ops/migrate-workspaces.ts)
 */
import { setTier } from '../identity/accounts';
import { identityFromEnv } from '../identity/from-env';
import { dataLayerFromEnv } from '../data/from-env';
import { TIERS, type Tier } from '../platform/tiers';
import { ensurePersonalWorkspace, setWorkspaceTier } from '../workspaces/workspaces';
import { migrateWorkspaces } from './migrate-workspaces';

const USAGE = `usage: npm run admin -- set-tier <workspaceId|email> <${TIERS.join('|')}> | migrate-workspaces`;

/** Runs one command; `prepareEnv` runs once the arguments are valid, before any environment is read. */
export async function runAdmin(argv: readonly string[], prepareEnv: () => void = () => {}): Promise<string> {
  const [command, target, tier] = argv;
  if (command === 'migrate-workspaces' && argv.length === 1) {
    prepareEnv();
    const data = dataLayerFromEnv();
    const r = await migrateWorkspaces({ table: data.table, keyring: data.keyring, repo: data.repo, now: Date.now });
    return `migrate-workspaces: ${r.moved} item(s) of ${r.users} user(s) moved, ${r.pointers} pointer(s) re-pointed${r.conflicts.length ? `; left in place (key taken in the workspace): ${r.conflicts.join(', ')}` : ''}${r.unreadable.length ? `; left in place (does not decrypt): ${r.unreadable.join(', ')}` : ''}`;
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
