/**
 * The Cloudflare sandbox in its own process (lib/local/cloudflare/main.ts), so that a bench
 * measures the engine's memory apart from the 500,000 records the sandbox holds. Its request log
 * is read over the admin API.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { LogEntry } from '../../../lib/local/cloudflare';

export interface SandboxProcess {
  /** Base URL for the SDK (ends in /client/v4). */
  url: string;
  token: string;
  /** Request log entries after `since` (the admin API's `GET /__sandbox/log`). */
  log(since?: number): Promise<{ entries: LogEntry[]; lastSeq: number }>;
  /** A token of a new Cloudflare user (the budget is per user): a full budget, at once. */
  newUserToken(user: string): Promise<string>;
  close(): Promise<void>;
}

export interface SandboxProcessOptions {
  zones: number;
  recordsPerZone: number;
  plan: 'free' | 'pro' | 'business' | 'enterprise';
  timeScale: number;
  rateLimit: { limit: number; windowSeconds: number };
}

export async function startSandboxProcess(o: SandboxProcessOptions): Promise<SandboxProcess> {
  const main = join(__dirname, '..', '..', '..', 'lib', 'local', 'cloudflare', 'main.ts');
  const args = ['--import', 'tsx', main, '--port', '0', '--seed', 'generated', '--zones', String(o.zones), '--records', String(o.recordsPerZone)];
  args.push('--plan', o.plan, '--time-scale', String(o.timeScale), '--rate-limit', String(o.rateLimit.limit), '--window-seconds', String(o.rateLimit.windowSeconds));
  args.push('--log-limit', '200000');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('CLOUDFLARE_API_TOKEN=')) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code} before it was ready: ${out}`)));
  });
  const url = /CLOUDFLARE_BASE_URL=(\S+)/.exec(ready)![1]!;
  const token = /CLOUDFLARE_API_TOKEN=(\S+)/.exec(ready)![1]!;
  const origin = new URL(url).origin;
  return {
    url,
    token,
    async log(since = 0) {
      const r = await fetch(`${origin}/__sandbox/log?since=${since}`);
      return (await r.json()) as { entries: LogEntry[]; lastSeq: number };
    },
    async newUserToken(user) {
      const r = await fetch(`${origin}/__sandbox/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accounts: '*', write: true, user }) });
      return ((await r.json()) as { value: string }).value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
