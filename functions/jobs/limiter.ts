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
 *  - `Ratelimit: "default";r=<remaining>;t=<reset>` with r below the margin
 *    means someone else spends this token's budget: every worker pauses t s;
 *  - a 429 pauses every worker for its Retry-After.
 *
 * Acquire = consistent GetItem + conditional UpdateItem (optimistic, on a
 * version counter); losers recompute and retry, waiters sleep until the next
 * token is due (plus jitter, so they do not stampede).
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
  /** Longest single wait before re-reading the bucket (ms). @default 2000 */
  maxWaitMs?: number;
  /** Stats hook (bench/tests). */
  onWait?: (ms: number) => void;
}

export function tokenKeyHash(token: string): string {
  return createHash('sha256').update(`flarevault/cf-token/${token}`).digest('base64url');
}

/** Burst capacity and safety margin for a limit of L requests per window. */
export function bucketShape(limit: number, windowMs: number) {
  const burst = Math.max(1, Math.floor(limit * 0.02));
  const safety = Math.max(1, Math.floor(limit * 0.02));
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
  tokens: number;
  ts: number;
  v: number;
  limit: number;
  windowMs: number;
  pausedUntil: number;
}

export function createBucketLimiter(o: BucketOptions): RateLimiter {
  const { table } = o;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxWait = o.maxWaitMs ?? 2000;
  const key = { pk: `RL#${o.keyHash ?? tokenKeyHash(o.token ?? '')}`, sk: 'BUCKET' };
  const defaults = { limit: o.defaultLimit ?? 1200, windowMs: (o.defaultWindowSeconds ?? 300) * 1000 };

  async function read(): Promise<Bucket | undefined> {
    const out = await table.doc.send(new GetCommand({ TableName: table.name, Key: key, ConsistentRead: true }));
    return out.Item as Bucket | undefined;
  }

  /** Conditional write on the version read (or absence). false = lost the race. */
  async function write(prev: Bucket | undefined, next: Omit<Bucket, 'v'>): Promise<boolean> {
    try {
      await table.doc.send(
        new UpdateCommand({
          TableName: table.name,
          Key: key,
          UpdateExpression: 'SET tokens = :tokens, ts = :ts, v = :nv, #l = :limit, windowMs = :w, pausedUntil = :p, #e = :e',
          ConditionExpression: prev ? 'v = :v' : 'attribute_not_exists(pk)',
          ExpressionAttributeNames: { '#l': 'limit', '#e': '_e' },
          ExpressionAttributeValues: {
            ':tokens': next.tokens,
            ':ts': next.ts,
            ':nv': (prev?.v ?? 0) + 1,
            ':limit': next.limit,
            ':w': next.windowMs,
            ':p': next.pausedUntil,
            ':e': 'cf-rate-bucket',
            ...(prev ? { ':v': prev.v } : {}),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  function refill(b: Bucket | undefined, t: number): Omit<Bucket, 'v'> {
    const limit = b?.limit ?? defaults.limit;
    const windowMs = b?.windowMs ?? defaults.windowMs;
    const shape = bucketShape(limit, windowMs);
    if (!b) return { tokens: shape.burst, ts: t, limit, windowMs, pausedUntil: 0 };
    const tokens = Math.min(shape.burst, b.tokens + Math.max(0, t - b.ts) * shape.perMs);
    return { tokens, ts: Math.max(t, b.ts), limit, windowMs, pausedUntil: b.pausedUntil ?? 0 };
  }

  const wait = async (ms: number) => {
    const d = Math.max(1, Math.min(maxWait, Math.ceil(ms)));
    o.onWait?.(d);
    await sleep(d);
  };

  return {
    async acquire() {
      for (;;) {
        const b = await read();
        const t = now();
        const cur = refill(b, t);
        if (cur.pausedUntil > t) {
          await wait(cur.pausedUntil - t + Math.random() * 50);
          continue;
        }
        if (cur.tokens >= 1) {
          if (await write(b, { ...cur, tokens: cur.tokens - 1 })) return;
          continue; // someone else took it: re-read
        }
        const { perMs } = bucketShape(cur.limit, cur.windowMs);
        const due = (1 - cur.tokens) / perMs;
        await wait(due + Math.random() * Math.min(due, 1 / perMs));
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
      const lim = limit ?? defaults.limit;
      if (rl.remaining !== undefined && rl.resetSeconds !== undefined && x.status !== 429) {
        const { safety } = bucketShape(lim, windowMs ?? defaults.windowMs);
        if (rl.remaining < Math.max(1, Math.floor(safety / 2))) pauseUntil = Math.max(pauseUntil, t + rl.resetSeconds * 1000);
      }
      for (let i = 0; i < 5; i++) {
        const b = await read();
        const changePolicy = (limit !== undefined && limit !== (b?.limit ?? defaults.limit)) || (windowMs !== undefined && windowMs !== (b?.windowMs ?? defaults.windowMs));
        const changePause = pauseUntil > (b?.pausedUntil ?? 0);
        if (!changePolicy && !changePause) return;
        const cur = refill(b, t);
        const next = {
          ...cur,
          limit: limit ?? cur.limit,
          windowMs: windowMs ?? cur.windowMs,
          pausedUntil: Math.max(cur.pausedUntil, pauseUntil),
          // after a pause, start from an empty bucket (the window is what it is)
          tokens: changePause ? 0 : Math.min(cur.tokens, bucketShape(limit ?? cur.limit, windowMs ?? cur.windowMs).burst),
        };
        if (changePause) next.ts = Math.max(next.ts, next.pausedUntil);
        if (await write(b, next)) return;
      }
    },
  };
}
