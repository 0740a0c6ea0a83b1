/**
 * Domain errors: thrown by domain modules, which know nothing of HTTP. The
 * handler toolkit maps each kind to a status and a problem+json type.
 * Messages must never contain secrets or another tenant's data.
 */
import type { FieldIssue } from './contracts/problem';

export type DomainErrorKind =
  | 'invalid' // 400
  | 'unauthenticated' // 401
  | 'mfa-required' // 401
  | 'forbidden' // 403
  | 'not-found' // 404 (also "not yours": indistinguishable)
  | 'conflict' // 409
  | 'gone' // 410 (e.g. expired session, data intact)
  | 'session-expired' // 410
  | 'precondition-failed' // 412 (e.g. drift since plan)
  | 'payload-too-large' // 413
  | 'unsupported-media-type' // 415
  | 'rate-limited' // 429
  | 'limit-exceeded' // 429 (concurrency limits)
  | 'upstream-failed' // 502 (Cloudflare or another dependency failed)
  | 'unavailable'; // 503 (an AWS service timed out, refused, throttled or failed: retry after Retry-After)

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly options: {
      /** Stable machine code, becomes the problem `type` slug (defaults to `kind`). */
      readonly code?: string;
      readonly fields?: readonly FieldIssue[];
      /** Seconds, for 429/503 answers. */
      readonly retryAfterSeconds?: number;
      /** Extra members of the problem body (must be safe to show). */
      readonly extra?: Readonly<Record<string, unknown>>;
      readonly cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
  }
}

export const notFound = (what = 'Resource'): DomainError => new DomainError('not-found', `${what} not found`);
export const conflict = (message: string, extra?: Record<string, unknown>): DomainError =>
  new DomainError('conflict', message, { extra });
export const invalid = (message: string, fields?: readonly FieldIssue[]): DomainError =>
  new DomainError('invalid', message, { fields });
