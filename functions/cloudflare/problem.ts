/**
 * A failed Cloudflare call as the interactive routes answer it: a DomainError (problem+json)
 * derived from the one classification in errors.ts, naming the zone/record and carrying
 * Cloudflare's `{ status, errors: [{code, message}] }` in `extra.cloudflare`.
 *
 *   token-rejected   → 409 cloudflare-token-rejected (extra.accountStatus = 'needs-attention'; a 9109
 *                      "from location" refusal adds extra.tokenRestriction = 'ip' and says what to do)
 *   every problem's detail names Cloudflare's error_chain reasons; extra.cloudflare.errors keeps them
 *   rate-limited     → 429 cloudflare-rate-limited + Retry-After (Cloudflare's, or our limiter's)
 *   upstream-error   → 502 cloudflare-upstream-error
 *   not-found        → 404 cloudflare-not-found
 *   duplicate-record · cname-conflict · conflict → 409 cloudflare-duplicate-record · -cname-conflict · -conflict
 *   rejected         → 400 cloudflare-rejected
 *   timeout · unreachable → 502 cloudflare-timeout · cloudflare-unreachable
 *   budget-busy      → 429 cloudflare-rate-limited + Retry-After (not sent: the token's budget is taken)
 * A DomainError passes through unchanged; anything else is rethrown as is (a bug stays a 500).
 * Tokens never appear in problems.
 */
import { DomainError, type DomainErrorKind } from '../errors';
import { readCloudflareError, type CloudflareErrorItem, type CloudflareFailure } from './errors';

export interface CloudflareErrorContext {
  readonly accountId?: string;
  readonly zoneId?: string;
  readonly zoneName?: string;
  readonly recordId?: string;
  readonly recordName?: string;
}

function where(ctx: CloudflareErrorContext): string {
  const parts: string[] = [];
  if (ctx.recordName || ctx.recordId) parts.push(`record ${ctx.recordName ?? ctx.recordId}`);
  if (ctx.zoneName || ctx.zoneId) parts.push(`zone ${ctx.zoneName ?? ctx.zoneId}`);
  return parts.length ? ` (${parts.join(' in ')})` : '';
}

/** At most 5 errors of 300 characters each reach a problem body, each with at most 5 of its `error_chain` reasons. */
function shownItem(e: CloudflareErrorItem): CloudflareErrorItem {
  const item = { code: e.code, message: e.message.slice(0, 300) };
  return e.error_chain?.length ? { ...item, error_chain: e.error_chain.slice(0, 5).map(shownItem) } : item;
}

function shown(f: CloudflareFailure): CloudflareErrorItem[] {
  return f.errors.slice(0, 5).map(shownItem);
}

/** `1004 DNS Validation Error (9005 Content for A record must be a valid IPv4 address.)`: the chain is the reason. */
function describeItem(e: CloudflareErrorItem): string {
  const chain = e.error_chain?.length ? ` (${e.error_chain.map(describeItem).join('; ')})` : '';
  return `${e.code} ${e.message}${chain}`;
}

function describe(errors: readonly CloudflareErrorItem[]): string {
  return errors.length ? errors.map(describeItem).join('; ') : 'no error detail';
}

/** What to do about a token refused for where the call came from (its client IP filter). */
const IP_RESTRICTED_ADVICE =
  'The token may be restricted to other IP addresses (Client IP Address Filtering): in the Cloudflare dashboard, allow the addresses flarevault calls from in the token\'s IP filter, or remove the filter. Connecting again with the same token will not help.';

function ctxExtra(ctx: CloudflareErrorContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['accountId', 'zoneId', 'zoneName', 'recordId', 'recordName'] as const) if (ctx[k]) out[k] = ctx[k]!;
  return out;
}

/** Why the token was refused, for the account's status detail and the audit event. */
export function tokenRejectionDetail(err: unknown): string {
  const f = readCloudflareError(err);
  if (f?.status === undefined) return 'Cloudflare rejected the token';
  const base = `Cloudflare rejected the token (HTTP ${f.status}: ${describe(shown(f))})`;
  return f.tokenRestriction === 'ip' ? `${base}. ${IP_RESTRICTED_ADVICE}` : base;
}

