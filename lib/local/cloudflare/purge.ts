/**
 * `POST /zones/{id}/purge_cache` and its own rate limit. Cloudflare ("Purge cache", "Purge limits",
 * https://developers.cloudflare.com/cache/how-to/purge-cache/): "The current purge limits are
 * applied per account", a token bucket per plan —
 *
 *   plan        requests          bucket size   operations per request
 *   Free        5 per minute      25            100
 *   Pro         5 per second      25            100
 *   Business    10 per second     50            100
 *   Enterprise  50 per second     500           500 (single-file: URLs)
 *
 * "Tokens refill at a consistent rate, but each bucket has a maximum capacity … If the bucket is
 * empty, further requests must wait until new tokens are added." The sandbox keeps one bucket per
 * (account, plan) — an account's zones of one plan share it (whether zones of different plans of
 * one account share one bucket is not said; separate buckets, each with its plan's size) — and
 * counts every purge kind on it, single-file purges too (the stricter reading; the docs' separate
 * URL-per-second limits of 800/1,500/3,000 are far above 100 URLs per request at these rates).
 * A purge also counts on the global 1,200/5 min budget (counted before routing): purge by tag,
 * host, prefix and everything do (cloudflare/cloudflare-docs#5458, a Cloudflare engineer: "all
 * still count toward the 1200/5 min rate limit"), by URL may not any more; strict: all do.
 * Over the bucket: 429, 971, `Retry-After` until the next token (scaled).
 */
import { CfError, errors, ok, type Envelope } from './envelope';
import type { SandboxState } from './state';
import type { PlanName, ZoneState } from './types';

interface PurgeLimit {
  perSecond: number;
  bucket: number;
  maxPerRequest: number;
}

const LIMITS: Record<PlanName, PurgeLimit> = {
  free: { perSecond: 5 / 60, bucket: 25, maxPerRequest: 100 },
  pro: { perSecond: 5, bucket: 25, maxPerRequest: 100 },
  business: { perSecond: 10, bucket: 50, maxPerRequest: 100 },
  enterprise: { perSecond: 50, bucket: 500, maxPerRequest: 500 },
};

const KINDS = ['purge_everything', 'files', 'tags', 'hosts', 'prefixes'] as const;

/** The purge token buckets of every (account, plan); durations divided by `timeScale()`. */
export class PurgeBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: () => number,
    private readonly timeScale: () => number,
  ) {}

  reset(): void {
    this.buckets.clear();
  }

  /** Take a token, or say in how many (scaled, whole) seconds the next one comes. */
  take(accountId: string, plan: PlanName): { ok: true } | { ok: false; retryAfter: number } {
    const limit = LIMITS[plan];
    const perMs = (limit.perSecond * this.timeScale()) / 1000;
    const now = this.clock();
    const key = `${accountId}/${plan}`;
    const b = this.buckets.get(key) ?? { tokens: limit.bucket, at: now };
    b.tokens = Math.min(limit.bucket, b.tokens + (now - b.at) * perMs);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
  }
}

/** Validate and record one purge, spending a token of the zone's account and plan. */
export function purgeCache(state: SandboxState, buckets: PurgeBuckets, zs: ZoneState, body: Record<string, unknown>): Envelope {
  const kinds = KINDS.filter((k) => body[k] !== undefined);
  if (kinds.length !== 1) throw errors.invalidParam(1012, 'Request must contain one of "purge_everything", "files", "tags", "hosts" or "prefixes"');
  const k = kinds[0]!;
  const plan = zs.zone.plan.legacy_id;
  if (k === 'purge_everything' && body[k] !== true) throw errors.invalidParam(1012, 'purge_everything must be true');
  if (k !== 'purge_everything') {
    const list = body[k];
    if (!Array.isArray(list) || list.length === 0) throw errors.invalidParam(1012, `${k} must be a non-empty array`);
    const max = LIMITS[plan].maxPerRequest;
    if (list.length > max) throw errors.invalidParam(1012, `A maximum of ${max} ${k} can be purged per request`);
  }
  const token = buckets.take(zs.zone.account.id, plan);
  if (!token.ok) {
    throw new CfError(429, [{ code: 971, message: 'Rate limit enforced for cache purge' }], { 'retry-after': String(token.retryAfter) });
  }
  const id = state.ids.hex32();
  zs.purges.push({ id, at: state.nowIso(), body });
  return ok({ id });
}
