/**
 * One local stack per data dir. Two stacks on one dir run two DynamoDB Local
 * JVMs on one database file, which corrupts it (timeouts, then 500s). The
 * first stack creates `<dataDir>/stack.lock` atomically (`open(…, 'wx')`)
 * with its pid and, once serving, its URL; a second one refuses with both.
 * A lock whose pid is gone (crash, kill -9) is stale and taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'stack.lock';
/** A lock file younger than this with no content yet belongs to a stack that is writing it. */
const WRITING_GRACE_MS = 5_000;

interface LockContent {
  pid: number;
  url?: string;
}

export interface DataDirLock {
  /** Adds the gateway URL, so a second start can name it. */
  setUrl(url: string): void;
  /** Removes the lock if it is still ours. */
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: alive, but another user's.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function beingWritten(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < WRITING_GRACE_MS;
  } catch {
    return false;
  }
}

function readLock(file: string): LockContent | undefined {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as LockContent;
    return Number.isInteger(c.pid) && c.pid > 0 ? c : undefined;
  } catch {
    return undefined;
  }
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid } satisfies LockContent));
      } finally {
        closeSync(fd);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readLock(file);
    const stale = holder ? !isAlive(holder.pid) : !beingWritten(file);
    if (!stale || attempt > 0) {
      const who = holder ? `pid ${holder.pid}, ${holder.url ?? 'still starting'}` : 'starting';
      throw new Error(
        `flarevault: another local stack (${who}) is using ${dataDir}. Stop it first (Ctrl-C in its terminal), or set FLAREVAULT_DATA_DIR to another folder. If no stack is running, delete ${file}.`,
      );
    }
    rmSync(file, { force: true });
  }

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    if (readLock(file)?.pid === process.pid) rmSync(file, { force: true });
  };
  // process.exit() (a second Ctrl-C, a failed start) skips async stops: release synchronously then.
  process.on('exit', release);
  return {
    setUrl: (url) => writeFileSync(file, JSON.stringify({ pid: process.pid, url } satisfies LockContent), { mode: 0o600 }),
    release,
  };
}
