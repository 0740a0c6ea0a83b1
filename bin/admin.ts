/**
 * `npm run admin -- set-tier <email> <tier>` / `migrate-workspaces` /
 * `grant-support <email> <workspaceId> [--hours N] [--operator NAME]` / `revoke-support <email> <workspaceId>`:
 * operator commands (functions/ops/admin.ts),
 * run with the target environment's variables: in AWS the stack outputs (TABLE_NAME,
 * KMS_KEY_ID, …) and credentials; without them, the env of the running `npm start`
 * (read from .flarevault/runtime-env.json).
 */
import { runAdmin } from '../functions/ops/admin';
import { readRuntimeEnv } from '../lib/local/runtime-env';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Point at the running local stack unless the environment already names a table. */
function useLocalStackEnv(): void {
  if (process.env.TABLE_NAME) return;
  const local = readRuntimeEnv();
  if (!local) throw new Error('No TABLE_NAME in the environment and no running local stack (.flarevault/runtime-env.json): start `npm start` or export the stack outputs.');
  for (const [k, v] of Object.entries(local)) process.env[k] ??= v;
}

runAdmin(process.argv.slice(2), useLocalStackEnv).then(
  (message) => console.log(message),
  (e: Error) => {
    console.error(e.message);
    process.exit(1);
  },
);
