/**
 * The one module through which every Cloudflare call goes (official `cloudflare` SDK v7).
 *
 *   interface CloudflareConnection { token: string; baseURL?: string }
 *     baseURL absent → the SDK's own default: process.env.CLOUDFLARE_BASE_URL, else
 *     https://api.cloudflare.com/client/v4. Sandbox accounts get CLOUDFLARE_SANDBOX_URL.
 *
 *   cloudflareClient(conn, opts?: { maxRetries?, timeoutMs?, maxRetryAfterSeconds? }): Cloudflare
 *     Interactive defaults: SDK retries (2) with its backoff, 15 s timeout. The SDK would sleep for
 *     any Retry-After (Cloudflare's block is 300 s); here a 429 whose Retry-After exceeds
 *     `maxRetryAfterSeconds` (default 5) is not retried, so the caller sees it at once.
 *     The bulk-jobs engine passes `{ maxRetries: 0 }` and owns its retry policy.
 *
 *   cloudflareProblem(err, ctx: { zoneId?, zoneName?, recordId?, recordName?, accountId? }): DomainError
 *     Maps SDK errors to DomainErrors (problem+json), naming zone/record and carrying
 *     Cloudflare's `{ status, errors: [{code, message}] }` in `extra.cloudflare`:
 *       token rejected (401; 403 with 9109/1000/9106/6003/6111) → 409 `cloudflare-token-rejected`
 *           (extra.accountStatus = 'needs-attention'; see isTokenRejected)
 *       403 other (10000: zone not visible to the token)        → 404 `cloudflare-not-found`
 *       404 (7003/81044)                                         → 404 `cloudflare-not-found`
 *       400 81057/81058 (duplicate), 81053/81054 (CNAME)         → 409 `cloudflare-duplicate-record` / `cloudflare-cname-conflict`
 *       400/422 other (1004 validation …)                        → 400 `cloudflare-rejected`
 *       409                                                      → 409 `cloudflare-conflict`
 *       429                                                      → 429 `cloudflare-rate-limited` + Retry-After
 *       5xx                                                      → 502 `cloudflare-upstream-error`
 *       timeout / connection error                               → 502 `cloudflare-timeout` / `cloudflare-unreachable`
 *     A DomainError passes through unchanged; anything else is rethrown-as-is (a bug).
 *   isTokenRejected(err): boolean
 *
 *   cloudflareEnv(): { sandboxUrl?, sandboxAdminToken? }     // need 'cloudflare' (optional vars)
 *   resolveConnection(ports, tenant, accountId) → { account, conn }   // decrypts the token; 404 if absent/not yours
 *   markNeedsAttention(ports, tenant, account, detail)        // best effort, never throws; then ports.onNeedsAttention?.()
 *   withCloudflare(ports, tenant, accountId, ctx, (cf, account) => …, clientOpts?)
 *     resolve → call → on error: map with cloudflareProblem and, if the token was rejected,
 *     mark the account `needs-attention` before throwing.
 *
 * Tokens never appear in errors, logs or problem bodies.
 */
import Cloudflare, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'cloudflare';
import { loadEnv } from '../platform/env';
import type { Tenant } from '../tenancy/tenant';
import type { Repository, Stored } from '../data/repository';
import { DomainError, type DomainErrorKind } from '../errors';
import { logger } from '../observability/logger';
import { cfAccountSk, CloudflareAccountEntity, type CloudflareAccountItem } from './entities';

export { Cloudflare };

export interface CloudflareConnection {
  readonly token: string;
  /** Omit for the SDK's default (CLOUDFLARE_BASE_URL, else api.cloudflare.com). */
  readonly baseURL?: string;
}

