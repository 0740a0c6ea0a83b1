/**
 * The jobs engine's narrow view of Cloudflare: the calls it makes, each one
 * behind the shared rate limiter, with SDK retries off (the engine owns the
 * retry policy) and every failure classified (from the one reading of
 * Cloudflare errors, errors.ts) by what the engine must do about it:
 *
 *   rate-limited  429: not applied; wait Retry-After (all workers pause)
 *   rejected      4xx: not applied; the request itself is wrong (message names the change)
 *   auth          401/403: not applied; the token cannot do this
 *   ambiguous     5xx, timeout, dropped connection: a write MAY have been applied
 *
 * The SDK client comes from client.ts (the one place Cloudflare clients are
 * made); this module only adapts it.
 */
import type { Cloudflare } from './client';
import { readCloudflareError } from './errors';
import { isEndpointLimit, observationOf, type RateLimiter } from './limiter';
import type { PurgeLimiter } from './purge-limiter';
import { LimiterDeferral, limiterWaitAllowed } from './wait-bound';
import { planFacts, type ZonePlan } from './plans';
import { liveFromApi, type LiveRecord } from './records';

export interface CfZone {
  id: string;
  name: string;
  plan: string;
  /** Changes per batch: 200 on Free zones, 3,500 on paid plans (plans.ts). */
  batchLimit: number;
  /** Records the zone may hold (plans.ts); null when the engine cannot know it (Enterprise). */
  recordQuota: number | null;
  /** Whether the plan lets records carry tags (paid plans only). */
  tagsAllowed: boolean;
}

export interface BatchBody {
  deletes?: Array<{ id: string }>;
  patches?: Array<Record<string, unknown>>;
  puts?: Array<Record<string, unknown>>;
  posts?: Array<Record<string, unknown>>;
}

export interface BatchResult {
  posts: LiveRecord[];
  patches: LiveRecord[];
  deletes: LiveRecord[];
}

/** Every Cloudflare call the engine makes. */
export interface CfApi {
  /** `names`: exact names (`GET /zones?name=` is exact), answered in the order given; absent names are left out. */
  listZones(filter: { ids?: readonly string[]; nameContains?: string; names?: readonly string[] }): Promise<CfZone[]>;
  listRecords(zoneId: string): Promise<LiveRecord[]>;
  batch(zoneId: string, body: BatchBody): Promise<BatchResult>;
  getSettings(zoneId: string): Promise<Record<string, unknown>>;
  patchSettings(zoneId: string, items: Array<{ id: string; value: unknown }>): Promise<void>;
  /** Paced by the purge bucket of the zone's plan (`legacy_id`; unknown: Free), not only the budget. */
  purge(zoneId: string, body: Record<string, unknown>, plan?: string): Promise<void>;
}

export type CfFailureKind = 'rate-limited' | 'rejected' | 'auth' | 'ambiguous';

