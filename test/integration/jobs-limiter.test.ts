/**
 * The shared Cloudflare limiter on DynamoDB Local: many concurrent acquirers in separate limiter
 * instances (as if in separate containers) sharing one budget spend what may be spent at once,
 * then never more than N = L − reserve − safety in any sliding window W; they learn L and W from
 * Ratelimit-Policy, all pause on a 429, and pause when the headers show someone else spending.
 */
import { randomBytes } from 'node:crypto';
import { budgetShape, createBucketLimiter } from '../../functions/cloudflare/limiter';
import { dataLayer } from './jobs-harness';

jest.setTimeout(60_000);

function maxInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

const freshKey = () => `test-${randomBytes(8).toString('hex')}`;

test('a full budget is spent at once above the reserve, by concurrent acquirers in 3 instances sharing the item', async () => {
  const table = dataLayer().table;
  const keyHash = freshKey();
  const L = 1200;
  const instances = Array.from({ length: 3 }, () => createBucketLimiter({ table, keyHash }));
  await instances[0]!.observe({ status: 200, policy: `"default";q=${L};w=300`, ratelimit: `"default";r=${L};t=300` });
  const { spendable } = budgetShape(L, 300_000);
  const waits: number[] = [];
  const watched = Array.from({ length: 3 }, () => createBucketLimiter({ table, keyHash, onWait: (ms) => waits.push(ms) }));
  const t0 = Date.now();
  // All N requests the budget allows, as fast as 3 × 16 workers ask, spread over the instances.
  let left = spendable;
  await Promise.all(
    Array.from({ length: 48 }, async (_, w) => {
      while (left-- > 0) await (await watched[w % 3]!.acquire()).done();
    }),
  );
  const elapsed = Date.now() - t0;
  expect(waits).toEqual([]); // no grant was paced
  expect(elapsed).toBeLessThan(15_000); // DynamoDB Local round trips only, no pacing (a pace of W/N would take 5 min)
  // One more is beyond the window: it is not granted before the first grants leave the window.
  const next = await instances[1]!.tryAcquire(5_000);
  expect(next.acquired).toBe(false);
  expect(!next.acquired && next.retryAfterMs).toBeGreaterThan(300_000 - elapsed - 5_000);
});

test('16 acquirers in separate instances: a burst, then never over N per sliding window, and the budget used', async () => {
  const table = dataLayer().table;
  const keyHash = freshKey();
  const L = 120;
  const W = 3000;
  const instances = Array.from({ length: 16 }, () => createBucketLimiter({ table, keyHash }));
  // The first answer teaches the policy (like Cloudflare's header).
  await instances[0]!.observe({ status: 200, policy: `"default";q=${L};w=3`, ratelimit: `"default";r=${L};t=3` });
  const times: number[] = [];
  const t0 = Date.now();
  const until = t0 + 8000;
  await Promise.all(
    instances.map(async (lim) => {
      while (Date.now() < until) {
        const grant = await lim.acquire();
        times.push(Date.now());
        await grant.done(); // the "request" was answered
      }
    }),
  );
  const { spendable, safety } = budgetShape(L, W);
  // Each request i + N goes ≥ W after request i was answered: never more than N in any window.
  expect(maxInWindow(times, W)).toBeLessThanOrEqual(spendable);
  expect(maxInWindow(times, W)).toBeLessThanOrEqual(L - safety);
  // The first N went at once.
  expect(times.filter((t) => t - t0 < 1000).length).toBeGreaterThanOrEqual(spendable);
  // Windows starting at 0, ~3 s and ~6 s (each one W after the previous one's answers, so a little
  // later under load): ~3·N grants in 8 s, the budget used.
  expect(times.length).toBeGreaterThanOrEqual(2.5 * spendable);
});

test('a 429 pauses every instance for its Retry-After; the key is a hash, not the token', async () => {
  const table = dataLayer().table;
  const token = `tok-${randomBytes(12).toString('hex')}`;
  const a = createBucketLimiter({ table, token });
  const b = createBucketLimiter({ table, token });
  await a.observe({ status: 200, policy: '"default";q=1000;w=1' });
  await (await a.acquire()).done();
  await a.observe({ status: 429, retryAfterSeconds: 1 });
  const t = Date.now();
  await (await b.acquire()).done();
  expect(Date.now() - t).toBeGreaterThanOrEqual(900);
  const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  const out = await table.doc.send(new ScanCommand({ TableName: table.name, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': 'RL#' } }));
  expect(JSON.stringify(out.Items)).not.toContain(token);
});

test('headers showing someone else spending the budget (r below reserve + safety) pause every instance until the reset', async () => {
  const table = dataLayer().table;
  const keyHash = freshKey();
  const a = createBucketLimiter({ table, keyHash });
  const b = createBucketLimiter({ table, keyHash });
  await a.observe({ status: 200, policy: '"default";q=1200;w=300', ratelimit: '"default";r=1199;t=300' });
  await (await a.acquire()).done();
  // Our own spending (1) leaves 1199; Cloudflare says 30 remain: another tool spends this user's budget.
  await a.observe({ status: 200, ratelimit: '"default";r=30;t=2' });
  const t = Date.now();
  await (await b.acquire()).done();
  expect(Date.now() - t).toBeGreaterThanOrEqual(1_800);
  // A remaining budget our own traffic can leave (≥ reserve + safety) pauses nobody.
  const c = createBucketLimiter({ table, keyHash: freshKey() });
  await c.observe({ status: 200, policy: '"default";q=1200;w=300', ratelimit: '"default";r=60;t=200' });
  const t2 = Date.now();
  await (await c.acquire()).done();
  expect(Date.now() - t2).toBeLessThan(1_000);
});
