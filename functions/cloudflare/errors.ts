/**
 * The one reading of a failed Cloudflare call. Both callers derive their answer from it: the
 * interactive routes a problem+json (problem.ts), the bulk engine whether a write may have been
 * applied and whether to retry (bulk-client.ts `CfCallError`).
 *
 *   reason            when
 *   token-rejected    401; 400/403 with 9109, 1000, 9106, 6003, 6111 (the credential itself is bad)
 *   rate-limited      429 (Retry-After parsed here, once)
 *   upstream-error    5xx, 408, any other unexpected status
 *   not-found         403 other (10000: outside the token's scope), 404 (7003, 81044)
 *   duplicate-record  81057/81058 · cname-conflict 81053/81054 · conflict 409
 *   rejected          400/413/422 other (1004 validation …)
 *   timeout           no answer in time · unreachable: the connection failed or was aborted
 *   budget-busy       not sent: our own limiter (limiter.ts) has no slot for this token soon enough
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'cloudflare';

export interface CloudflareErrorItem {
  readonly code: number;
  readonly message: string;
  /** Cloudflare's `error_chain`: the reasons behind this error (e.g. 9005 behind 1004 "DNS Validation Error"). */
  readonly error_chain?: readonly CloudflareErrorItem[];
}

export type CloudflareFailureReason =
  | 'token-rejected'
  | 'rate-limited'
  | 'upstream-error'
  | 'not-found'
  | 'duplicate-record'
  | 'cname-conflict'
  | 'conflict'
  | 'rejected'
  | 'timeout'
  | 'unreachable'
  | 'budget-busy';

export interface CloudflareFailure {
  readonly reason: CloudflareFailureReason;
  /** Absent when Cloudflare did not answer (timeout, connection failure): a write may have happened. */
  readonly status?: number;
  /** Cloudflare's `errors`, as sent. */
  readonly errors: readonly CloudflareErrorItem[];
  /** A 429's Retry-After, when Cloudflare sent one; for budget-busy, when the token's next slot comes. */
  readonly retryAfterSeconds?: number;
  readonly headers?: Headers;
  /**
   * token-rejected only: `ip` when Cloudflare refused the token for where the call came from
   * (9109 "Cannot use the access token from location: …": the token's client IP filter), not for
   * the token itself.
   */
  readonly tokenRestriction?: 'ip';
}

/**
 * Thrown by an interactive client's fetch when the token's shared limiter has no slot within the
 * wait an interactive call accepts (client.ts). The SDK wraps it in an APIConnectionError.
 */
export class TokenBudgetBusy extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`the token's request budget is in use; its next slot is in ${retryAfterSeconds} s`);
    this.name = 'TokenBudgetBusy';
  }
}

/** Codes Cloudflare uses when the credential itself is bad (missing, malformed, invalid, revoked, expired). */
const TOKEN_CODES = new Set([1000, 6003, 6111, 9106, 9109]);
const DUPLICATE_CODES = new Set([81057, 81058]);
const CNAME_CODES = new Set([81053, 81054]);

/** `Retry-After` in seconds (delta-seconds or an HTTP date), never negative; undefined when absent or unreadable. */
export function retryAfterSeconds(headers: Pick<Headers, 'get'> | undefined, now: number = Date.now()): number | undefined {
  const v = headers?.get('retry-after');
  if (!v) return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return Math.max(0, n);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

type RawErrorItem = { code?: unknown; message?: unknown; error_chain?: unknown };

function itemOf(e: RawErrorItem, depth: number): CloudflareErrorItem {
  const item = { code: typeof e.code === 'number' ? e.code : Number(e.code) || 0, message: String(e.message ?? '') };
  const chain = Array.isArray(e.error_chain) && depth < 3 ? (e.error_chain as RawErrorItem[]).map((c) => itemOf(c ?? {}, depth + 1)) : [];
  return chain.length ? { ...item, error_chain: chain } : item;
}

function itemsOf(err: APIError): CloudflareErrorItem[] {
  const list = Array.isArray(err.errors) ? (err.errors as RawErrorItem[]) : [];
  return list.map((e) => itemOf(e ?? {}, 0));
}

/** 9109 is both "Invalid access token" and "Cannot use the access token from location: <ip>" (IP-filtered token). */
const LOCATION_REFUSED = /from location/i;

function reasonOf(status: number, codes: ReadonlySet<number>): CloudflareFailureReason {
  const any = (set: ReadonlySet<number>) => [...codes].some((c) => set.has(c));
  if (status === 401 || ((status === 403 || status === 400) && any(TOKEN_CODES))) return 'token-rejected';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'upstream-error';
  if (status === 403 || status === 404) return 'not-found';
  if (any(DUPLICATE_CODES)) return 'duplicate-record';
  if (any(CNAME_CODES)) return 'cname-conflict';
  if (status === 409) return 'conflict';
  if (status === 400 || status === 422 || status === 413) return 'rejected';
  return 'upstream-error';
}

/** What went wrong, from an error the SDK threw; undefined for anything else (not Cloudflare's doing: a bug). */
export function readCloudflareError(err: unknown): CloudflareFailure | undefined {
  const busy = err instanceof TokenBudgetBusy ? err : err instanceof APIConnectionError && err.cause instanceof TokenBudgetBusy ? err.cause : undefined;
  if (busy) return { reason: 'budget-busy', errors: [], retryAfterSeconds: busy.retryAfterSeconds };
  if (err instanceof APIConnectionTimeoutError) return { reason: 'timeout', errors: [] };
  // APIConnectionError (and the SDK's abort) carry no status: Cloudflare never answered.
  if (err instanceof APIConnectionError || (err instanceof APIError && typeof err.status !== 'number')) return { reason: 'unreachable', errors: [] };
  if (!(err instanceof APIError)) return undefined;
  const status = err.status as number;
  const errors = itemsOf(err);
  const reason = reasonOf(status, new Set(errors.map((e) => e.code)));
  // Duck-typed: under jest the SDK's Headers may come from another realm.
  const headers = typeof (err.headers as Headers | undefined)?.get === 'function' ? (err.headers as Headers) : undefined;
  const ipRestricted = reason === 'token-rejected' && errors.some((e) => e.code === 9109 && LOCATION_REFUSED.test(e.message));
  return {
    reason,
    status,
    errors,
    headers,
    ...(reason === 'rate-limited' ? { retryAfterSeconds: retryAfterSeconds(headers) } : {}),
    ...(ipRestricted ? { tokenRestriction: 'ip' as const } : {}),
  };
}

/** The credential was refused: the stored account needs attention (re-enter a token). */
export function isTokenRejected(err: unknown): boolean {
  return readCloudflareError(err)?.reason === 'token-rejected';
}
