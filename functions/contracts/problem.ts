/**
 * The shape of every error answer (RFC 9457 problem+json): what clients (the
 * dashboard, the SDK) read. The handler toolkit (functions/http/problem.ts) builds them.
 */

export const PROBLEM_BASE = 'https://flarevault.dev/problems/';

/** One bad input value, listed in a 400's `errors`. */
export interface FieldIssue {
  /** Where the bad value was: body, query, path, header. */
  readonly in: 'body' | 'query' | 'path' | 'header';
  /** Dotted path of the field, e.g. `records.3.content`. */
  readonly field: string;
  readonly message: string;
  readonly code?: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId: string;
  errors?: readonly FieldIssue[];
  [extra: string]: unknown;
}
