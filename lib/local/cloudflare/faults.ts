/**
 * Fault injection: a share of requests answered with Cloudflare's 429 or a 5xx, added latency,
 * hangs (no answer until the client gives up) and dropped connections. Deterministic for a seed:
 * the n-th eligible request meets the same fate on every run. `script()` queues exact faults for
 * the next requests, ahead of the random ones.
 */
import { createRng } from './ids';

export type FaultKind = 'rate_limit' | 'server_error' | 'timeout' | 'drop';

export interface FaultOptions {
  /** Share (0..1) of requests answered 429 (code 971, Retry-After). */
  rateLimit?: number;
  /** Share (0..1) of requests answered with a 5xx. */
  serverError?: number;
  /** Status codes drawn from for `serverError`. @default [500, 502, 503, 504] */
  serverErrorStatuses?: number[];
  /** Share (0..1) of requests that never get an answer. */
  timeout?: number;
  /** Share (0..1) of requests whose connection is destroyed. */
  drop?: number;
  /** Added latency in ms: a fixed number or a `[min, max]` range. */
  latencyMs?: number | [number, number];
  /**
   * Share (0..1) of injected server_error / timeout / drop faults on writes that happen *after*
   * the change was applied (the client sees a failure, the change exists). @default 0
   */
  afterApply?: number;
  /** Retry-After (unscaled seconds) of injected 429s. @default 60 */
  retryAfterSeconds?: number;
  /** Only requests whose path (after /client/v4) starts with one of these. */
  pathPrefixes?: string[];
  /** Only these methods. */
  methods?: string[];
  /** PRNG seed. @default 42 */
  seed?: number;
}

export interface ScriptedFault {
  kind: FaultKind;
  status?: number;
  afterApply?: boolean;
}

export interface FaultDecision {
  kind?: FaultKind;
  status?: number;
  afterApply: boolean;
  latencyMs: number;
}

const DEFAULTS: Required<Omit<FaultOptions, 'pathPrefixes' | 'methods'>> = {
  rateLimit: 0,
  serverError: 0,
  serverErrorStatuses: [500, 502, 503, 504],
  timeout: 0,
  drop: 0,
  latencyMs: 0,
  afterApply: 0,
  retryAfterSeconds: 60,
  seed: 42,
};

export class Faults {
  private opts: FaultOptions & typeof DEFAULTS = { ...DEFAULTS };
  private rng = createRng(DEFAULTS.seed);
  private queue: ScriptedFault[] = [];
  /** Count of faults injected, by kind. */
  readonly injected: Record<FaultKind, number> = { rate_limit: 0, server_error: 0, timeout: 0, drop: 0 };

  constructor(opts: FaultOptions = {}) {
    this.set(opts);
  }

  /** Replace the settings (unspecified knobs go back to their defaults) and reseed. */
  set(opts: FaultOptions): void {
    this.opts = { ...DEFAULTS, ...opts };
    this.rng = createRng(this.opts.seed);
  }

  /** Change some knobs, keep the others and the PRNG position. */
  update(opts: FaultOptions): void {
    const reseed = opts.seed !== undefined;
    this.opts = { ...this.opts, ...opts };
    if (reseed) this.rng = createRng(this.opts.seed);
  }

  /** Back to no faults; clears the script. */
  clear(): void {
    this.set({});
    this.queue = [];
  }

  /** Queue exact faults for the next eligible requests. */
  script(...faults: Array<ScriptedFault | FaultKind>): void {
    for (const f of faults) this.queue.push(typeof f === 'string' ? { kind: f } : f);
  }

  get settings(): Readonly<FaultOptions> {
    return { ...this.opts };
  }

  get pending(): number {
    return this.queue.length;
  }

  decide(method: string, path: string): FaultDecision {
    const o = this.opts;
    const eligible =
      (!o.pathPrefixes || o.pathPrefixes.some((p) => path.startsWith(p))) &&
      (!o.methods || o.methods.includes(method.toUpperCase()));
    if (!eligible) return { afterApply: false, latencyMs: 0 };

    const latencyMs = Array.isArray(o.latencyMs)
      ? o.latencyMs[0] + Math.floor(this.rng() * (o.latencyMs[1] - o.latencyMs[0] + 1))
      : o.latencyMs;
    const isWrite = method !== 'GET' && method !== 'HEAD';

    const scripted = this.queue.shift();
    if (scripted) {
      this.injected[scripted.kind]++;
      const status = scripted.kind === 'server_error' ? (scripted.status ?? 500) : scripted.kind === 'rate_limit' ? 429 : undefined;
      return { kind: scripted.kind, status, afterApply: isWrite && !!scripted.afterApply, latencyMs };
    }

    // Always draw the same number of values per request so the sequence stays aligned.
    const r = this.rng();
    const pick = this.rng();
    const after = this.rng() < o.afterApply;
    let edge = 0;
    const table: Array<[FaultKind, number]> = [
      ['rate_limit', o.rateLimit],
      ['server_error', o.serverError],
      ['timeout', o.timeout],
      ['drop', o.drop],
    ];
    for (const [kind, share] of table) {
      edge += share;
      if (r < edge) {
        this.injected[kind]++;
        const statuses = o.serverErrorStatuses;
        const status =
          kind === 'server_error' ? statuses[Math.floor(pick * statuses.length)] : kind === 'rate_limit' ? 429 : undefined;
        return { kind, status, afterApply: isWrite && kind !== 'rate_limit' && after, latencyMs };
      }
    }
    return { afterApply: false, latencyMs };
  }
}

/** Bodies resembling what Cloudflare's edge answers for 5xx on the API. */
export function serverErrorBody(status: number): { contentType: string; body: string } {
  if (status === 500) {
    return {
      contentType: 'application/json',
      body: JSON.stringify({ success: false, errors: [{ code: 10001, message: 'Internal server error' }], messages: [], result: null }),
    };
  }
  const titles: Record<number, string> = { 502: 'Bad gateway', 503: 'Service unavailable', 504: 'Gateway time-out' };
  const title = titles[status] ?? 'Server error';
  return {
    contentType: 'text/html; charset=UTF-8',
    body: `<!DOCTYPE html>\n<html><head><title>api.cloudflare.com | ${status}: ${title}</title></head>\n<body><h1>Error ${status}</h1><p>${title}</p><p>Cloudflare Ray ID: sandbox</p></body></html>\n`,
  };
}
