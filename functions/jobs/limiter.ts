/**
 * One rate limiter per Cloudflare token, shared by every worker, handler and
 * container: a token bucket in DynamoDB (`RL#<sha256(token)>` / `BUCKET`; the
 * key is a hash, never the token; the item holds no tenant data).
 *
 * Cloudflare allows L = 1,200 requests per W = 300 s per token and counts them
 * in a window (the sandbox: sliding, the strict reading). A bucket of capacity
 * C refilled at r per second lets through at most C + r·W requests in any
 * window of length W, so we pick r = (L − C − S) / W, with a small burst C and
 * a safety margin S for requests still in flight when counted: the budget is
 * used to (L − S) / L ≈ 98% and never exceeded.
 *
 * The bucket also learns from Cloudflare's headers:
 *  - `Ratelimit-Policy: "default";q=<L>;w=<W>` sets L and W (a time-scaled
 *    sandbox says w=3 and the bucket follows);
 *  - `Ratelimit: "default";r=<remaining>;t=<reset>` with r ≤ 1 means someone
 *    else spends this token's budget: every worker pauses t s;
 *  - a 429 pauses every worker for its Retry-After.
 *
 * Acquire = consistent GetItem + one conditional UpdateItem (optimistic, on a
 * version counter) that reserves the next slot (GCRA); the caller then sleeps
 * until its slot. Losers of a race re-read and reserve the following slot.
 */
import { createHash } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TableRef } from '../data/table';
import { isConditionalCheckFailed } from '../data/table';

export interface RateLimiter {
  /** Wait until one request may be sent. */
  acquire(): Promise<void>;
  /** Feed back what Cloudflare answered (headers of any response, 429s). */
  observe(o: RateObservation): Promise<void>;
}

export interface RateObservation {
  status?: number;
  ratelimit?: string | null;
  policy?: string | null;
  retryAfterSeconds?: number | null;
}

export interface BucketOptions {
  table: TableRef;
  /** The Cloudflare token (only its hash is used) or an already-hashed key. */
  token?: string;
  keyHash?: string;
  /** @default 1200 */
  defaultLimit?: number;
  /** @default 300 */
  defaultWindowSeconds?: number;
  /** @default Date.now */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Stats hook (bench/tests). */
  onWait?: (ms: number) => void;
}

export function tokenKeyHash(token: string): string {
  return createHash('sha256').update(`flarevault/cf-token/${token}`).digest('base64url');
}

/** Burst capacity and safety margin for a limit of L requests per window. */
export function bucketShape(limit: number, windowMs: number) {
  const burst = Math.max(1, Math.floor(limit * 0.02));
  // Margin for requests that reach Cloudflare later than their slot (up to ~150 ms of
  // scheduling/network skew bunches them): at least 2% of the budget.
  const safety = Math.max(Math.ceil((limit * 150) / windowMs) + 1, Math.floor(limit * 0.02));
  const perMs = Math.max(limit - burst - safety, 1) / windowMs;
  return { burst, safety, perMs };
}

export function parseRatelimit(h: string | null | undefined): { remaining?: number; resetSeconds?: number } {
  if (!h) return {};
  const r = /(?:^|;)\s*r=(\d+)/.exec(h);
  const t = /(?:^|;)\s*t=(\d+)/.exec(h);
  return { remaining: r ? Number(r[1]) : undefined, resetSeconds: t ? Number(t[1]) : undefined };
}

export function parsePolicy(h: string | null | undefined): { limit?: number; windowSeconds?: number } {
  if (!h) return {};
  const q = /(?:^|;)\s*q=(\d+)/.exec(h);
  const w = /(?:^|;)\s*w=(\d+)/.exec(h);
  return { limit: q ? Number(q[1]) : undefined, windowSeconds: w ? Number(w[1]) : undefined };
}

interface Bucket {
  /** Theoretical arrival time (ms) of the next request: the GCRA form of a token bucket. */
  tat: number;
  v: number;
  limit: number;
  windowMs: number;
  pausedUntil: number;
  /** A Ratelimit-Policy header was seen: until then, no burst (the budget is not known yet). */
  learned?: boolean;
}

/**
 * GCRA (the reservation form of the token bucket): each acquire moves the
 * bucket's theoretical arrival time one emission interval forward with one
 * conditional write, then sleeps until its own slot. No waiter stampede, exact
 * pacing; a request may go at most `burst` intervals ahead of the schedule, so
 * any window W sees at most burst + W / interval = L − S requests.
 */
