/**
 * While `npm start` runs, its handler env (emulator endpoints, table, key) is
 * written to `.flarevault/runtime-env.json` (0600) so operator commands such
 * as `npm run admin` can reach the running local stack.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dataDir = () => resolve(process.env.FLAREVAULT_DATA_DIR ?? join(__dirname, '..', '..', '.flarevault'));
export const runtimeEnvPath = () => join(dataDir(), 'runtime-env.json');

export function writeRuntimeEnv(env: Record<string, string>): void {
  writeFileSync(runtimeEnvPath(), JSON.stringify(env, null, 2), { mode: 0o600 });
}

export function removeRuntimeEnv(): void {
  rmSync(runtimeEnvPath(), { force: true });
}

export function readRuntimeEnv(): Record<string, string> | undefined {
  try {
    return JSON.parse(readFileSync(runtimeEnvPath(), 'utf8')) as Record<string, string>;
  } catch {
    return undefined;
  }
}
