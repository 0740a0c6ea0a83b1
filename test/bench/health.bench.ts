/**
 * GET /api/health through the local gateway: closed-loop fetch at concurrency 1, 8 and 32
 * (each worker sends its next request when the previous answer arrives), p50 and p99 latency
 * and requests per second; and the deep check's latency once, for comparison.
 */
import { performance } from 'node:perf_hooks';
import { baseUrl } from '../setup/env';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function closedLoop(url: string, concurrency: number, durationMs: number): Promise<{ times: number[]; statuses: Map<number, number> }> {
  const times: number[] = [];
  const statuses = new Map<number, number>();
  const end = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const r = await fetch(url);
        await r.arrayBuffer();
        times.push(performance.now() - t);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    }),
  );
  return { times, statuses };
}

export async function run(): Promise<void> {
  const url = `${baseUrl()}/api/health`;
  await closedLoop(url, 4, 500); // warm-up: handler modules loaded, connections open
  console.log('GET /api/health, closed loop through the local gateway, 3 s per level:');
  for (const c of [1, 8, 32]) {
    const { times, statuses } = await closedLoop(url, c, 3000);
    const codes = [...statuses].map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(
      `  c=${String(c).padStart(2)}   health p50 ${pct(times, 50).toFixed(2)} ms   p99 ${pct(times, 99).toFixed(2)} ms   ${Math.round(times.length / 3)} req/s   (${codes})`,
    );
  }
}
