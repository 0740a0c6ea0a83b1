/**
 * Where `flarevault` keeps its login, and which credential a command uses.
 *
 * `FLAREVAULT_API_KEY` (with `FLAREVAULT_URL`) wins, for CI; else `credentials.json` written by
 * `login` in the OS user's config dir — `$XDG_CONFIG_HOME/flarevault` or `~/.config/flarevault`
 * (Linux and other Unixes), `~/Library/Application Support/flarevault` (macOS),
 * `%APPDATA%\flarevault` (Windows); `FLAREVAULT_CONFIG_DIR` overrides it — as a 0600 file in a
 * 0700 dir: the API key in it acts on the user's Cloudflare zones.
 */
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DIR_MODE, readJsonFile, writePrivateFile } from '../shared/private-file';

export interface StoredCredentials {
  url: string;
  token: string;
  apiKeyId: string;
  workspaceId: string;
  scopes: string[];
  createdAt: string;
}

export interface Credentials {
  url: string;
  token: string;
  /** Where it came from, for messages. */
  source: 'env' | 'file';
  stored?: StoredCredentials;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The config dir for this platform and environment. */
export function configDir(env: Env = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env.FLAREVAULT_CONFIG_DIR) return env.FLAREVAULT_CONFIG_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'flarevault');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'flarevault');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'flarevault');
}

export const credentialsPath = (env: Env = process.env) => join(configDir(env), 'credentials.json');

export const readStored = (env: Env = process.env) => readJsonFile<StoredCredentials>(credentialsPath(env));

/** The login, 0600 (shared/private-file.ts) in the config dir narrowed to 0700. */
export function saveStored(creds: StoredCredentials, env: Env = process.env): string {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  chmodSync(dir, DIR_MODE); // an existing dir keeps its mode through mkdirSync
  const path = join(dir, 'credentials.json');
  writePrivateFile(path, `${JSON.stringify(creds, null, 2)}\n`);
  return path;
}

export function deleteStored(env: Env = process.env): boolean {
  const path = credentialsPath(env);
  if (!existsSync(path)) return false;
  rmSync(path);
  return true;
}

export class NotLoggedInError extends Error {
  constructor() {
    super('Not logged in: run `flarevault login` (or set FLAREVAULT_API_KEY and FLAREVAULT_URL)');
    this.name = 'NotLoggedInError';
  }
}

/** The credential a command uses: the environment's API key, else the stored login. */
export function resolveCredentials(env: Env = process.env): Credentials {
  const stored = readStored(env);
  if (env.FLAREVAULT_API_KEY) {
    const url = env.FLAREVAULT_URL ?? stored?.url;
    if (!url) throw new Error('FLAREVAULT_API_KEY is set but FLAREVAULT_URL is not: set the flarevault URL too');
    return { url, token: env.FLAREVAULT_API_KEY, source: 'env' };
  }
  if (!stored) throw new NotLoggedInError();
  return { url: stored.url, token: stored.token, source: 'file', stored };
}
