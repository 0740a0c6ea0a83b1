/** What the gateway benches share: the load-client process (load-client.ts) and percentiles. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The p-th percentile (nearest rank) of latencies. */
export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** Runs one closed-loop job in the load-client process; its per-request latencies in ms. */
export function loadClient(job: Record<string, unknown>): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'load-client.ts')], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += String(c)));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`load client exited ${code}`))));
    child.stdin.end(JSON.stringify(job));
  });
}