export function createBucketLimiter(o: BucketOptions): RateLimiter {
  const { table } = o;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const key = { pk: `RL#${o.keyHash ?? tokenKeyHash(o.token ?? '')}`, sk: 'BUCKET' };
  const defaults = { limit: o.defaultLimit ?? 1200, windowMs: (o.defaultWindowSeconds ?? 300) * 1000 };
  /** What this container last saw in the table (saves a read per observation). */
  let known: { limit: number; windowMs: number; pausedUntil: number; learned: boolean } | undefined;

  async function read(): Promise<Bucket | undefined> {
    const out = await table.doc.send(new GetCommand({ TableName: table.name, Key: key, ConsistentRead: true }));
    const b = out.Item as Bucket | undefined;
    if (b) known = { limit: b.limit, windowMs: b.windowMs, pausedUntil: b.pausedUntil ?? 0, learned: !!b.learned };
    return b;
  }

  /** Conditional write on the version read (or absence). false = lost the race. */
  async function write(prev: Bucket | undefined, next: Omit<Bucket, 'v'>): Promise<boolean> {
    try {
      await table.doc.send(
        new UpdateCommand({
          TableName: table.name,
          Key: key,
          UpdateExpression: 'SET tat = :tat, v = :nv, #l = :limit, windowMs = :w, pausedUntil = :p, learned = :learned, #e = :e',
          ConditionExpression: prev ? 'v = :v' : 'attribute_not_exists(pk)',
          ExpressionAttributeNames: { '#l': 'limit', '#e': '_e' },
          ExpressionAttributeValues: {
            ':tat': next.tat,
            ':nv': (prev?.v ?? 0) + 1,
            ':limit': next.limit,
            ':w': next.windowMs,
            ':p': next.pausedUntil,
            ':learned': !!next.learned,
            ':e': 'cf-rate-bucket',
            ...(prev ? { ':v': prev.v } : {}),
          },
        }),
      );
      known = { limit: next.limit, windowMs: next.windowMs, pausedUntil: next.pausedUntil, learned: !!next.learned };
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  const base = (b: Bucket | undefined) => ({
    tat: b?.tat ?? 0,
    limit: b?.limit ?? defaults.limit,
    windowMs: b?.windowMs ?? defaults.windowMs,
    pausedUntil: b?.pausedUntil ?? 0,
    learned: !!b?.learned,
  });

  return {
    async acquire() {
      for (;;) {
        const b = await read();
        const t = now();
        const cur = base(b);
        const shape = bucketShape(cur.limit, cur.windowMs);
        const burst = cur.learned ? shape.burst : 1;
        const interval = 1 / shape.perMs;
        // GCRA: `burst` requests may go at once; after that one per interval.
        const start = Math.max(cur.tat, t - (burst - 1) * interval, cur.pausedUntil);
        const next = { ...cur, tat: start + interval };
        if (!(await write(b, next))) continue; // another worker reserved first: re-read
        const sendAt = Math.max(start, cur.pausedUntil);
        const wait = sendAt - t;
        if (wait > 0) {
          o.onWait?.(wait);
          await sleep(Math.ceil(wait));
        }
        return;
      }
    },

    async observe(x) {
      const policy = parsePolicy(x.policy);
      const rl = parseRatelimit(x.ratelimit);
      const t = now();
      let pauseUntil = 0;
      if (x.status === 429) pauseUntil = t + Math.max(1, x.retryAfterSeconds ?? rl.resetSeconds ?? 1) * 1000;
      const limit = policy.limit;
      const windowMs = policy.windowSeconds !== undefined ? policy.windowSeconds * 1000 : undefined;
      if (rl.remaining !== undefined && rl.resetSeconds !== undefined && x.status !== 429) {
        const { safety } = bucketShape(limit ?? known?.limit ?? defaults.limit, windowMs ?? known?.windowMs ?? defaults.windowMs);
        // Our own traffic leaves ≥ `safety` unused; less means someone else spends this budget.
        if (rl.remaining < Math.min(2, safety)) pauseUntil = Math.max(pauseUntil, t + rl.resetSeconds * 1000);
      }
      const k = known ?? { ...defaults, pausedUntil: 0, learned: false };
      const policyDiffers = (limit !== undefined && (limit !== k.limit || !k.learned)) || (windowMs !== undefined && windowMs !== k.windowMs);
      if (!policyDiffers && pauseUntil <= k.pausedUntil) return;
      for (let i = 0; i < 5; i++) {
        const b = await read();
        const cur = base(b);
        const changePolicy =
          (limit !== undefined && limit !== cur.limit) || (windowMs !== undefined && windowMs !== cur.windowMs) || (limit !== undefined && !cur.learned);
        const changePause = pauseUntil > cur.pausedUntil;
        if (!changePolicy && !changePause) return;
        const next = {
          learned: cur.learned || limit !== undefined,
          tat: changePause ? Math.max(cur.tat, pauseUntil) : cur.tat,
          limit: limit ?? cur.limit,
          windowMs: windowMs ?? cur.windowMs,
          pausedUntil: Math.max(cur.pausedUntil, pauseUntil),
        };
        if (await write(b, next)) return;
      }
    },
  };
}
