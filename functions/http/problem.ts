/**
 * RFC 9457 problem+json answers. Every error leaves as one of these, with the
 * request id, and never with a stack trace or an internal message.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PROBLEM_BASE, type FieldIssue, type ProblemBody } from '../contracts/problem';
import type { DomainError, DomainErrorKind } from '../errors';

const STATUS: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  'mfa-required': 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  'session-expired': 410,
  'precondition-failed': 412,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'rate-limited': 429,
  'limit-exceeded': 429,
  'upstream-failed': 502,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function problemResponse(
  status: number,
  slug: string,
  detail: string,
  requestId: string,
  more: { errors?: readonly FieldIssue[]; extra?: Readonly<Record<string, unknown>>; headers?: Record<string, string> } = {},
): APIGatewayProxyStructuredResultV2 {
  const body: ProblemBody = {
    ...(more.extra ?? {}),
    type: PROBLEM_BASE + slug,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    requestId,
    ...(more.errors?.length ? { errors: more.errors } : {}),
  };
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...(more.headers ?? {}) },
    body: JSON.stringify(body),
  };
}

export function problemFromDomainError(err: DomainError, requestId: string): APIGatewayProxyStructuredResultV2 {
  const status = STATUS[err.kind];
  const headers: Record<string, string> = {};
  if (err.options.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(err.options.retryAfterSeconds)));
  return problemResponse(status, err.options.code ?? err.kind, err.message, requestId, {
    errors: err.options.fields,
    extra: err.options.extra,
    headers,
  });
}

/** Unknown errors: our bug. The client sees only the request id to quote. */
export function internalProblem(requestId: string): APIGatewayProxyStructuredResultV2 {
  return problemResponse(500, 'internal', 'An unexpected error occurred. Quote the request id when reporting it.', requestId);
}