export class CfCallError extends Error {
  constructor(
    readonly kind: CfFailureKind,
    message: string,
    readonly detail: { status?: number; codes?: number[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'CfCallError';
  }
}

interface Envelope<T> {
  success: boolean;
  errors?: Array<{ code: number; message: string }>;
  result: T;
  result_info?: { page?: number; per_page?: number; total_pages?: number; total_count?: number; count?: number };
}

/** By status: 5xx/408 and no answer may have been applied; 401/403 is the token; other 4xx the request. */
function kindOf(status: number): CfFailureKind {
  if (status === 429) return 'rate-limited';
  if (status >= 500 || status === 408) return 'ambiguous';
  if (status === 401 || status === 403) return 'auth';
  return 'rejected';
}

/** SDK error → CfCallError. Messages carry Cloudflare's codes/messages, never the token. */
export function classify(err: unknown): CfCallError {
  if (err instanceof CfCallError) return err;
  const f = readCloudflareError(err);
  if (f?.status === undefined) {
    // Timeout, connection failure, abort (or no SDK error at all): the request may have been processed.
    return new CfCallError('ambiguous', `no answer from Cloudflare (${(err as { name?: string } | null)?.name ?? 'error'})`);
  }
  const first = f.errors[0];
  const detail = { status: f.status, codes: f.errors.map((e) => e.code) };
  const msg = first ? `${first.code}: ${first.message}` : `HTTP ${f.status}`;
  if (f.reason !== 'rate-limited') return new CfCallError(kindOf(f.status), msg, detail);
  const wait = f.retryAfterSeconds;
  return new CfCallError('rate-limited', msg, { ...detail, retryAfterSeconds: wait !== undefined && wait > 0 ? wait : undefined });
}

export interface SdkAdapterOptions {
  /** Per-request timeout (ms). @default 30000 */
  timeoutMs?: number;
  /** Counts every HTTP request made (bench). */
  onRequest?: () => void;
  /** The purge bucket of a plan for this connection's budget (purge-limiter.ts); absent: purges are paced by the budget only. */
  purgeLimiter?: (plan: string | undefined) => PurgeLimiter;
}

/**
 * Adapt an SDK client (made by functions/cloudflare/client.ts with maxRetries 0)
 * to CfApi, with the limiter in front of every request and its headers fed back.
 */
export function cfApiFromSdk(client: Cloudflare, limiter: RateLimiter, opts: SdkAdapterOptions = {}): CfApi {
  const timeout = opts.timeoutMs ?? 30_000;

  /** Feed an answer back: an endpoint's own 429 pauses that endpoint (`own`), never the whole budget. */
  async function report(status: number, headers: Pick<Headers, 'get'> | undefined, own?: PurgeLimiter): Promise<void> {
    const seen = observationOf(status, headers);
    if (own && isEndpointLimit(seen)) {
      await own.pause(seen.retryAfterSeconds ?? 1);
      await limiter.observe({ ratelimit: seen.ratelimit, policy: seen.policy });
      return;
    }
    await limiter.observe(seen);
  }

  /** A slot of the budget; inside a queue delivery only one that comes within its bound (wait-bound.ts). */
  async function takeSlot() {
    const maxWaitMs = limiterWaitAllowed();
    if (maxWaitMs === undefined) return limiter.acquire();
    const r = await limiter.tryAcquire(maxWaitMs);
    if (!r.acquired) throw new LimiterDeferral(r.retryAfterMs);
    return r.grant;
  }

  async function call<T>(
    method: 'get' | 'post' | 'patch',
    path: string,
    o: { query?: Record<string, unknown>; body?: unknown; own?: PurgeLimiter } = {},
  ): Promise<Envelope<T>> {
    await o.own?.acquire();
    const grant = await takeSlot();
    opts.onRequest?.();
    try {
      const { data, response } = await client[method]<Envelope<T>>(path, { query: o.query, body: o.body, maxRetries: 0, timeout }).withResponse();
      await report(response.status, response.headers, o.own);
      return data;
    } catch (err) {
      const answered = readCloudflareError(err);
      if (answered?.status !== undefined) await report(answered.status, answered.headers, o.own);
      throw classify(err);
    } finally {
      await grant.done();
    }
  }

  type ZoneItem = { id: string; name: string; plan?: ZonePlan; created_on?: string };
  const zonePage = (page: number, name?: string) => call<ZoneItem[]>('get', '/zones', { query: { page, per_page: 50, ...(name ? { name } : {}) } });
  const cfZone = (z: ZoneItem): CfZone => ({ id: z.id, name: z.name, plan: z.plan?.legacy_id ?? 'free', ...planFacts(z.plan, z.created_on) });

  /**
   * Zones by exact name, the cheaper way: the first page of the account's zones (50 a page) tells how
   * many pages the listing takes; when that is fewer than the names still missing, every page is read,
   * else one `GET /zones?name=<name>` per missing name (`name` is an exact match unless an operator
   * prefix is given: docs/cloudflare-sandbox.md, "dns-sync").
   */
  async function zonesByName(names: readonly string[]): Promise<CfZone[]> {
    const found = new Map<string, CfZone>();
    const wanted = new Set(names);
    const first = await zonePage(1);
    for (const z of first.result ?? []) if (wanted.has(z.name)) found.set(z.name, cfZone(z));
    const pages = first.result_info?.total_pages ?? 1;
    const missing = () => names.filter((n) => !found.has(n));
    if (pages - 1 <= missing().length) {
      for (let page = 2; page <= pages && missing().length; page++) for (const z of (await zonePage(page)).result ?? []) if (wanted.has(z.name)) found.set(z.name, cfZone(z));
    } else {
      for (const n of missing()) for (const z of (await zonePage(1, n)).result ?? []) if (z.name === n) found.set(n, cfZone(z));
    }
    return names.flatMap((n) => (found.has(n) ? [found.get(n)!] : []));
  }

  return {
    async listZones(filter) {
      if (filter.names) return zonesByName(filter.names);
      const out: CfZone[] = [];
      const ids = filter.ids ? new Set(filter.ids) : undefined;
      for (let page = 1; ; page++) {
        const env = await zonePage(page, filter.nameContains ? `contains:${filter.nameContains}` : undefined);
        for (const z of env.result ?? []) if (!ids || ids.has(z.id)) out.push(cfZone(z));
        const tp = env.result_info?.total_pages ?? 1;
        if ((env.result ?? []).length === 0 || page >= tp) break;
        if (ids && out.length === ids.size) break;
      }
      return out;
    },

    async listRecords(zoneId) {
      const out: LiveRecord[] = [];
      for (let page = 1; ; page++) {
        const env = await call<Array<Record<string, unknown>>>('get', `/zones/${zoneId}/dns_records`, { query: { page, per_page: 5000 } });
        for (const r of env.result ?? []) out.push(liveFromApi(r));
        const tp = env.result_info?.total_pages ?? 1;
        if ((env.result ?? []).length === 0 || page >= tp) break;
      }
      return out;
    },

    async batch(zoneId, body) {
      const env = await call<{ posts?: Record<string, unknown>[]; patches?: Record<string, unknown>[]; deletes?: Record<string, unknown>[] }>(
        'post',
        `/zones/${zoneId}/dns_records/batch`,
        { body },
      );
      const r = env.result ?? {};
      return { posts: (r.posts ?? []).map(liveFromApi), patches: (r.patches ?? []).map(liveFromApi), deletes: (r.deletes ?? []).map(liveFromApi) };
    },

    async getSettings(zoneId) {
      const env = await call<Array<{ id: string; value: unknown }>>('get', `/zones/${zoneId}/settings`);
      return Object.fromEntries((env.result ?? []).map((s) => [s.id, s.value]));
    },

    async patchSettings(zoneId, items) {
      await call('patch', `/zones/${zoneId}/settings`, { body: { items } });
    },

    async purge(zoneId, body, plan) {
      await call('post', `/zones/${zoneId}/purge_cache`, { body, own: opts.purgeLimiter?.(plan) });
    },
  };
}
