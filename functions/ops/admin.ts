/**
 * Operator commands: domain operations no HTTP route offers, run by an
 * operator with the target environment's variables (bin/admin.ts sets them:
 * in AWS the stack outputs and credentials; locally the running stack's env).
 */
import { setTier } from '../identity/accounts';
import { identityFromEnv } from '../identity/from-env';
import { TIERS, type Tier } from '../platform/tiers';

const USAGE = `usage: npm run admin -- set-tier <email> <${TIERS.join('|')}>`;

/** Runs one command; `prepareEnv` runs once the arguments are valid, before any environment is read. */
export async function runAdmin(argv: readonly string[], prepareEnv: () => void = () => {}): Promise<string> {
  const [command, email, tier] = argv;
  if (command !== 'set-tier' || !email || !TIERS.includes(tier as Tier)) throw new Error(USAGE);
  prepareEnv();
  const { deps } = identityFromEnv();
  const userId = await setTier(deps, email, tier as Tier);
  return `user ${userId} is now on the ${tier} tier`;
}
