/**
 * Which AWS SDK failures mean "the service is briefly unavailable, try again":
 * a timeout, a refused or reset connection, throttling, a 5xx, or an error the
 * SDK itself marks retryable (after its bounded retries ran out). The HTTP
 * toolkit turns them into 503 + Retry-After; anything else stays what it was
 * (a domain error, or our bug → 500).
 *
 * Public API:
 *   awsUnavailable(err): DomainError | undefined   // kind 'unavailable', no internals in the message
 */
import { DomainError } from '../errors';

export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

const UNAVAILABLE_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'SlowDown',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
]);

const NETWORK_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND'];
const NETWORK_CODES_SET = new Set(NETWORK_CODES);
// The SDK wraps a thrown value that is not an Error of its realm as "AWS SDK error wrapper for <value>", dropping `code`.
const WRAPPED_NETWORK_ERROR = new RegExp(`^AWS SDK error wrapper for .*\\b(${NETWORK_CODES.join('|')})\\b`);

interface SdkLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** Only errors the SDK returned (they carry `$metadata`): a function's own timeout or a Cloudflare fault is not an AWS fault. */
function isUnavailable(e: SdkLike): boolean {
  if (!e.$metadata || typeof e.$metadata !== 'object') return false;
  if (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && NETWORK_CODES_SET.has(e.code)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  return typeof e.message === 'string' && WRAPPED_NETWORK_ERROR.test(e.message);
}

export function awsUnavailable(err: unknown): DomainError | undefined {
  if (err instanceof DomainError) return undefined;
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++, e = (e as SdkLike).cause) {
    if (isUnavailable(e as SdkLike)) {
      return new DomainError('unavailable', 'A service this request depends on is briefly unavailable. Try again shortly.', {
        retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
        cause: err,
      });
    }
  }
  return undefined;
}
