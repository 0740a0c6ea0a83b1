/**
 * Cloudflare API v4 response envelope and error shapes.
 *
 * Every JSON answer is `{ success, errors, messages, result }`; list answers add
 * `result_info { page, per_page, count, total_count, total_pages }`.
 */

export interface CfMessage {
  code: number;
  message: string;
  error_chain?: CfMessage[];
  type?: string | null;
}

export interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
  total_pages: number;
}

export interface Envelope<T = unknown> {
  success: boolean;
  errors: CfMessage[];
  messages: CfMessage[];
  result: T;
  result_info?: ResultInfo;
}

/** A failure the router turns into a Cloudflare-shaped error answer. */
export class CfError extends Error {
  constructor(
    readonly status: number,
    readonly errors: CfMessage[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => `${e.code}: ${e.message}`).join('; '));
    this.name = 'CfError';
  }
}

export function ok<T>(result: T, messages: CfMessage[] = []): Envelope<T> {
  return { success: true, errors: [], messages, result };
}

export function errorBody(errors: CfMessage[]): Envelope<null> {
  return { success: false, errors, messages: [], result: null };
}

/** Slice `items` for `page`/`per_page` (1-based). Past the last page: empty `result`, still 200. */
export function paginate<T>(items: T[], page: number, perPage: number): Envelope<T[]> {
  const total = items.length;
  const start = (page - 1) * perPage;
  const slice = start < total ? items.slice(start, start + perPage) : [];
  return {
    success: true,
    errors: [],
    messages: [],
    result: slice,
    result_info: {
      page,
      per_page: perPage,
      count: slice.length,
      total_count: total,
      total_pages: Math.ceil(total / perPage),
    },
  };
}

// ---- the errors the sandbox answers with (codes as the real API uses them) ----

export const errors = {
  /** No credentials at all. */
  missingAuth: () =>
    new CfError(400, [{ code: 9106, message: 'Missing X-Auth-Key, X-Auth-Email or Authorization headers' }]),
  /** `Authorization` present but not `Bearer <token>` with token characters. */
  badAuthHeader: () =>
    new CfError(400, [
      {
        code: 6003,
        message: 'Invalid request headers',
        error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }],
      },
    ]),
  /** Well-formed token the API does not know (or revoked/expired). */
  invalidToken: () => new CfError(403, [{ code: 9109, message: 'Invalid access token' }]),
  /** A known token used from outside its client IP filter (`condition.request_ip`). */
  locationRefused: (ip: string) => new CfError(403, [{ code: 9109, message: `Cannot use the access token from location: ${ip}` }]),
  /** `GET /user/tokens/verify` with an unknown token. */
  invalidApiToken: () => new CfError(401, [{ code: 1000, message: 'Invalid API Token' }]),
  /** Known token, resource outside its scope (or a write with a read-only token). */
  authentication: () => new CfError(403, [{ code: 10000, message: 'Authentication error' }]),
  /** Malformed identifier or unknown route. */
  noRoute: (path: string) =>
    new CfError(404, [
      { code: 7003, message: `Could not route to ${path}, perhaps your object identifier is invalid?` },
      { code: 7000, message: 'No route for that URI' },
    ]),
  methodNotAllowed: () => new CfError(405, [{ code: 10405, message: 'Method not allowed for api_token authentication' }]),
  badJson: () => new CfError(400, [{ code: 9207, message: 'Request body is invalid.' }]),
  recordNotFound: () => new CfError(404, [{ code: 81044, message: 'Record does not exist.' }]),
  dnsValidation: (code: number, message: string) =>
    new CfError(400, [{ code: 1004, message: 'DNS Validation Error', error_chain: [{ code, message }] }]),
  recordExists: () => new CfError(400, [{ code: 81057, message: 'Record already exists.' }]),
  identicalRecord: () => new CfError(400, [{ code: 81058, message: 'An identical record already exists.' }]),
  cnameConflict: () =>
    new CfError(400, [{ code: 81053, message: 'An A, AAAA, or CNAME record with that host already exists.' }]),
  cnameExists: () => new CfError(400, [{ code: 81054, message: 'A CNAME record with that host already exists.' }]),
  rateLimited: (retryAfterSeconds: number) =>
    new CfError(
      429,
      [{ code: 971, message: 'Please wait and consider throttling your request speed' }],
      { 'retry-after': String(retryAfterSeconds) },
    ),
  invalidParam: (code: number, message: string) => new CfError(400, [{ code, message }]),
  payloadTooLarge: (message: string) => new CfError(413, [{ code: 1206, message }]),
};
