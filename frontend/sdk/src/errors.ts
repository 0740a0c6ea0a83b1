/**
 * What a Session API call can throw. Every answer that is not a success
 * becomes an ApiError (status, problem `slug`, the problem body); the ones an
 * application reacts to have their own class.
 */
import { ApiError, type Problem } from '../../core/problem';

export { ApiError };
export type { FieldIssue, Problem } from '../../core/problem';

/** No token in memory (never signed in, signed out, revoked, or the page was reloaded): call `login()`. */
export class NotSignedInError extends ApiError {
  constructor(problem?: Problem) {
    super(problem ?? { type: 'not-signed-in', title: 'Not signed in', status: 401, detail: 'Sign in first: call login().' });
    this.name = 'NotSignedInError';
  }
}

/** 410 `session-expired`, thrown only with `onSessionExpired: 'throw'` (the default signs in again). The data is intact. */
export class SessionExpiredError extends ApiError {
  constructor(problem: Problem) {
    super(problem);
    this.name = 'SessionExpiredError';
  }
}

/** 412: the value changed since the version passed as `ifVersion`. Read it again and retry. */
export class VersionConflictError extends ApiError {
  constructor(problem: Problem) {
    super(problem);
    this.name = 'VersionConflictError';
  }
}

/** A tier limit: `limit` as the problem names it, `retryAfter` in seconds when the server says when to retry. */
export class LimitError extends ApiError {
  readonly limit: number | undefined;
  constructor(problem: Problem, retryAfter?: number) {
    super(problem, retryAfter);
    this.name = 'LimitError';
    this.limit = typeof problem.limit === 'number' ? problem.limit : undefined;
  }
}

/** 413 `value-too-large`: `limit` is the largest value in bytes this workspace's tier stores. */
export class ValueTooLargeError extends LimitError {
  constructor(problem: Problem) {
    super(problem);
    this.name = 'ValueTooLargeError';
  }
}

/** 429 `too-many-sessions` or `rate-limited`: try again after `retryAfter` seconds. */
export class TooManyRequestsError extends LimitError {
  constructor(problem: Problem, retryAfter?: number) {
    super(problem, retryAfter);
    this.name = 'TooManyRequestsError';
  }
}

/** The hosted login came back with an error, a foreign `state`, or a code the server refused. */
export class LoginError extends Error {
  /** `state-mismatch`, `access_denied`, `invalid-grant`, … */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LoginError';
    this.code = code;
  }
}

/** The typed error for a failed answer (410 is handled by the caller first). */
export function errorFor(problem: Problem, retryAfter: number | undefined): ApiError {
  switch (problem.status) {
    case 401:
      return new NotSignedInError(problem);
    case 410:
      return new SessionExpiredError(problem);
    case 412:
      return new VersionConflictError(problem);
    case 413:
      return new ValueTooLargeError(problem);
    case 429:
      return new TooManyRequestsError(problem, retryAfter);
    default:
      return new ApiError(problem, retryAfter);
  }
}
