/**
 * Cache purge's own rate limit, separate from the 1,200/5 min budget (limiter.ts). Cloudflare
 * ("Purge cache" → "Purge limits", https://developers.cloudflare.com/cache/how-to/purge-cache/):
 * limits "applied per account", a token bucket per plan — Free 5 requests per minute (bucket 25),
 * Pro 5/s (25), Business 10/s (50), Enterprise 50/s (500); "if the bucket is empty, further
 * requests must wait until new tokens are added". A plan we cannot read counts as Free.
 *
 * One bucket per (budget, plan) in DynamoDB (`RL#purge:<plan>:<budget key>`; the budget key is the
 * user's or account's hash, budget-keys.ts), as the GCRA form of the token bucket: an acquire
 * reserves the slot `start = max(tat, now − (C − 1)·T)` and moves `tat` to start + T with ONE
 * conditional UpdateItem (an increment when busy, a reset when idle), then sleeps until its slot.
 * T = 1 / rate exactly; C = bucket − margin, the margin covering ~150 ms by which a request may
 * reach Cloudflare later than its slot (at least 2 tokens). A 429 on purge pauses purges only
 * (its Retry-After), never the DNS jobs sharing the token.
 */
import { TtlLru } from '../crypto/lru';
import type { TableRef } from '../aws/table';
import { updateRateItem } from './rate-items';

export interface PurgeLimit {
  readonly perSecond: number;
  readonly bucket: number;
}

const PURGE_LIMITS: Readonly<Record<string, PurgeLimit>> = {
  free: { perSecond: 5 / 60, bucket: 25 },
  pro: { perSecond: 5, bucket: 25 },
  business: { perSecond: 10, bucket: 50 },
  enterprise: { perSecond: 50, bucket: 500 },
};

/** The purge bucket of a zone's plan (`legacy_id`); unknown → Free, the smallest. */
export function purgeLimitOf(plan: string | undefined): PurgeLimit {
  return PURGE_LIMITS[(plan ?? '').toLowerCase()] ?? PURGE_LIMITS.free!;
}

export interface PurgeLimiter {
  /** Wait for this plan's next purge slot. */
  acquire(): Promise<void>;
  /** A purge was refused (429): no purge of this bucket before Retry-After. */
  pause(seconds: number): Promise<void>;
}

export interface PurgeLimiterOptions {
  table: TableRef;
  /** The budget key (budget-keys.ts) of the connection. */
  budgetKey: string;
  plan: string | undefined;
  /** Divide the documented durations (a time-scaled sandbox). @default 1 */
  timeScale?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onWait?: (ms: number) => void;
}

/** Slots (C) and interval (T, ms) of a plan's bucket. */
export function purgeShape(limit: PurgeLimit, timeScale = 1) {
  const interval = 1000 / (limit.perSecond * timeScale);
  const margin = Math.min(Math.floor(limit.bucket / 2), Math.max(2, Math.ceil(150 / interval)));
  return { burst: limit.bucket - margin, interval };
}

const warm = new TtlLru<PurgeLimiter>({ maxEntries: 1_000, ttlMs: 15 * 60_000 });

/** The shared purge limiter of a budget and plan, one per container. */
export function purgeLimiter(table: TableRef, budgetKey: string, plan: string | undefined, timeScale = 1): PurgeLimiter {
  const key = `${table.name}/${budgetKey}/${plan ?? ''}/${timeScale}`;
  let l = warm.get(key);
  if (!l) {
    l = createPurgeLimiter({ table, budgetKey, plan, timeScale });
    warm.set(key, l);
  }
  return l;
}

export function createPurgeLimiter(o: PurgeLimiterOptions): PurgeLimiter {
  const { table } = o;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const plan = (o.plan ?? 'free').toLowerCase();
  const Key = { pk: `RL#purge:${plan}:${o.budgetKey}`, sk: 'BUCKET' };
  const { burst, interval } = purgeShape(purgeLimitOf(plan), o.timeScale);

  const update = (expr: string, cond: string, values: Record<string, unknown>) => updateRateItem(table, Key, 'cf-purge-bucket', expr, cond, values);


  return {
    async acquire() {
      for (;;) {
        const edge = now() - (burst - 1) * interval;
        // Busy bucket: the slot after the last reserved one; idle (or new): now.
        let out = await update('SET tat = tat + :i', 'tat > :edge', { ':i': interval, ':edge': edge });
        let start = out ? (out.tat as number) - interval : edge;
        if (!out) {
          out = await update('SET tat = :t', 'attribute_not_exists(tat) OR tat <= :edge', { ':t': edge + interval, ':edge': edge });
          if (!out) continue; // someone moved tat past the edge meanwhile: queue behind them
          start = edge;
        }
        const pausedUntil = typeof out.pausedUntil === 'number' ? out.pausedUntil : 0;
        const wait = Math.max(start, pausedUntil) - now();
        if (wait > 0) {
          o.onWait?.(wait);
          await sleep(Math.ceil(wait));
        }
        return;
      }
    },

    async pause(seconds) {
      const until = now() + Math.max(1, seconds) * 1000;
      // No purge before the pause ends: neither those waiting (pausedUntil) nor later ones (tat).
      await update('SET pausedUntil = :p', 'attribute_not_exists(pausedUntil) OR pausedUntil < :p', { ':p': until });
      await update('SET tat = :p', 'attribute_not_exists(tat) OR tat < :p', { ':p': until });
    },
  };
}
