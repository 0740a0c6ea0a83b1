/**
 * Cloudflare's global API rate limit: 1,200 requests per 5 minutes per user (budgetOf). Going over
 * blocks every call of that token for the next 5 minutes (429, code 971, `Retry-After`).
 *
 * Cloudflare does not document the window kind; the sandbox uses a sliding window (a request is
 * allowed if fewer than `limit` requests were accepted in the last `window`), which is the stricter
 * reading: a client that passes here never trips a fixed window either.
 *
 * `timeScale` divides every duration: with `timeScale: 100`, 300 s become 3 s. Header values are
 * real (scaled) seconds, rounded up, at least 1, so a client that honours them waits the right time.
 */
import type { Clock } from './state';
import type { Token } from './types';

/**
 * Whose budget a request spends. Cloudflare: "1200 requests per five minutes per user … regardless
 * of whether the request is made via the dashboard, API key, or API token"; its table says "per
 * user/account token". A user-owned token spends its user's budget; an account-owned token its
 * account's (whether account tokens of one account share a budget is not documented: the strict
 * reading, they do).
 */
export function budgetOf(token: Token): string {
  if (token.owner === 'account') return `account:${token.accounts === '*' ? token.id : token.accounts[0]}`;
  return `user:${userIdOf(token)}`;
}

/** The user behind a user-owned token (a token without one is a user of its own). */
export function userIdOf(token: Token): string {
  return token.user ?? token.id;
}

export interface RateLimitOptions {
  /** Requests per window. @default 1200 */
  limit?: number;
  /** Window in (unscaled) seconds. @default 300 */
  windowSeconds?: number;
  /** Block after going over, in (unscaled) seconds. @default 300 */
  blockSeconds?: number;
  /** Divide all durations by this. @default 1 */
  timeScale?: number;
  /** false turns the limiter off (headers still sent). @default true */
  enabled?: boolean;
}

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
  /** Seconds (scaled, integer ≥ 1) to wait when `allowed` is false. */
  retryAfter?: number;
}

interface Bucket {
  /** Accepted request times (ms), ascending. */
  hits: number[];
  blockedUntil: number;
}

export class RateLimiter {
  limit: number;
  windowMs: number;
  blockMs: number;
  timeScale: number;
  enabled: boolean;
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    opts: RateLimitOptions = {},
  ) {
    this.timeScale = opts.timeScale ?? 1;
    this.limit = opts.limit ?? 1200;
    this.windowMs = ((opts.windowSeconds ?? 300) * 1000) / this.timeScale;
    this.blockMs = ((opts.blockSeconds ?? 300) * 1000) / this.timeScale;
    this.enabled = opts.enabled ?? true;
  }

  configure(opts: RateLimitOptions): void {
    if (opts.timeScale !== undefined) this.timeScale = opts.timeScale;
    const ws = opts.windowSeconds ?? (this.windowMs * this.timeScale) / 1000;
    const bs = opts.blockSeconds ?? (this.blockMs * this.timeScale) / 1000;
    if (opts.limit !== undefined) this.limit = opts.limit;
    if (opts.enabled !== undefined) this.enabled = opts.enabled;
    this.windowMs = (ws * 1000) / this.timeScale;
    this.blockMs = (bs * 1000) / this.timeScale;
  }

  reset(key?: string): void {
    if (key) this.buckets.delete(key);
    else this.buckets.clear();
  }

  private secs(ms: number): number {
    return Math.max(1, Math.ceil(ms / 1000));
  }

  private policy(): string {
    return `"default";q=${this.limit};w=${this.secs(this.windowMs)}`;
  }

  /** Count one request for `key` and decide. */
  hit(key: string): RateDecision {
    const now = this.clock();
    let b = this.buckets.get(key);
    if (!b) {
      b = { hits: [], blockedUntil: 0 };
      this.buckets.set(key, b);
    }
    if (b.blockedUntil > now) {
      const retryAfter = this.secs(b.blockedUntil - now);
      return {
        allowed: false,
        retryAfter,
        headers: { ratelimit: `"default";r=0;t=${retryAfter}`, 'ratelimit-policy': this.policy() },
      };
    }
    if (b.blockedUntil) {
      // Block over: start afresh.
      b.blockedUntil = 0;
      b.hits = [];
    }
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < b.hits.length && b.hits[drop]! <= cutoff) drop++;
    if (drop) b.hits.splice(0, drop);

    if (this.enabled && b.hits.length >= this.limit) {
      b.blockedUntil = now + this.blockMs;
      const retryAfter = this.secs(this.blockMs);
      return {
        allowed: false,
        retryAfter,
        headers: { ratelimit: `"default";r=0;t=${retryAfter}`, 'ratelimit-policy': this.policy() },
      };
    }
    b.hits.push(now);
    const remaining = Math.max(0, this.limit - b.hits.length);
    const resetMs = b.hits[0]! + this.windowMs - now;
    return {
      allowed: true,
      headers: { ratelimit: `"default";r=${remaining};t=${this.secs(resetMs)}`, 'ratelimit-policy': this.policy() },
    };
  }

  /** Current standing without counting a request. */
  peek(key: string): { used: number; blockedForMs: number } {
    const now = this.clock();
    const b = this.buckets.get(key);
    if (!b) return { used: 0, blockedForMs: 0 };
    return { used: b.hits.filter((t) => t > now - this.windowMs).length, blockedForMs: Math.max(0, b.blockedUntil - now) };
  }
}