export interface CloudflareClientOptions {
  /** SDK retries (408/409/429/5xx/connection errors). @default 2 (the SDK's) */
  readonly maxRetries?: number;
  /** Per-attempt timeout. @default 15000 */
  readonly timeoutMs?: number;
  /** A 429 asking to wait longer than this is not retried by the SDK. @default 5 */
  readonly maxRetryAfterSeconds?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const v = headers?.get('retry-after');
  if (!v) return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return Math.max(0, n);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

/** fetch that tells the SDK not to retry a 429 whose Retry-After is too long (`x-should-retry: false`). */
function boundedRetryFetch(maxWaitSeconds: number): typeof fetch {
  return async (input, init) => {
    let res: Response;
    try {
      res = await fetch(input, init);
    } catch (e) {
      // Re-throw aborts as an Error of this realm: the SDK recognises a timeout by
      // `instanceof Error` + name 'AbortError', which fails for errors from another realm (jest vm).
      if ((e as { name?: unknown } | null)?.name === 'AbortError' && !(e instanceof Error)) {
        const err = new Error('The operation was aborted');
        err.name = 'AbortError';
        throw err;
      }
      throw e;
    }
    if (res.status !== 429) return res;
    const wait = retryAfterSeconds(res.headers);
    if (wait === undefined || wait <= maxWaitSeconds) return res;
    const headers = new Headers(res.headers);
    headers.set('x-should-retry', 'false');
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };
}

export function cloudflareClient(conn: CloudflareConnection, opts: CloudflareClientOptions = {}): Cloudflare {
  return new Cloudflare({
    apiToken: conn.token,
    // Only the token authenticates: never pick up CLOUDFLARE_API_KEY/EMAIL from the environment.
    apiKey: null,
    apiEmail: null,
    userServiceKey: null,
    ...(conn.baseURL ? { baseURL: conn.baseURL } : {}),
    maxRetries: opts.maxRetries ?? 2,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    fetch: boundedRetryFetch(opts.maxRetryAfterSeconds ?? 5),
  });
}

// ── errors ───────────────────────────────────────────────────────────────────

export interface CloudflareErrorContext {
  readonly accountId?: string;
  readonly zoneId?: string;
  readonly zoneName?: string;
  readonly recordId?: string;
  readonly recordName?: string;
}

export interface CloudflareErrorItem {
  readonly code: number;
  readonly message: string;
}

/** Codes Cloudflare uses when the credential itself is bad (missing, malformed, invalid, revoked, expired). */
const TOKEN_CODES = new Set([1000, 6003, 6111, 9106, 9109]);
const DUPLICATE_CODES = new Set([81057, 81058]);
const CNAME_CODES = new Set([81053, 81054]);

function cfErrors(err: APIError): CloudflareErrorItem[] {
  const list = Array.isArray(err.errors) ? err.errors : [];
  return list.slice(0, 5).map((e) => ({
    code: typeof e.code === 'number' ? e.code : Number(e.code) || 0,
    message: String(e.message ?? '').slice(0, 300),
  }));
}

/** The credential was refused: the stored account needs attention (re-enter a token). */
export function isTokenRejected(err: unknown): boolean {
  if (!(err instanceof APIError) || err instanceof APIConnectionError) return false;
  if (err.status === 401) return true;
  if (err.status === 403 || err.status === 400) return cfErrors(err).some((e) => TOKEN_CODES.has(e.code));
  return false;
}

function where(ctx: CloudflareErrorContext): string {
  const parts: string[] = [];
  if (ctx.recordName || ctx.recordId) parts.push(`record ${ctx.recordName ?? ctx.recordId}`);
  if (ctx.zoneName || ctx.zoneId) parts.push(`zone ${ctx.zoneName ?? ctx.zoneId}`);
  return parts.length ? ` (${parts.join(' in ')})` : '';
}

function describe(errors: readonly CloudflareErrorItem[]): string {
  return errors.length ? errors.map((e) => `${e.code} ${e.message}`).join('; ') : 'no error detail';
}

function ctxExtra(ctx: CloudflareErrorContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['accountId', 'zoneId', 'zoneName', 'recordId', 'recordName'] as const) if (ctx[k]) out[k] = ctx[k]!;
  return out;
}

