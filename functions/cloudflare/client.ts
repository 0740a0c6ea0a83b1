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
import { createClient } from 'cloudflare/tree-shakable';
import { BaseAccounts } from 'cloudflare/resources/accounts/accounts';
import { BaseTokens as AccountTokens } from 'cloudflare/resources/accounts/tokens/tokens';
import { BaseRecords } from 'cloudflare/resources/dns/records';
import { BaseUser } from 'cloudflare/resources/user/user';
import { BaseTokens as UserTokens } from 'cloudflare/resources/user/tokens/tokens';
import { BaseZones } from 'cloudflare/resources/zones/zones';
import { loadEnv } from '../platform/env';
import type { Tenant } from '../tenancy/tenant';
import type { Repository, Stored } from '../data/repository';
import type { TableRef } from '../aws/table';
import { DomainError } from '../errors';
import { logger } from '../observability/logger';
import { cfAccountSk, CloudflareAccountEntity, type CloudflareAccountItem } from './entities';
import { isTokenRejected, retryAfterSeconds, TokenBudgetBusy } from './errors';
import { budgetKeyOf } from './budget-keys';
import { budgetLimiter, observationOf, type RateLimiter } from './limiter';
import { cloudflareProblem, tokenRejectionDetail, type CloudflareErrorContext } from './problem';

/**
 * The API resources this code calls, and only those (the SDK's tree-shakable client): the full
 * client builds every resource of the API, ~670 KB of bundle and ~50 ms of CPU at each cold
 * start. A call to a resource not listed here does not type-check.
 */
const RESOURCES = [BaseAccounts, AccountTokens, BaseUser, UserTokens, BaseZones, BaseRecords] as const;
const makeClient = (options: Omit<Parameters<typeof createClient>[0], 'resources'>) => createClient({ ...options, resources: RESOURCES });
/** A Cloudflare client with the resources above (and the raw `get`/`post`/… of every client). */
export type Cloudflare = ReturnType<typeof makeClient>;

export interface CloudflareConnection {
  readonly token: string;
  /** Omit for the SDK's default (CLOUDFLARE_BASE_URL, else api.cloudflare.com). */
  readonly baseURL?: string;
  /** The request budget the token spends (budget-keys.ts); absent: the token's own. */
  readonly budgetKey?: string;
}

export interface CloudflareClientOptions {
  /** SDK retries (408/409/429/5xx/connection errors). @default 2 (the SDK's) */
  readonly maxRetries?: number;
  /** Per-attempt timeout. @default 15000 */
  readonly timeoutMs?: number;
  /**
   * A 429 asking to wait longer than this is not retried by the SDK; with a limiter, a request
   * whose slot comes later than this is not sent (TokenBudgetBusy → 429). @default 5
   */
  readonly maxRetryAfterSeconds?: number;
  /**
   * The token's shared limiter: every request (SDK retries too) takes a slot first and feeds
   * Cloudflare's rate-limit headers back. Interactive calls pass it; the bulk client paces
   * outside the SDK (bulk-client.ts), since its waits may be longer than a request's timeout.
   */
  readonly limiter?: RateLimiter;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

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

/**
 * fetch that takes a slot of the token's shared limiter before each request and reports every
 * answer back to it. A slot further away than `maxWaitSeconds` is not taken: the request fails
 * with TokenBudgetBusy instead of waiting (or reaching Cloudflare's 5-minute block).
 */
function pacedFetch(next: typeof fetch, limiter: RateLimiter, maxWaitSeconds: number): typeof fetch {
  return async (input, init) => {
    const slot = await limiter.tryAcquire(maxWaitSeconds * 1000);
    if (!slot.acquired) throw new TokenBudgetBusy(Math.max(1, Math.ceil(slot.retryAfterMs / 1000)));
    try {
      const res = await next(input, init);
      await limiter.observe(observationOf(res.status, res.headers));
      return res;
    } finally {
      await slot.grant.done();
    }
  };
}

export function cloudflareClient(conn: CloudflareConnection, opts: CloudflareClientOptions = {}): Cloudflare {
  const maxWaitSeconds = opts.maxRetryAfterSeconds ?? 5;
  const bounded = boundedRetryFetch(maxWaitSeconds);
  return makeClient({
    apiToken: conn.token,
    // Only the token authenticates: never pick up CLOUDFLARE_API_KEY/EMAIL from the environment.
    apiKey: null,
    apiEmail: null,
    userServiceKey: null,
    ...(conn.baseURL ? { baseURL: conn.baseURL } : {}),
    maxRetries: opts.maxRetries ?? 2,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    fetch: opts.limiter ? pacedFetch(bounded, opts.limiter, maxWaitSeconds) : bounded,
  });
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
  /** Holds the shared request budgets (limiter.ts). */
  readonly table: TableRef;
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
export function connectionOf(
  ports: Pick<CloudflarePorts, 'cloudflare'>,
  account: Pick<CloudflareAccountItem, 'token' | 'kind'> & Partial<Pick<CloudflareAccountItem, 'tokenOwner' | 'cfUserId' | 'cfAccountId'>>,
): CloudflareConnection {
  const budgetKey = budgetKeyOf(account);
  if (account.kind === 'sandbox') {
    if (!ports.cloudflare.sandboxUrl) {
      throw new DomainError('conflict', 'This is a sandbox account: sandbox accounts work only where the Cloudflare sandbox runs (local mode).', {
        code: 'cloudflare-sandbox-unavailable',
      });
    }
    return { token: account.token, baseURL: ports.cloudflare.sandboxUrl, budgetKey };
  }
  return { token: account.token, budgetKey };
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

/** The shared limiter of the budget a connection spends (its user's, when known). */
export function connectionLimiter(ports: Pick<CloudflarePorts, 'table'>, conn: CloudflareConnection): RateLimiter {
  return budgetLimiter(ports.table, conn.budgetKey ?? budgetKeyOf(conn));
}

/** A client for a user's call: every request paced by the budget's shared limiter, as jobs are. */
export function interactiveClient(ports: Pick<CloudflarePorts, 'table'>, conn: CloudflareConnection, opts: CloudflareClientOptions = {}): Cloudflare {
  return cloudflareClient(conn, { limiter: connectionLimiter(ports, conn), ...opts });
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
    return await fn(interactiveClient(ports, conn, clientOpts), account);
  } catch (err) {
    if (isTokenRejected(err)) await markNeedsAttention(ports, tenant, account, tokenRejectionDetail(err));
    throw cloudflareProblem(err, ctx);
  }
}
