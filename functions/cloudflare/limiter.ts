/**
 * The shared Cloudflare request budget: one limiter per budget, shared by every worker, handler
 * and container through DynamoDB (`RL#<key>`; the key is a hash, never a token or an id; the items
 * hold no tenant data).
 *
 * Cloudflare counts L = 1,200 requests per W = 300 s per USER, across all of that user's tokens
 * and the dashboard; an account-owned token counts on its own (budget-keys.ts). Going over blocks
 * every call for 300 s. Cloudflare does not say whether the window slides; we obey the stricter,
 * sliding reading: in ANY interval of length W we send at most N = L − reserve − safety requests,
 *   reserve  3% of L, left to the user's other tools (dashboard, scripts),
 *   safety   ≥ 2% of L, for requests that reach Cloudflare later than their slot (skew).
 * With the budget full we spend N at once (no pacing delay), then pace at the window's rate.
 *
 * How, without a read-modify-write race: a SLIDING LOG as a chain of grants. Each acquire takes
 * the next sequence number i with one unconditional `ADD seq 1` (never fails, never retries, so
 * many concurrent containers do not collapse), records its planned time in its own item
 * (`SLOT#i`, TTL'd) and may send once
 *     now ≥ at(i − N) + W,  now ≥ answered(i − N) + W,  now ≥ pausedUntil,
 * where grant i − N's item tells when it was planned and when its request was answered
 * (`Grant.done`). Grant i − N ≤ 0 does not exist: the first N go at once. Cloudflare counted
 * request i − N no later than it answered it, so every N consecutive requests reach Cloudflare
 * at least W apart however slow the network or the machine: no window holds more than N.

 * The limiter also learns from Cloudflare's headers:
 *  - `Ratelimit-Policy: "default";q=<L>;w=<W>` sets L and W (a time-scaled sandbox says w=3);
 *    until a first answer teaches it, a new budget sends only a few requests per second;
 *  - `Ratelimit: "default";r=<remaining>;t=<reset>`: our own traffic never leaves fewer than
 *    reserve + safety; fewer than safety + reserve/2 means someone else spends this budget
 *    (another tool, or a token of the same user we could not identify) → every worker pauses t s;
 *  - a 429 pauses every worker for its Retry-After.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TtlLru } from '../crypto/lru';
import type { TableRef } from '../aws/table';
import { tokenKeyHash } from './budget-keys';
import { updateRateItem } from './rate-items';
import { retryAfterSeconds } from './errors';

export { tokenKeyHash } from './budget-keys';

export interface RateLimiter {
  /** Wait until one request may be sent (the bulk engine: however long the queue is). */
  acquire(): Promise<Grant>;
  /**
   * Take a slot only if it comes within `maxWaitMs` (then wait for it); otherwise take nothing
   * and say when to come back. Never waits longer than `maxWaitMs`. Interactive calls use this: a
   * user gets a prompt 429 instead of a request that hangs behind a job's queue or Cloudflare's
   * 5-minute block; so do queue deliveries (wait-bound.ts): a worker defers instead of sleeping.
   */
  tryAcquire(maxWaitMs: number): Promise<{ acquired: true; grant: Grant } | { acquired: false; retryAfterMs: number }>;
  /** Feed back what Cloudflare answered (headers of any response, 429s). */
  observe(o: RateObservation): Promise<void>;
}