export function cloudflareProblem(err: unknown, ctx: CloudflareErrorContext = {}): DomainError {
  if (err instanceof DomainError) return err;
  const at = where(ctx);
  const base = ctxExtra(ctx);
  if (err instanceof APIConnectionTimeoutError) {
    return new DomainError('upstream-failed', `Cloudflare did not answer in time${at}. Try again.`, {
      code: 'cloudflare-timeout',
      extra: { ...base, cloudflare: { status: null, errors: [] } },
      cause: err,
    });
  }
  if (err instanceof APIUserAbortError || err instanceof APIConnectionError) {
    return new DomainError('upstream-failed', `Could not reach Cloudflare${at}: the connection failed. Try again.`, {
      code: 'cloudflare-unreachable',
      extra: { ...base, cloudflare: { status: null, errors: [] } },
      cause: err,
    });
  }
  if (!(err instanceof APIError)) {
    // A non-SDK error inside a Cloudflare call is our bug: keep it a 500.
    throw err;
  }
  const status = err.status ?? 0;
  const errors = cfErrors(err);
  const codes = new Set(errors.map((e) => e.code));
  const extra = { ...base, cloudflare: { status, errors } };
  const make = (kind: DomainErrorKind, code: string, message: string, more: { retryAfterSeconds?: number; extra?: Record<string, unknown> } = {}) =>
    new DomainError(kind, message, { code, extra: { ...extra, ...(more.extra ?? {}) }, retryAfterSeconds: more.retryAfterSeconds, cause: err });

  if (isTokenRejected(err)) {
    return make(
      'conflict',
      'cloudflare-token-rejected',
      `Cloudflare rejected this account's API token${at}: ${describe(errors)}. The account needs attention: connect it again with a valid token.`,
      { extra: { accountStatus: 'needs-attention' } },
    );
  }
  if (status === 429) {
    const wait = Math.max(1, Math.ceil(retryAfterSeconds(err.headers) ?? 60));
    return make('rate-limited', 'cloudflare-rate-limited', `Cloudflare's rate limit for this token was reached${at}: ${describe(errors)}. Retry after ${wait} s.`, {
      retryAfterSeconds: wait,
    });
  }
  if (status >= 500) {
    return make('upstream-failed', 'cloudflare-upstream-error', `Cloudflare failed with HTTP ${status}${at}: ${describe(errors)}.`);
  }
  if (status === 403 || status === 404) {
    const what = ctx.recordId || ctx.recordName ? 'DNS record' : ctx.zoneId || ctx.zoneName ? 'Zone' : 'Resource';
    return make('not-found', 'cloudflare-not-found', `${what} not found at Cloudflare or not visible to this token${at}: ${describe(errors)}.`);
  }
  if ([...codes].some((c) => DUPLICATE_CODES.has(c))) {
    return make('conflict', 'cloudflare-duplicate-record', `Cloudflare refused the record${at}: ${describe(errors)}.`);
  }
  if ([...codes].some((c) => CNAME_CODES.has(c))) {
    return make('conflict', 'cloudflare-cname-conflict', `Cloudflare refused the record${at}: ${describe(errors)}.`);
  }
  if (status === 409) return make('conflict', 'cloudflare-conflict', `Cloudflare reported a conflict${at}: ${describe(errors)}.`);
  if (status === 400 || status === 422 || status === 413) {
    return make('invalid', 'cloudflare-rejected', `Cloudflare rejected the request${at}: ${describe(errors)}.`);
  }
  return make('upstream-failed', 'cloudflare-upstream-error', `Unexpected answer from Cloudflare (HTTP ${status})${at}: ${describe(errors)}.`);
}

// ── stored accounts → connections ─────────────────────────────────────────────

export interface CloudflareEnv {
  /** Base URL (…/client/v4) of the local Cloudflare sandbox; absent in AWS. */
  readonly sandboxUrl?: string;
  /** `x-sandbox-admin` for the sandbox's /__sandbox/ admin API. */
  readonly sandboxAdminToken?: string;
}

export function cloudflareEnv(): CloudflareEnv {
  const env = loadEnv(['cloudflare']);
  return { sandboxUrl: env.CLOUDFLARE_SANDBOX_URL, sandboxAdminToken: env.CLOUDFLARE_SANDBOX_ADMIN_TOKEN };
}

