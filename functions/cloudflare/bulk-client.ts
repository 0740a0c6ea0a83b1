/**
 * The jobs engine's narrow view of Cloudflare: the calls it makes, each one
 * behind the shared rate limiter, with SDK retries off (the engine owns the
 * retry policy) and every failure classified:
 *
 *   rate-limited  429: not applied; wait Retry-After (all workers pause)
 *   rejected      4xx: not applied; the request itself is wrong (message names the change)
 *   auth          401/403: not applied; the token cannot do this
 *   ambiguous     5xx, timeout, dropped connection: a write MAY have been applied
 *
 * The SDK client comes from functions/cloudflare/client.ts (the one place
 * Cloudflare clients are made); this module only adapts it.
 */
import type Cloudflare from 'cloudflare';
import type { RateLimiter } from './limiter';
import { liveFromApi, type LiveRecord } from './records';

export interface CfZone {
  id: string;
  name: string;
  plan: string;
  /** Changes per batch: 200 on Free zones, 3,500 on paid plans. */
  batchLimit: number;
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
  listZones(filter: { ids?: readonly string[]; nameContains?: string }): Promise<CfZone[]>;
  listRecords(zoneId: string): Promise<LiveRecord[]>;
  batch(zoneId: string, body: BatchBody): Promise<BatchResult>;
  getSettings(zoneId: string): Promise<Record<string, unknown>>;
  patchSettings(zoneId: string, items: Array<{ id: string; value: unknown }>): Promise<void>;
  purge(zoneId: string, body: Record<string, unknown>): Promise<void>;
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

export const batchLimitOf = (plan: string) => (plan === 'free' || plan === '' ? 200 : 3500);

interface Envelope<T> {
  success: boolean;
  errors?: Array<{ code: number; message: string }>;
  result: T;
  result_info?: { page?: number; per_page?: number; total_pages?: number; total_count?: number; count?: number };
}

function headerOf(h: unknown, name: string): string | null {
  if (!h) return null;
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name);
  const v = (h as Record<string, string | undefined>)[name];
  return v ?? null;
}

/** SDK error → CfCallError. Messages carry Cloudflare's codes/messages, never the token. */
export function classify(err: unknown): CfCallError {
  if (err instanceof CfCallError) return err;
  const e = err as { status?: number; headers?: unknown; errors?: Array<{ code?: number; message?: string }>; name?: string; message?: string };
  const status = typeof e?.status === 'number' ? e.status : undefined;
  if (status === undefined) {
    // APIConnectionError / APIConnectionTimeoutError / abort: the request may have been processed.
    return new CfCallError('ambiguous', `no answer from Cloudflare (${e?.name ?? 'error'})`);
  }
  const codes = (e.errors ?? []).map((x) => Number(x.code)).filter((n) => Number.isFinite(n));
  const first = (e.errors ?? [])[0];
  const msg = first ? `${first.code}: ${first.message}` : `HTTP ${status}`;
  if (status === 429) {
    const ra = Number(headerOf(e.headers, 'retry-after'));
    return new CfCallError('rate-limited', msg, { status, codes, retryAfterSeconds: Number.isFinite(ra) && ra > 0 ? ra : undefined });
  }
  if (status >= 500 || status === 408) return new CfCallError('ambiguous', msg, { status, codes });
  if (status === 401 || status === 403) return new CfCallError('auth', msg, { status, codes });
  return new CfCallError('rejected', msg, { status, codes });
}

export interface SdkAdapterOptions {
  /** Per-request timeout (ms). @default 30000 */
  timeoutMs?: number;
  /** Counts every HTTP request made (bench). */
  onRequest?: () => void;
}

/**
 * Adapt an SDK client (made by functions/cloudflare/client.ts with maxRetries 0)
 * to CfApi, with the limiter in front of every request and its headers fed back.
 */
export function cfApiFromSdk(client: Cloudflare, limiter: RateLimiter, opts: SdkAdapterOptions = {}): CfApi {
  const timeout = opts.timeoutMs ?? 30_000;

  async function call<T>(method: 'get' | 'post' | 'patch', path: string, o: { query?: Record<string, unknown>; body?: unknown } = {}): Promise<Envelope<T>> {
    await limiter.acquire();
    opts.onRequest?.();
    try {
      const { data, response } = await client[method]<Envelope<T>>(path, { query: o.query, body: o.body, maxRetries: 0, timeout }).withResponse();
      await limiter.observe({ status: response.status, ratelimit: response.headers.get('ratelimit'), policy: response.headers.get('ratelimit-policy') });
      return data;
    } catch (err) {
      const c = classify(err);
      const headers = (err as { headers?: unknown }).headers;
      if (c.detail.status !== undefined) {
        await limiter.observe({
          status: c.detail.status,
          ratelimit: headerOf(headers, 'ratelimit'),
          policy: headerOf(headers, 'ratelimit-policy'),
          retryAfterSeconds: c.detail.retryAfterSeconds,
        });
      }
      throw c;
    }
  }

  return {
    async listZones(filter) {
      const out: CfZone[] = [];
      const ids = filter.ids ? new Set(filter.ids) : undefined;
      for (let page = 1; ; page++) {
        const env = await call<Array<{ id: string; name: string; plan?: { legacy_id?: string } }>>('get', '/zones', {
          query: { page, per_page: 50, ...(filter.nameContains ? { name: `contains:${filter.nameContains}` } : {}) },
        });
        for (const z of env.result ?? []) {
          if (ids && !ids.has(z.id)) continue;
          const plan = z.plan?.legacy_id ?? 'free';
          out.push({ id: z.id, name: z.name, plan, batchLimit: batchLimitOf(plan) });
        }
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

    async purge(zoneId, body) {
      await call('post', `/zones/${zoneId}/purge_cache`, { body });
    },
  };
}
