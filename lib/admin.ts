/**
 * Operator commands, run with the target environment's variables: in AWS the
 * stack outputs (TABLE_NAME, KMS_KEY_ID, …) and credentials; locally, the env
 * of the running `npm start` (read from .flarevault/runtime-env.json).
 */
import { setTier } from '../functions/identity/accounts';
import { identityFromEnv } from '../functions/identity/from-env';
import { TIERS, type Tier } from '../functions/platform/tiers';
import { readRuntimeEnv } from './local/runtime-env';

const USAGE = `usage: npm run admin -- set-tier <email> <${TIERS.join('|')}>`;

export async function runAdmin(argv: readonly string[]): Promise<string> {
  const [command, email, tier] = argv;
  if (command !== 'set-tier' || !email || !TIERS.includes(tier as Tier)) throw new Error(USAGE);
  if (!process.env.TABLE_NAME) {
    const local = readRuntimeEnv();
    if (!local) throw new Error('No TABLE_NAME in the environment and no running local stack (.flarevault/runtime-env.json): start `npm start` or export the stack outputs.');
    for (const [k, v] of Object.entries(local)) process.env[k] ??= v;
  }
  const { deps } = identityFromEnv();
  const userId = await setTier(deps, email, tier as Tier);
  return `user ${userId} is now on the ${tier} tier`;
}