export interface CloudflarePorts {
  readonly repo: Pick<Repository, 'get' | 'update'>;
  readonly cloudflare: CloudflareEnv;
  readonly now: () => number;
  /** Called after an account was flagged `needs-attention` (e.g. to write an audit event). */
  readonly onNeedsAttention?: (tenant: Tenant, account: StoredCloudflareAccount, detail: string) => Promise<void>;
}

export type StoredCloudflareAccount = Stored<CloudflareAccountItem> & { readonly id: string };

export async function loadAccount(ports: Pick<CloudflarePorts, 'repo'>, tenant: Tenant, accountId: string): Promise<StoredCloudflareAccount> {
  const item = await ports.repo.get(tenant, CloudflareAccountEntity, cfAccountSk(accountId), { consistent: true });
  if (!item) throw new DomainError('not-found', 'Cloudflare account not found', { code: 'cloudflare-account-not-found' });
  return { ...item, id: accountId };
}

/** The connection of a stored account (token decrypted). Sandbox accounts need CLOUDFLARE_SANDBOX_URL. */
export function connectionOf(ports: Pick<CloudflarePorts, 'cloudflare'>, account: Pick<CloudflareAccountItem, 'token' | 'kind'>): CloudflareConnection {
  if (account.kind === 'sandbox') {
    if (!ports.cloudflare.sandboxUrl) {
      throw new DomainError('conflict', 'This is a sandbox account: sandbox accounts work only where the Cloudflare sandbox runs (local mode).', {
        code: 'cloudflare-sandbox-unavailable',
      });
    }
    return { token: account.token, baseURL: ports.cloudflare.sandboxUrl };
  }
  return { token: account.token };
}

export async function resolveConnection(
  ports: Pick<CloudflarePorts, 'repo' | 'cloudflare'>,
  tenant: Tenant,
  accountId: string,
): Promise<{ account: StoredCloudflareAccount; conn: CloudflareConnection }> {
  const account = await loadAccount(ports, tenant, accountId);
  return { account, conn: connectionOf(ports, account) };
}

/** Flag the account; best effort (a lost race with another writer is fine, the next call flags again). */
export async function markNeedsAttention(ports: CloudflarePorts, tenant: Tenant, account: StoredCloudflareAccount, detail: string): Promise<void> {
  if (account.status === 'needs-attention') return; // already flagged (and audited)
  try {
    await ports.repo.update(
      tenant,
      CloudflareAccountEntity,
      cfAccountSk(account.id),
      { status: 'needs-attention', statusDetail: detail.slice(0, 500) },
      { expectedVersion: account.version },
    );
  } catch (e) {
    logger.warn('could not flag Cloudflare account', { error: (e as Error).message });
    return;
  }
  try {
    await ports.onNeedsAttention?.(tenant, account, detail);
  } catch (e) {
    logger.warn('needs-attention hook failed', { error: (e as Error).message });
  }
}

export function tokenRejectionDetail(err: unknown): string {
  if (err instanceof APIError && !(err instanceof APIConnectionError)) {
    return `Cloudflare rejected the token (HTTP ${err.status}: ${describe(cfErrors(err))})`;
  }
  return 'Cloudflare rejected the token';
}

/**
 * Resolve the account, run `fn` with a client, map errors. A rejected token marks the
 * account `needs-attention` before the problem is thrown.
 */
export async function withCloudflare<T>(
  ports: CloudflarePorts,
  tenant: Tenant,
  accountId: string,
  ctx: CloudflareErrorContext,
  fn: (cf: Cloudflare, account: StoredCloudflareAccount) => Promise<T>,
  clientOpts?: CloudflareClientOptions,
): Promise<T> {
  const { account, conn } = await resolveConnection(ports, tenant, accountId);
  try {
    return await fn(cloudflareClient(conn, clientOpts), account);
  } catch (err) {
    if (isTokenRejected(err)) await markNeedsAttention(ports, tenant, account, tokenRejectionDetail(err));
    throw cloudflareProblem(err, ctx);
  }
}
