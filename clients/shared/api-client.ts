/**
 * The base of the reference clients' typed API clients (clients/sync/api.ts, clients/cli/api.ts):
 * method and path from the generated operation table (frontend/core/operations.gen.ts, the path
 * builder next to it), a bearer token, failures as ApiError (problem+json, frontend/core/problem.ts).
 * Counts its requests, for `--json` summaries and the benches.
 */
import type * as z from 'zod';
import { buildUrl, operationPath, type QueryValues } from '../../frontend/core/operation-path';
import { OPERATIONS, type OperationId } from '../../frontend/core/operations.gen';
import { ApiError, problemOf, retryAfterOf } from '../../frontend/core/problem';

export interface ApiRequest {
  readonly params?: Record<string, string | number>;
  readonly query?: QueryValues;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export class ApiClient {
  /** Requests sent (every answer, errors included). */
  requests = 0;

  constructor(
    readonly baseUrl: string,
    protected token: string | undefined,
    protected readonly fetchImpl: typeof fetch = fetch,
  ) {}

  setToken(token: string): void {
    this.token = token;
  }

  /**
   * The answer's body (JSON parsed when the answer is JSON, else its text; undefined for 204) and
   * headers; ApiError on a non-2xx answer.
   */
  async send<T>(op: OperationId, req: ApiRequest = {}): Promise<{ body: T; headers: Headers }> {
    const { method } = OPERATIONS[op];
    const url = new URL(buildUrl(operationPath(op, req.params), req.query), this.baseUrl).toString();
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    this.requests++;
    const res = await this.fetchImpl(url, { method, headers, body: req.body === undefined ? undefined : JSON.stringify(req.body) });
    if (!res.ok) throw new ApiError(await problemOf(res), retryAfterOf(res));
    const text = res.status === 204 ? '' : await res.text();
    const isJson = (res.headers.get('content-type') ?? 'application/json').includes('json');
    return { body: (text ? (isJson ? JSON.parse(text) : text) : undefined) as T, headers: res.headers };
  }

  protected async json<T>(op: OperationId, req?: ApiRequest): Promise<T> {
    return (await this.send<T>(op, req)).body;
  }
}

/** The answer of a contract route (a type-only import of the contract). */
export type RouteAnswer<R extends { response?: z.ZodType }> = z.output<NonNullable<R['response']>>;
