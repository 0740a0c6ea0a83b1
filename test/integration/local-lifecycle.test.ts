/**
 * The local stack's lifecycle as `npm start` runs it: one stack per data dir
 * (a lock file with pid + URL), and SIGTERM or SIGINT sent to the top `npm`
 * process alone (as a supervisor or an IDE does) stops every descendant,
 * DynamoDB Local's JVM included.
 *
 * The stacks are started with `npm run dev` (`bin/local.ts` without the
 * dashboard build that `npm start` runs first): the same npm → `sh -c` →
 * `exec node bin/local.ts` chain, without a Vite build per test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDataDirLock, LOCK_FILE } from '../../lib/local/lock';
import { isAlive } from '../support/process';

const ROOT = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ppidOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);

/** Every process below `root` (Linux /proc). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = ppidOf(Number(name));
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) for (const c of children.get(todo.pop()!) ?? []) todo.push(c), out.push(c);
  return out;
}

interface Started {
  child: ChildProcess;
  url: string;
  /** The node process running bin/local.ts (the JVM's parent). */
  stackPid: number;
  jvmPid: number;
  output: () => string;
}

const spawned: ChildProcess[] = [];
function npmRunDev(dataDir: string): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn('npm', ['run', 'dev'], {
    cwd: ROOT,
    // Its own process group, like a service under a supervisor; afterAll can then clean up whatever is left.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FLAREVAULT_DATA_DIR: dataDir, PORT: '0', FLAREVAULT_SCHEDULE_SCALE: '0' },
  });
  spawned.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function startStack(dataDir: string): Promise<Started> {
  const { child, output } = npmRunDev(dataDir);
  const end = Date.now() + 60_000;
  for (;;) {
    const ready = /flarevault ready at (http:\/\/\S+)/.exec(output());
    if (ready) {
      const jvmPid = Number(/dynamodb .*\(pid (\d+)/.exec(output())![1]);
      return { child, url: ready[1]!, jvmPid, stackPid: ppidOf(jvmPid), output };
    }
    if (child.exitCode !== null || Date.now() > end) throw new Error(`npm run dev did not get ready:\n${output()}`);
    await sleep(100);
  }
}

async function allGone(pids: number[], withinMs: number): Promise<number[]> {
  const end = Date.now() + withinMs;
  while (pids.some(isAlive) && Date.now() < end) await sleep(100);
  return pids.filter(isAlive);
}

afterAll(() => {
  for (const c of spawned) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      /* the group is gone, as it should be */
    }
  }
});

describe('the data dir lock', () => {
  it('is taken once; a second taker is told the pid and URL of the first; release removes it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fv-lock-'));
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    expect(() => acquireDataDirLock(dir)).toThrow(new RegExp(`pid ${process.pid}, still starting`));
    lock.setUrl('http://127.0.0.1:8787');
    expect(() => acquireDataDirLock(dir)).toThrow(new RegExp(`another local stack \\(pid ${process.pid}, http://127\\.0\\.0\\.1:8787\\) is using ${dir}`));
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    acquireDataDirLock(dir).release();
  });

  it('a lock left by a process that is gone (crash, kill -9) is stale and taken over', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fv-lock-'));
    const gone = spawnSync('true').pid;
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: gone, url: 'http://127.0.0.1:1' }));
    const lock = acquireDataDirLock(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });
});

describe('npm run dev (npm → sh -c exec → node bin/local.ts → java)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fv-lifecycle-'));

  it('a second start on the same data dir refuses, naming the running one; SIGTERM to npm alone stops everything', async () => {
    const first = await startStack(dataDir);
    const tree = descendants(first.child.pid!);
    expect(tree).toEqual(expect.arrayContaining([first.stackPid, first.jvmPid]));

    const second = npmRunDev(dataDir);
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toContain(`another local stack (pid ${first.stackPid}, ${first.url}) is using ${dataDir}`);
    expect(second.output()).not.toMatch(/dynamodb +http/); // refused before a second JVM touched the database
    expect(isAlive(first.jvmPid)).toBe(true);

    process.kill(first.child.pid!, 'SIGTERM');
    expect(await allGone([first.child.pid!, ...tree], 20_000)).toEqual([]);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it('SIGINT to npm alone stops everything too (and the data dir is free again after a clean stop)', async () => {
    const again = await startStack(dataDir);
    const tree = descendants(again.child.pid!);
    expect(tree).toEqual(expect.arrayContaining([again.stackPid, again.jvmPid]));
    process.kill(again.child.pid!, 'SIGINT');
    expect(await allGone([again.child.pid!, ...tree], 20_000)).toEqual([]);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it('a launcher killed outright (SIGKILL, nothing forwarded): the stack sees it is orphaned and stops', async () => {
    const orphan = await startStack(dataDir);
    const tree = descendants(orphan.child.pid!);
    process.kill(orphan.child.pid!, 'SIGKILL');
    expect(await allGone(tree, 20_000)).toEqual([]);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  }, 120_000);
});
