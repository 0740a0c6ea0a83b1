/**
 * CORS for the routes applications call from their own origins (`cors: 'application'`: the
 * Session API and the hosted login's code exchange). The allowed origins are each application's
 * `allowedOrigins`, known only once the request's credential (or client id) named the
 * application, so neither API Gateway's CORS configuration (one static list per API) nor the
 * dashboard's list (CORS_ALLOWED_ORIGINS, with credentials) can answer them:
 *
 * - Preflight (OPTIONS; carries no credential, Fetch standard §4.8): answered for any origin with
 *   the path's methods and the headers the SDK sends, never `Allow-Credentials`. It only lets the
 *   browser send the real request, which is where the decision is made.
 * - Real request: the authenticator (or the code exchange) refuses an Origin the application did
 *   not register with 403 `origin-not-allowed` BEFORE any effect, and records the allowed origin;
 *   only then does the answer (errors included: 410, 429, 413…) carry `Access-Control-Allow-Origin`
 *   so the SDK can read it. No cookies: app credentials are bearer tokens only.
 * Every other route keeps the dashboard's CORS (`@middy/http-cors`).
 */
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { routeKey, type RouteDef } from '../contracts/route';

/** Which Origin may read this request's answer, as its credential's application decided (undefined: none). */
export interface ApplicationCors {
  allowedOrigin(event: APIGatewayProxyEventV2): string | undefined;
}

/** Per-request decisions, written by whoever identified the application (the app authenticator, the code exchange). */
export function originDecisions(): ApplicationCors & { allow(event: APIGatewayProxyEventV2, origin: string): void } {
  const allowed = new WeakMap<APIGatewayProxyEventV2, string>();
  return {
    allow: (event, origin) => allowed.set(event, origin),
    allowedOrigin: (event) => allowed.get(event),
  };
}

/** The request's Origin header, if a browser sent one (`null` from opaque origins counts as one). */
export const requestOrigin = (event: APIGatewayProxyEventV2): string | undefined => event.headers?.origin;

/** Headers the SDK sends on application routes (If-Match for optimistic concurrency). */
const ALLOW_HEADERS = 'authorization,content-type,if-match';
/** Answer headers the SDK reads. */
const EXPOSE_HEADERS = 'etag,retry-after,x-request-id';
const PREFLIGHT_MAX_AGE_SECONDS = 600;

type Mw = middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;
type Request = middy.Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;

/** The methods served at each application-CORS path: what a preflight may allow. */
export function preflightMethods(appRoutes: readonly Pick<RouteDef, 'method' | 'path'>[]): Map<string, string[]> {
  const byPath = new Map<string, string[]>();
  for (const r of appRoutes) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r.method]);
  return byPath;
}

/** The preflight answer for an application-CORS path (any origin; the real request decides). */
export function preflightResponse(event: APIGatewayProxyEventV2, methods: readonly string[], requestId: string): APIGatewayProxyStructuredResultV2 {
  const origin = requestOrigin(event);
  return {
    statusCode: 204,
    headers: {
      'x-request-id': requestId,
      vary: 'Origin',
      ...(origin
        ? {
            'Access-Control-Allow-Origin': origin,
            'Access-Control-Allow-Methods': [...methods, 'OPTIONS'].join(','),
            'Access-Control-Allow-Headers': ALLOW_HEADERS,
            'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_SECONDS),
          }
        : {}),
    },
  };
}

/**
 * One CORS middleware for a function: application routes (and their preflights) get the per-request
 * decision; every other route is handed to the dashboard's middleware unchanged.
 */
export function applicationCors(appRoutes: readonly RouteDef[], decisions: ApplicationCors | undefined, dashboard: Mw): Mw {
  const keys = new Set(appRoutes.map(routeKey));
  const preflightKeys = new Set(appRoutes.map((r) => `OPTIONS ${r.path}`));
  const isApplicationRoute = (event: APIGatewayProxyEventV2) => keys.has(event.routeKey) || preflightKeys.has(event.routeKey);

  const decorate = (request: Request) => {
    const response = request.response;
    if (!response) return;
    response.headers = { ...(response.headers ?? {}) };
    if (preflightKeys.has(request.event.routeKey)) return;
    response.headers.vary = 'Origin';
    const origin = requestOrigin(request.event);
    if (origin && decisions?.allowedOrigin(request.event) === origin) {
      response.headers['Access-Control-Allow-Origin'] = origin;
      response.headers['Access-Control-Expose-Headers'] = EXPOSE_HEADERS;
    }
  };

  return {
    before: async (request) => (isApplicationRoute(request.event) ? undefined : dashboard.before?.(request)),
    after: async (request) => (isApplicationRoute(request.event) ? decorate(request) : dashboard.after?.(request)),
    onError: async (request) => (isApplicationRoute(request.event) ? decorate(request) : dashboard.onError?.(request)),
  };
}
