/**
 * The shared Cloudflare limiter alone (issue 13 item 13), against the sandbox with the real
 * budget of 1,200 requests per window, through the engine's bulk client and DynamoDB Local:
 *  1. 402 requests (what planning 100 zones costs) with a full budget, at the real time scale
 *     (W = 300 s): they should all go at once — the time is the round trips', no pacing;
 *  2. 2,500 requests at time scale 10 (W = 30 s): the burst, then the window's rate; goal ≤ 1.15 ×
 *     the floor (⌈R/L⌉ − 1)·W, and 0 × 429.
 * Both with 16 concurrent callers split over two limiter instances (two containers).
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { startCloudflareSandbox } from '../../lib/local/cloudflare';
import { cfApiFromSdk } from '../../functions/cloudflare/bulk-client';
import { cloudflareClient } from '../../functions/cloudflare/client';
import { createBucketLimiter } from '../../functions/cloudflare/limiter';
import { dataLayer } from '../integration/jobs-harness';

const L = 1200;
const CALLERS = 16;

async function burst(requests: number, timeScale: number): Promise<void> {
  const sb = await startCloudflareSandbox({ seed: { zones: 1, recordsPerZone: 5 }, timeScale });
  try {
    const table = dataLayer().table;
    const keyHash = `bench-${randomBytes(8).toString('hex')}`;
    let paced = 0;
    const apis = [0, 1].map(() =>
      cfApiFromSdk(cloudflareClient({ token: sb.tokens[0]!.value, baseURL: sb.url }, { maxRetries: 0 }), createBucketLimiter({ table, keyHash, onWait: () => paced++ })),
    );
    const zoneId = [...sb.state.zones.keys()][0]!;
    // The first answer teaches the policy (a real client starts by listing zones).
    await apis[0]!.listZones({});
    let left = requests - 1;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CALLERS }, async (_, i) => {
        while (left-- > 0) await apis[i % 2]!.listRecords(zoneId);
      }),
    );
    const s = (performance.now() - t0) / 1000;
    const windowS = 300 / timeScale;
    const floor = (Math.ceil(requests / L) - 1) * windowS;
    const got429 = sb.log.entries().filter((e) => e.status === 429).length;
    console.log(
      `${requests} requests, W = ${windowS} s: ${s.toFixed(2)} s; grants that waited for the budget: ${paced}; floor (⌈R/L⌉−1)·W = ${floor} s${floor ? `, ratio ${(s / floor).toFixed(3)} (goal ≤ 1.15)` : ''}; 429s: ${got429}`,
    );
  } finally {
    await sb.close();
  }
}

export async function run(): Promise<void> {
  await burst(402, 1);
  await burst(2500, 10);
}