/** One request's place in the budget. */
export interface Grant {
  /** The request was answered, or given up: Cloudflare has counted it by now. Call it once, always. */
  done(): Promise<void>;
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

/**
 * A 429 that is not the budget's block: an endpoint's own limit (cache purge), since Cloudflare
 * still reports budget left (`Ratelimit: r > 0`). Without that header, the strict reading: the block.
 */
export function isEndpointLimit(o: RateObservation): boolean {
  return o.status === 429 && (parseRatelimit(o.ratelimit).remaining ?? 0) > 0;
}

export interface BucketOptions {
  table: TableRef;
  /** The Cloudflare token (only its hash is used) or an already-hashed budget key (budget-keys.ts). */
  token?: string;
  keyHash?: string;
  /** @default 1200 */
  defaultLimit?: number;
  /** @default 300 */
  defaultWindowSeconds?: number;
  /** Share of L left to the user's other tools. @default 0.03 */
  reserveShare?: number;
  /** @default Date.now */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Stats hook (bench/tests). */
  onWait?: (ms: number) => void;
  /** A grant not reported done this long after its time is taken as answered (its holder died). @default 60000 */
  maxRequestMs?: number;
}

/** What may be spent of a budget of L requests per window: N per any interval of length W. */
export function budgetShape(limit: number, windowMs: number, reserveShare = 0.03) {
  const reserve = Math.floor(limit * reserveShare);
  // Requests reaching Cloudflare later than their slot (up to ~150 ms of skew): at least 2% of L.
  const safety = Math.max(Math.ceil((limit * 150) / windowMs) + 1, Math.floor(limit * 0.02));
  const spendable = Math.max(1, limit - reserve - safety);
  // Below this `r`, someone else spends the budget (our own traffic leaves reserve + safety).
  const othersBelow = safety + Math.floor(reserve / 2);
  return { reserve, safety, spendable, othersBelow };
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

const warmLimiters = new TtlLru<RateLimiter>({ maxEntries: 1_000, ttlMs: 15 * 60_000 });

/**
 * The shared limiter of a budget (keyHash from budget-keys.ts), one per container: jobs and
 * interactive calls reuse what it learned (the policy), so a call costs its grant only.
 */
export function budgetLimiter(table: TableRef, keyHash: string): RateLimiter {
  const key = `${table.name}/${keyHash}`;
  let limiter = warmLimiters.get(key);
  if (!limiter) {
    limiter = createBucketLimiter({ table, keyHash });
    warmLimiters.set(key, limiter);
  }
  return limiter;
}

interface Slot {
  /** When the grant was planned to go. */
  at: number;
  /** When its request was answered (Cloudflare had counted it by then). */
  doneAt?: number;
}

interface Known {
  limit: number;
  windowMs: number;
  pausedUntil: number;
  /** A Ratelimit-Policy header was seen: until then, only a few requests per second. */
  learned: boolean;
}

/** Before the policy is known: this many grants per (W · this / L), i.e. the default rate, tiny bursts. */
const UNLEARNED_CHAIN = 4;
/** How long a grant waits for the item of grant i − N (written by a holder still computing) before assuming it was sent now. */
const SLOT_WAIT_MS = 3_000;
/** How often a grant looks whether grant i − N was answered yet. */
const DONE_POLL_MS = 25;

/** The sliding-window budget limiter described above (the name stays "bucket": the item is the budget's). */
export function createBucketLimiter(o: BucketOptions): RateLimiter {
  const { table } = o;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pk = `RL#${o.keyHash ?? tokenKeyHash(o.token ?? '')}`;
  const Key = { pk, sk: 'BUCKET' };
  const slotKey = (i: number) => ({ pk, sk: `SLOT#${String(i).padStart(12, '0')}` });
  const defaults: Known = { limit: o.defaultLimit ?? 1200, windowMs: (o.defaultWindowSeconds ?? 300) * 1000, pausedUntil: 0, learned: false };
  /** The budget's policy as this container last saw it (every grant refreshes it). */
  let known: Known | undefined;
  const maxRequestMs = o.maxRequestMs ?? 60_000;

  const remember = (x: Record<string, unknown> | undefined) => {
    if (!x) return;
    known = {
      limit: typeof x.limit === 'number' ? x.limit : defaults.limit,
      windowMs: typeof x.windowMs === 'number' ? x.windowMs : defaults.windowMs,
      pausedUntil: typeof x.pausedUntil === 'number' ? x.pausedUntil : 0,
      learned: x.learned === true,
    };
  };

  /** Grants per window and the window, as this container knows the policy. */
  const chain = (k: Known) => {
    const shape = budgetShape(k.limit, k.windowMs, o.reserveShare);
    if (k.learned) return { n: shape.spendable, windowMs: k.windowMs, shape };
    const n = Math.min(UNLEARNED_CHAIN, shape.spendable);
    return { n, windowMs: (k.windowMs * n) / k.limit, shape };
  };

  const update = (expr: string, cond: string | undefined, values: Record<string, unknown>) => updateRateItem(table, Key, 'cf-rate-bucket', expr, cond, values);


  async function readBudget(): Promise<Record<string, unknown> | undefined> {
    const out = await table.doc.send(new GetCommand({ TableName: table.name, Key, ConsistentRead: true }));
    remember(out.Item ?? { ...defaults });
    return out.Item;
  }

  async function slotOf(i: number): Promise<Slot | undefined> {
    const out = await table.doc.send(new GetCommand({ TableName: table.name, Key: slotKey(i), ConsistentRead: true }));
    const x = out.Item;
    return typeof x?.at === 'number' ? { at: x.at, doneAt: typeof x.doneAt === 'number' ? x.doneAt : undefined } : undefined;
  }

  /** Grant i − n, once its holder has written it (or, if it never does, as if sent when we first looked: the strict reading). */
  async function predecessor(j: number, wait: boolean): Promise<Slot | undefined> {
    if (j < 1) return undefined;
    const firstLook = now();
    for (;;) {
      const prev = await slotOf(j);
      if (prev) return prev;
      if (!wait || now() - firstLook > SLOT_WAIT_MS) return { at: firstLook };
      await sleep(20);
    }
  }

  /**
   * Cloudflare counted grant i − n by the time it answered it: go no sooner than W after that.
   * False (nothing waited for past it) when that is later than `giveUpAt`.
   */
  async function behind(j: number, prev: Slot, windowMs: number, giveUpAt: number): Promise<boolean> {
    let doneAt = prev.doneAt;
    while (doneAt === undefined) {
      // Still in flight (or still waiting for its own turn); a holder that never reports (it died)
      // is taken as answered now.
      if (now() > prev.at + maxRequestMs) doneAt = now();
      else if (now() + windowMs > giveUpAt) return false; // answered now at the earliest: still too far
      else {
        await sleep(DONE_POLL_MS);
        doneAt = (await slotOf(j))?.doneAt;
      }
    }
    // + 1 ms: timers may fire a millisecond early by the wall clock.
    const wait = doneAt + windowMs + 1 - now();
    if (wait > 0) {
      if (now() + wait > giveUpAt) return false;
      o.onWait?.(wait);
      await sleep(Math.ceil(wait));
    }
    return true;
  }

  /** Record grant i as answered at `t` (its request answered, or never sent). */
  async function markDone(i: number, t: number): Promise<void> {
    await table.doc.send(new UpdateCommand({ TableName: table.name, Key: slotKey(i), UpdateExpression: 'SET doneAt = :d', ExpressionAttributeValues: { ':d': t } }));
  }

  /**
   * Take the next grant, record when it is planned, wait for it; `done` records when Cloudflare
   * answered it. A grant that would go later than `maxWaitMs` from now is given up unused instead
   * (recorded as answered, so its successor N later is not held back) and the answer is when to
   * come back: a bounded wait is strict even when concurrent callers raced past tryAcquire's peek.
   */
  async function grant(maxWaitMs = Number.POSITIVE_INFINITY): Promise<Grant | { retryAfterMs: number }> {
    const giveUpAt = now() + maxWaitMs;
    const out = await update('ADD seq :one', undefined, { ':one': 1 });
    remember(out);
    const i = out!.seq as number;
    const k = known!;
    const { n, windowMs } = chain(k);
    const prev = await predecessor(i - n, true);
    const at = Math.max(now(), prev ? prev.at + windowMs : 0, k.pausedUntil);
    await table.doc.send(
      new PutCommand({ TableName: table.name, Item: { ...slotKey(i), at, ttl: Math.ceil((at + windowMs + maxRequestMs) / 1000) + 3600, _e: 'cf-rate-slot' } }),
    );
    const giveUp = async (retryAt: number) => {
      // Nothing was sent for grant i: "answered" by its planned time is true and keeps the chain moving.
      await markDone(i, Math.max(at, now()));
      return { retryAfterMs: Math.max(0, retryAt - now()) };
    };
    if (at > giveUpAt) return giveUp(at);
    const wait = at - now();
    if (wait > 0) {
      o.onWait?.(wait);
      await sleep(Math.ceil(wait));
    }
    if (prev && !(await behind(i - n, prev, windowMs, giveUpAt))) return giveUp((prev.doneAt ?? now()) + windowMs);
    return {
      done: async () => {
        try {
          await markDone(i, now());
        } catch {
          // Best effort (it runs in `finally`, after the answer): unreported, grant i + N waits the
          // fallback (maxRequestMs after this slot) instead.
        }
      },
    };
  }

  /** When the next grant would go, taking nothing. */
  async function nextGrantAt(): Promise<number> {
    const item = await readBudget();
    const k = known!;
    const { n, windowMs } = chain(k);
    const next = (typeof item?.seq === 'number' ? item.seq : 0) + 1;
    const prev = await predecessor(next - n, false);
    return Math.max(now(), prev ? (prev.doneAt ?? prev.at) + windowMs : 0, k.pausedUntil);
  }

  return {
    async acquire() {
      return (await grant()) as Grant;
    },

    async tryAcquire(maxWaitMs) {
      // Peek first: a call that would wait too long takes nothing (the common case costs no grant).
      const at = await nextGrantAt();
      if (at > now() + maxWaitMs) return { acquired: false, retryAfterMs: Math.max(0, at - now()) };
      const g = await grant(maxWaitMs);
      return 'done' in g ? { acquired: true, grant: g } : { acquired: false, retryAfterMs: g.retryAfterMs };
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
        const { othersBelow } = budgetShape(limit ?? k.limit, windowMs ?? k.windowMs, o.reserveShare);
        if (rl.remaining < othersBelow) pauseUntil = Math.max(pauseUntil, t + rl.resetSeconds * 1000);
      }
      const policyDiffers = (limit !== undefined && (limit !== k.limit || !k.learned)) || (windowMs !== undefined && windowMs !== k.windowMs);
      if (policyDiffers) {
        remember(await update('SET #l = :l, windowMs = :w, learned = :true', undefined, { ':l': limit ?? k.limit, ':w': windowMs ?? k.windowMs, ':true': true }));
      }
      if (pauseUntil > (known ?? k).pausedUntil) {
        // Every worker waits: no grant goes before the pause ends.
        remember(await update('SET pausedUntil = :p', 'attribute_not_exists(pausedUntil) OR pausedUntil < :p', { ':p': pauseUntil }));
      }
    },
  };
}
