/**
 * The reference sync client for tests and the bench: the real command (bin/sync-client.ts) as a
 * child process, `--json` lines on stdout parsed as they come; or a device in-process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { KdfParams } from '../../clients/sync/crypto';
import { LinkedDevice } from '../../clients/sync/device';
import { unlock } from '../../clients/sync/link';
import { Profile } from '../../clients/sync/state';
import { baseUrl } from '../setup/env';
import { linkedDevice } from './device-authorization';

const ROOT = resolve(__dirname, '..', '..');

export interface ClientRun {
  readonly code: number | null;
  /** Every JSON line printed on stdout. */
  readonly lines: Record<string, any>[];
  readonly stderr: string;
}

export interface RunningClient {
  readonly child: ChildProcess;
  readonly done: Promise<ClientRun>;
}

/** Starts `sync-client <args> --json`; `onLine` sees each stdout line as it arrives. */
export function spawnClient(args: string[], o: { env?: Record<string, string>; onLine?: (line: Record<string, any>) => void } = {}): RunningClient {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'sync-client.ts'), ...args, '--json'], {
    cwd: ROOT,
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, any>[] = [];
  let stderr = '';
  let buf = '';
  child.stdout!.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const text = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!text) continue;
      const line = JSON.parse(text) as Record<string, any>;
      lines.push(line);
      o.onLine?.(line);
    }
  });
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const done = new Promise<ClientRun>((res, rej) => {
    child.once('error', rej);
    child.once('close', (code) => res({ code, lines, stderr }));
  });
  return { child, done };
}

/** Runs a command to its end; throws with its stderr when it fails and `expectCode` is 0. */
export async function runClient(args: string[], o: { env?: Record<string, string>; expectCode?: number } = {}): Promise<ClientRun> {
  const run = await spawnClient(args, o).done;
  const expected = o.expectCode ?? 0;
  if (run.code !== expected) throw new Error(`sync-client ${args.join(' ')} exited ${run.code} (expected ${expected}): ${run.stderr}`);
  return run;
}

/**
 * A device linked over HTTP (approved with the user's session, as test/support/device-authorization.ts
 * does), with a profile of its own under `root`, unlocked in-process with `passphrase`.
 */
export async function inProcessDevice(root: string, name: string, userToken: string, passphrase: string, o: { kdf?: Omit<KdfParams, 'salt'>; fetchImpl?: typeof fetch } = {}): Promise<LinkedDevice> {
  const { deviceToken, deviceId } = await linkedDevice(userToken, name, 'cli');
  const profile = new Profile(join(root, name));
  profile.save({ baseUrl: baseUrl(), deviceId, deviceName: name, token: deviceToken, linkedAt: new Date().toISOString(), snapshots: {}, cursors: {}, history: {}, ownPushed: 0 });
  const device = new LinkedDevice(profile, profile.linked(), o.fetchImpl);
  await unlock(device, passphrase, o.kdf);
  return device;
}
