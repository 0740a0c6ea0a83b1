/**
 * Error answers as clients see them, shared by the dashboard and
 * @flarevault/sdk: a problem+json body (RFC 9457) read from a Response into a
 * typed ApiError with its slug (`session-expired`, `value-too-large`, …) and
 * Retry-After. The shapes mirror functions/contracts/problem.ts (checked at
 * compile time by test/unit/frontend-core.test.ts) without importing it.
 */

/** One bad input value, listed in a 400's `errors`. */
export interface FieldIssue {
  readonly in: 'body' | 'query' | 'path' | 'header';
  /** Dotted path of the field inside its part, e.g. `records.3.content`. */
  readonly field: string;
  readonly message: string;
  readonly code?: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  errors?: readonly FieldIssue[];
  [extra: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  /** Last path segment of the problem `type`, e.g. `validation-failed`, `session-expired`. */
  readonly slug: string;
  readonly problem: Problem;
  /** Seconds, from Retry-After on 429/503. */
  readonly retryAfter: number | undefined;

  constructor(problem: Problem, retryAfter?: number) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
    this.slug = problem.type.split('/').filter(Boolean).pop() ?? 'about:blank';
    this.retryAfter = retryAfter;
  }

  get fieldErrors(): readonly FieldIssue[] {
    return this.problem.errors ?? [];
  }

  /** The message for one input, matched by its name (also `body.name`, `params.name`, `name.0` …). */
  fieldError(name: string): string | undefined {
    return this.fieldErrors.find((e) => fieldMatches(e.field, name))?.message;
  }

  /** Field errors that no input named in `names` will show. */
  unmatchedFieldErrors(names: readonly string[]): FieldIssue[] {
    return this.fieldErrors.filter((e) => !names.some((n) => fieldMatches(e.field, n)));
  }
}

/** `errors[].field` is the dotted path inside its part (body/query/path), e.g. `params.match.content.value`. */
function fieldMatches(field: string, name: string): boolean {
  return field === name || field.startsWith(`${name}.`);
}

/** Network failure or a non-problem error answer, in the same shape. */
export function syntheticProblem(status: number, detail: string): Problem {
  return { type: status === 0 ? 'network-error' : 'about:blank', title: status === 0 ? 'Network error' : `HTTP ${status}`, status, detail };
}

/** The problem of a failed answer: its problem+json (or JSON) body, or one made from the status. */
export async function problemOf(res: Response): Promise<Problem> {
  const ct = res.headers.get('content-type') ?? '';
  if (!ct.includes('json')) return syntheticProblem(res.status, res.statusText || `Request failed with status ${res.status}`);
  try {
    const body = (await res.json()) as Partial<Problem> & { message?: string };
    return {
      ...body,
      type: body.type ?? 'about:blank',
      title: body.title ?? `HTTP ${res.status}`,
      status: body.status ?? res.status,
      detail: body.detail ?? body.message ?? res.statusText,
    };
  } catch {
    return syntheticProblem(res.status, res.statusText);
  }
}

/** Retry-After in seconds (delta form), when present and positive. */
export function retryAfterOf(res: Response): number | undefined {
  const ra = Number(res.headers.get('retry-after'));
  return Number.isFinite(ra) && ra > 0 ? ra : undefined;
}
