/**
 * Files only the OS user may read (0600, in a dir created 0700: API keys, device tokens, master keys),
 * written atomically (temp file + rename) so no reader ever sees a half-written or wider file.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

export function writePrivateFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: DIR_MODE });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: FILE_MODE });
  chmodSync(tmp, FILE_MODE); // whatever the umask
  renameSync(tmp, path);
}

export const readJsonFile = <T>(path: string): T | undefined => (existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined);