export function cloudflareProblem(err: unknown, ctx: CloudflareErrorContext = {}): DomainError {
  if (err instanceof DomainError) return err;
  const f = readCloudflareError(err);
  if (!f) throw err; // a non-SDK error inside a Cloudflare call is our bug: keep it a 500
  const at = where(ctx);
  const errors = shown(f);
  const extra = { ...ctxExtra(ctx), cloudflare: { status: f.status ?? null, errors } };
  const make = (kind: DomainErrorKind, code: string, message: string, more: { retryAfterSeconds?: number; extra?: Record<string, unknown> } = {}) =>
    new DomainError(kind, message, { code, extra: { ...extra, ...(more.extra ?? {}) }, retryAfterSeconds: more.retryAfterSeconds, cause: err });
  const detail = describe(errors);

  switch (f.reason) {
    case 'timeout':
      return make('upstream-failed', 'cloudflare-timeout', `Cloudflare did not answer in time${at}. Try again.`);
    case 'unreachable':
      return make('upstream-failed', 'cloudflare-unreachable', `Could not reach Cloudflare${at}: the connection failed. Try again.`);
    case 'token-rejected':
      if (f.tokenRestriction === 'ip') {
        return make(
          'conflict',
          'cloudflare-token-rejected',
          `Cloudflare refused this account's API token from this location${at}: ${detail}. The account needs attention. ${IP_RESTRICTED_ADVICE}`,
          { extra: { accountStatus: 'needs-attention', tokenRestriction: 'ip' } },
        );
      }
      return make(
        'conflict',
        'cloudflare-token-rejected',
        `Cloudflare rejected this account's API token${at}: ${detail}. The account needs attention: connect it again with a valid token.`,
        { extra: { accountStatus: 'needs-attention' } },
      );
    case 'rate-limited': {
      const wait = Math.max(1, Math.ceil(f.retryAfterSeconds ?? 60));
      return make('rate-limited', 'cloudflare-rate-limited', `Cloudflare's rate limit for this token was reached${at}: ${detail}. Retry after ${wait} s.`, {
        retryAfterSeconds: wait,
      });
    }
    case 'budget-busy': {
      const wait = Math.max(1, Math.ceil(f.retryAfterSeconds ?? 1));
      return make(
        'rate-limited',
        'cloudflare-rate-limited',
        `This token's Cloudflare request budget is in use (a running bulk job or other calls)${at}; the request was not sent, so that Cloudflare does not block the token. Retry after ${wait} s.`,
        { retryAfterSeconds: wait },
      );
    }
    case 'not-found': {
      const what = ctx.recordId || ctx.recordName ? 'DNS record' : ctx.zoneId || ctx.zoneName ? 'Zone' : 'Resource';
      return make('not-found', 'cloudflare-not-found', `${what} not found at Cloudflare or not visible to this token${at}: ${detail}.`);
    }
    case 'duplicate-record':
      return make('conflict', 'cloudflare-duplicate-record', `Cloudflare refused the record${at}: ${detail}.`);
    case 'cname-conflict':
      return make('conflict', 'cloudflare-cname-conflict', `Cloudflare refused the record${at}: ${detail}.`);
    case 'conflict':
      return make('conflict', 'cloudflare-conflict', `Cloudflare reported a conflict${at}: ${detail}.`);
    case 'rejected':
      return make('invalid', 'cloudflare-rejected', `Cloudflare rejected the request${at}: ${detail}.`);
    case 'upstream-error':
      return f.status !== undefined && f.status >= 500
        ? make('upstream-failed', 'cloudflare-upstream-error', `Cloudflare failed with HTTP ${f.status}${at}: ${detail}.`)
        : make('upstream-failed', 'cloudflare-upstream-error', `Unexpected answer from Cloudflare (HTTP ${f.status})${at}: ${detail}.`);
  }
}
