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
 * Acquire = one conditional UpdateItem that reserves the next slot (GCRA, see
 * below); the caller then sleeps until its slot. No read-modify-write races.
 */
import { createHash } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TtlLru } from '../crypto/lru';
import type { TableRef } from '../aws/table';
import { isConditionalCheckFailed } from '../aws/table';
import { retryAfterSeconds } from './errors';

export interface RateLimiter {
  /** Wait until one request may be sent (the bulk engine: however long the queue is). */
  acquire(): Promise<void>;
  /**
   * Take a slot only if it comes within `maxWaitMs` (then wait for it); otherwise take nothing
   * and say when to come back. Interactive calls use this: a user gets a prompt 429 instead of
   * a request that hangs behind a job's queue or Cloudflare's 5-minute block.
   */
  tryAcquire(maxWaitMs: number): Promise<{ acquired: true } | { acquired: false; retryAfterMs: number }>;
  /** Feed back what Cloudflare answered (headers of any response, 429s). */
  observe(o: RateObservation): Promise<void>;
}

export interface RateObservation {
  status?: number;
  ratelimit?: string | null;
  policy?: string | null;
  retryAfterSeconds?: number | null;
}

/** What a Cloudflare answer tells the limiter: its status and rate-limit headers. */
export function observationOf(status: number, headers: Pick<Headers, 'get'> | undefined): RateObservation {
  const wait = status === 429 ? retryAfterSeconds(headers) : undefined;
  return {
    status,
    ratelimit: headers?.get('ratelimit') ?? null,
    policy: headers?.get('ratelimit-policy') ?? null,
    retryAfterSeconds: wait !== undefined && wait > 0 ? wait : undefined,
  };
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

const warmLimiters = new TtlLru<RateLimiter>({ maxEntries: 1_000, ttlMs: 15 * 60_000 });

/**
 * The shared limiter of a token (its bucket item is keyed by the token's hash), one per
 * container: jobs and interactive calls reuse what it learned (the bucket's policy), so a
 * call costs its reservation only, not a read of the bucket and a policy write first.
 */
export function tokenLimiter(table: TableRef, token: string): RateLimiter {
  const keyHash = tokenKeyHash(token);
  const key = `${table.name}/${keyHash}`;
  let limiter = warmLimiters.get(key);
  if (!limiter) {
    limiter = createBucketLimiter({ table, keyHash });
    warmLimiters.set(key, limiter);
  }
  return limiter;
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

interface Known {
  limit: number;
  windowMs: number;
  pausedUntil: number;
  /** A Ratelimit-Policy header was seen: until then, no burst (the budget is not known yet). */
  learned: boolean;
}

/**
 * GCRA (the reservation form of the token bucket) on one item. `tat` is the
 * theoretical arrival time of the next request. An acquire reserves the slot
 * `start = max(tat, now − (burst − 1)·T)` and moves tat to start + T with ONE
 * conditional UpdateItem and no prior read: when the bucket is busy it is an
 * increment (`tat = tat + T` if `tat > edge`), when idle a reset
 * (`tat = edge + T` if `tat ≤ edge`), so concurrent workers never lose
 * optimistic races; they just queue behind each other's slots. A request goes
 * at most `burst` intervals ahead of schedule, so any window W sees at most
 * burst + W / T = L − S requests.
 */
export function createBucketLimiter(o: BucketOptions): RateLimiter {
  const { table } = o;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const Key = { pk: `RL#${o.keyHash ?? tokenKeyHash(o.token ?? '')}`, sk: 'BUCKET' };
  const defaults: Known = { limit: o.defaultLimit ?? 1200, windowMs: (o.defaultWindowSeconds ?? 300) * 1000, pausedUntil: 0, learned: false };
  /** The bucket's policy as this container last saw it (every acquire refreshes it). */
  let known: Known | undefined;

  const remember = (x: Record<string, unknown> | undefined) => {
    if (!x) return;
    known = {
      limit: typeof x.limit === 'number' ? x.limit : defaults.limit,
      windowMs: typeof x.windowMs === 'number' ? x.windowMs : defaults.windowMs,
      pausedUntil: typeof x.pausedUntil === 'number' ? x.pausedUntil : 0,
      learned: x.learned === true,
    };
  };

  async function update(expr: string, cond: string, values: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    try {
      const out = await table.doc.send(
        new UpdateCommand({
          TableName: table.name,
          Key,
          UpdateExpression: `${expr}, #e = :e`,
          ConditionExpression: cond,
          ExpressionAttributeNames: { '#e': '_e', ...(expr.includes('#l') ? { '#l': 'limit' } : {}) },
          ExpressionAttributeValues: { ...values, ':e': 'cf-rate-bucket' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ?? {};
    } catch (err) {
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
  }

  async function read(): Promise<Known> {
    const out = await table.doc.send(new GetCommand({ TableName: table.name, Key, ConsistentRead: true }));
    remember(out.Item ?? { ...defaults });
    return known!;
  }

  /**
   * Reserve the next slot (no later than `latest`, when given) and wait for it. Undefined: the
   * slot would come after `latest` and nothing was reserved (returns when that slot would come).
   */
  async function reserve(latest?: number): Promise<number | undefined> {
    for (;;) {
      const k = known ?? (await read());
      const shape = bucketShape(k.limit, k.windowMs);
      const burst = k.learned ? shape.burst : 1;
      const interval = 1 / shape.perMs;
      const t = now();
      if (latest !== undefined && k.pausedUntil > latest) return k.pausedUntil;
      const edge = t - (burst - 1) * interval;
      // Busy bucket: take the slot after the last reserved one (only if it is soon enough).
      let out =
        latest === undefined
          ? await update('SET tat = tat + :i', 'tat > :edge', { ':i': interval, ':edge': edge })
          : await update('SET tat = tat + :i', 'tat > :edge AND tat <= :latest', { ':i': interval, ':edge': edge, ':latest': latest });
      let start: number;
      if (out) start = (out.tat as number) - interval;
      else {
        // Idle bucket (or none yet): start at the edge, i.e. now.
        out = await update('SET tat = :t', 'attribute_not_exists(tat) OR tat <= :edge', { ':t': edge + interval, ':edge': edge });
        if (!out) {
          // Busy after all: someone moved tat past the edge meanwhile, or its next slot is too late.
          if (latest === undefined) continue;
          const tat = await readTat();
          if (tat !== undefined && tat > latest) return tat;
          continue;
        }
        start = edge;
      }
      remember(out);
      const sendAt = Math.max(start, known!.pausedUntil);
      const wait = sendAt - now();
      if (wait > 0) {
        o.onWait?.(wait);
        await sleep(Math.ceil(wait));
      }
      return undefined;
    }
  }

  async function readTat(): Promise<number | undefined> {
    const out = await table.doc.send(new GetCommand({ TableName: table.name, Key, ConsistentRead: true }));
    remember(out.Item);
    return typeof out.Item?.tat === 'number' ? out.Item.tat : undefined;
  }

  return {
    async acquire() {
      await reserve();
    },

    async tryAcquire(maxWaitMs) {
      const at = await reserve(now() + maxWaitMs);
      return at === undefined ? { acquired: true } : { acquired: false, retryAfterMs: Math.max(0, at - now()) };
    },

    async observe(x) {
      const policy = parsePolicy(x.policy);
      const rl = parseRatelimit(x.ratelimit);
      const t = now();
      let pauseUntil = 0;
      if (x.status === 429) pauseUntil = t + Math.max(1, x.retryAfterSeconds ?? rl.resetSeconds ?? 1) * 1000;
      const k = known ?? defaults;
      const limit = policy.limit;
      const windowMs = policy.windowSeconds !== undefined ? policy.windowSeconds * 1000 : undefined;
      if (rl.remaining !== undefined && rl.resetSeconds !== undefined && x.status !== 429) {
        const { safety } = bucketShape(limit ?? k.limit, windowMs ?? k.windowMs);
        // Our own traffic leaves ≥ `safety` unused; less means someone else spends this budget.
        if (rl.remaining < Math.min(2, safety)) pauseUntil = Math.max(pauseUntil, t + rl.resetSeconds * 1000);
      }
      const policyDiffers = (limit !== undefined && (limit !== k.limit || !k.learned)) || (windowMs !== undefined && windowMs !== k.windowMs);
      if (policyDiffers) {
        remember(
          await update('SET #l = :l, windowMs = :w, learned = :true', 'attribute_exists(pk) OR attribute_not_exists(pk)', {
            ':l': limit ?? k.limit,
            ':w': windowMs ?? k.windowMs,
            ':true': true,
          }).then((r) => (r ? r : undefined)),
        );
      }
      if (pauseUntil > (known ?? k).pausedUntil) {
        // Every worker waits: the pause, and no slot before it.
        remember(await update('SET pausedUntil = :p', 'attribute_not_exists(pausedUntil) OR pausedUntil < :p', { ':p': pauseUntil }));
        await update('SET tat = :p', 'attribute_not_exists(tat) OR tat < :p', { ':p': pauseUntil });
      }
    },
  };
}
