/**
 * The handler toolkit. A function module binds its manifest routes to plain
 * async implementations; this wraps them in one middy stack:
 *   logger context → security headers → CORS → problem+json errors →
 *   origin check → authenticate (non-public routes; a route's prefetch runs alongside: ./prefetch.ts)
 *   → parse + zod validation → implementation
 *   → (authenticated calls) the access-log recorder, injected like the authenticator.
 * The same stack runs under API Gateway in AWS and under the local gateway.
 */
import middy from '@middy/core';
import httpCors from '@middy/http-cors';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { awsUnavailable } from '../aws/faults';
import { loadEnv } from '../platform/env';
import { DomainError } from '../errors';
import { type FunctionId, routesOf } from '../platform/manifest';
import { logger } from '../observability/logger';
import type { Prefetched } from '../tenancy/prefetched';
import type { AccessRecord, AppPrincipal, DevicePrincipal, Principal } from '../tenancy/principal';
import type { Tenant } from '../tenancy/tenant';
import type { AppAuthenticator, Authenticator, DeviceAuthenticator, RequestMeta } from './auth';
import { applicationCors, preflightMethods, preflightResponse, type ApplicationCors } from './app-cors';
import { clientIp, verifyOrigin } from './origin';
import { parseRequest } from './parse';
import { startPrefetch, type PrefetchRead } from './prefetch';
import { internalProblem, problemFromDomainError, problemResponse } from './problem';
import { routeKey, type RouteDef } from '../contracts/route';

type Infer<T> = [NonNullable<T>] extends [z.ZodType] ? z.output<NonNullable<T>> : undefined;

export interface RouteInput<R extends RouteDef> extends RequestMeta {
  readonly params: Infer<R['params']>;
  readonly query: Infer<R['query']>;
  readonly body: Infer<R['body']>;
  /** Present on every route whose `auth` is not `public`; an `AppPrincipal` on `app` routes, a `DevicePrincipal` on `device` routes. */
  readonly principal: R['auth'] extends 'public' ? Principal | undefined : R['auth'] extends 'app' ? AppPrincipal : R['auth'] extends 'device' ? DevicePrincipal : Principal;
  readonly event: APIGatewayProxyEventV2;
}

/** A route's input when it binds a `prefetch`: its result, when the principal's tenant is the one guessed. */
export interface PrefetchedInput<T> {
  readonly prefetched?: Prefetched<T>;
}

export interface BindOptions<R extends RouteDef, T> {
  /**
   * The route's store read for a tenant, started concurrently with authentication for the tenant
   * the credential named last time (./prefetch.ts). Member-authenticated GET routes only. Type its
   * parameters (they are not inferred: `impl`, before it, fixes T).
   */
  readonly prefetch?: (tenantGuess: Tenant, params: Infer<R['params']>, query: Infer<R['query']>) => Promise<T>;
}

export interface Reply {
  /** @default the route's successStatus, else 200 */
  readonly status?: number;
  /** JSON-serialised unless `text` is given. */
  readonly body?: unknown;
  /** A raw text body (uses the route's responseContentType). */
  readonly text?: string;
  readonly headers?: Record<string, string>;
  readonly cookies?: readonly string[];
}

export type RouteImpl<R extends RouteDef, T = never> = (input: RouteInput<R> & PrefetchedInput<T>) => Promise<Reply>;

export interface BoundRoute {
  readonly route: RouteDef;
  readonly impl: RouteImpl<RouteDef, unknown>;
  readonly prefetch?: PrefetchRead;
}

export function bind<R extends RouteDef, T>(route: R, impl: RouteImpl<R, NoInfer<T>>, options: BindOptions<R, T> = {}): BoundRoute {
  return { route, impl: impl as unknown as RouteImpl<RouteDef, unknown>, prefetch: options.prefetch as PrefetchRead | undefined };
}


export interface HttpFunctionOptions {
  /** Required when any bound route is not `public`. */
  readonly authenticate?: Authenticator;
  /**
   * Records every authenticated call after its answer is computed (api/ wires the
   * access-log domain: one log line, no AWS call once the container holds the workspace's
   * DEK; a log subscription writes the entry after the answer). A failure is logged and
   * never changes the answer.
   */
  readonly recordAccess?: (entry: AccessRecord) => Promise<void>;
  /** Required when any bound route has `auth: 'app'` (app session tokens, automation credentials). */
  readonly authenticateApp?: AppAuthenticator;
  /** Required when any bound route has `auth: 'device'` (sync device tokens). */
  readonly authenticateDevice?: DeviceAuthenticator;
  /**
   * Required when any bound route has `cors: 'application'`: which Origin may read this request's
   * answer, as the credential (or the code exchange's client id) decided (./app-cors.ts).
   */
  readonly applicationCors?: ApplicationCors;
}

function requestMeta(event: APIGatewayProxyEventV2): RequestMeta {
  return {
    requestId: event.requestContext?.requestId ?? 'unknown',
    ip: clientIp(event, loadEnv(['edge']).ORIGIN_VERIFY_SECRET),
    userAgent: (event.headers?.['user-agent'] ?? '').slice(0, 512),
  };
}

function toResult(route: RouteDef, reply: Reply, requestId: string): APIGatewayProxyStructuredResultV2 {
  const status = reply.status ?? route.successStatus ?? 200;
  const headers: Record<string, string> = { 'cache-control': 'no-store', 'x-request-id': requestId, ...(reply.headers ?? {}) };
  let body: string | undefined;
  if (reply.text !== undefined) {
    headers['content-type'] ??= route.responseContentType ?? 'text/plain; charset=utf-8';
    body = reply.text;
  } else if (reply.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(reply.body);
  }
  return { statusCode: status, headers, body, cookies: reply.cookies ? [...reply.cookies] : undefined };
}

/**
 * onError: domain errors become their 4xx/5xx; an AWS timeout, refusal, throttle or 5xx becomes 503 +
 * Retry-After; anything else is logged and becomes an opaque 500.
 */
function errorResponse(error: unknown, requestId: string): APIGatewayProxyStructuredResultV2 {
  const err = awsUnavailable(error) ?? error;
  let response: APIGatewayProxyStructuredResultV2;
  if (err instanceof DomainError) {
    if (err.kind === 'upstream-failed') logger.warn('upstream failure', { requestId, error: err.message });
    if (err.kind === 'unavailable') logger.warn('service unavailable', { requestId, code: err.options.code, fault: (err.cause as Error | undefined)?.name });
    response = problemFromDomainError(err, requestId);
  } else {
    logger.error('unhandled error', { requestId, error: err as Error });
    response = internalProblem(requestId);
  }
  response.headers = { ...response.headers, 'x-request-id': requestId };
  return response;
}

const problemErrors = (): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> => ({
  onError: async (request) => {
    request.response = errorResponse(request.error, requestMeta(request.event).requestId);
  },
});

/**
 * Builds the Lambda handler for one manifest function. Fails at cold start if
 * the bound routes differ from the manifest's routes for `fn`.
 */
export function httpFunction(fn: FunctionId, bound: readonly BoundRoute[], options: HttpFunctionOptions = {}) {
  const declared = routesOf(fn).map(routeKey).sort();
  const implemented = bound.map((b) => routeKey(b.route)).sort();
  if (declared.join('\n') !== implemented.join('\n')) {
    throw new Error(`function ${fn}: bound routes [${implemented.join(', ')}] differ from the manifest [${declared.join(', ')}]`);
  }
  if (!options.authenticate && bound.some((b) => b.route.auth === 'session' || b.route.auth === 'user')) {
    throw new Error(`function ${fn}: routes need authentication but no authenticator was given`);
  }
  if (!options.authenticateApp && bound.some((b) => b.route.auth === 'app')) {
    throw new Error(`function ${fn}: app routes need an app authenticator`);
  }
  if (!options.authenticateDevice && bound.some((b) => b.route.auth === 'device')) {
    throw new Error(`function ${fn}: device routes need a device authenticator`);
  }
  if (!options.applicationCors && bound.some((b) => b.route.cors === 'application')) {
    throw new Error(`function ${fn}: application-CORS routes need an applicationCors decision`);
  }
  const misplaced = bound.filter((b) => b.prefetch && (b.route.method !== 'GET' || b.route.auth === 'public' || b.route.auth === 'app' || b.route.auth === 'device'));
  if (misplaced.length) throw new Error(`function ${fn}: prefetch is for member-authenticated GET routes (${misplaced.map((b) => routeKey(b.route)).join(', ')})`);
  const byKey = new Map(bound.map((b) => [routeKey(b.route), b]));
  const appCorsRoutes = bound.filter((b) => b.route.cors === 'application').map((b) => b.route);
  const preflights = new Map([...preflightMethods(appCorsRoutes)].map(([path, methods]) => [`OPTIONS ${path}`, methods]));
  const env = loadEnv(['edge']);

  const dispatch = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const meta = requestMeta(event);
    verifyOrigin(event, env.ORIGIN_VERIFY_SECRET);
    const preflight = preflights.get(event.routeKey);
    if (preflight) return preflightResponse(event, preflight, meta.requestId);
    const target = byKey.get(event.routeKey);
    if (!target) return problemResponse(404, 'not-found', `No route ${event.routeKey}`, meta.requestId);
    const { route, impl, prefetch } = target;
    // Authenticate first: an anonymous caller gets 401, never field-level detail about a protected route's schema.
    if (route.auth === 'app' || route.auth === 'device') {
      // An application's end user or automation, or a user's sync device: not a member's call, so not in a workspace's access log.
      const other = route.auth === 'app' ? await options.authenticateApp!(event, route, meta) : await options.authenticateDevice!(event, route, meta);
      const reply = await impl({ ...meta, ...parseRequest(route, event), principal: other, event } as unknown as RouteInput<RouteDef>);
      return toResult(route, reply, meta.requestId);
    }
    const startedAt = Date.now();
    let principal: Principal | undefined;
    let prefetched: Prefetched<unknown> | undefined;
    if (route.auth !== 'public') {
      const ahead = prefetch && startPrefetch(prefetch, route, event, options.authenticate!);
      principal = await options.authenticate!(event, route, meta);
      prefetched = await ahead?.resultFor(principal.tenant);
    }
    if (!principal || !options.recordAccess) {
      const parsed = parseRequest(route, event);
      const reply = await impl({ ...meta, ...parsed, principal: principal as Principal, event, prefetched } as RouteInput<RouteDef>);
      return toResult(route, reply, meta.requestId);
    }
    // Authenticated: the answer (success or problem) is computed first, then recorded.
    let params: Record<string, unknown> | undefined;
    let result: APIGatewayProxyStructuredResultV2;
    try {
      const parsed = parseRequest(route, event);
      params = parsed.params as Record<string, unknown> | undefined;
      const reply = await impl({ ...meta, ...parsed, principal, event, prefetched } as RouteInput<RouteDef>);
      result = toResult(route, reply, meta.requestId);
    } catch (err) {
      result = errorResponse(err, meta.requestId);
    }
    const entry: AccessRecord = {
      principal,
      operationId: route.operationId,
      method: route.method,
      params,
      status: result.statusCode ?? 200,
      latencyMs: Date.now() - startedAt,
      requestId: meta.requestId,
      ip: meta.ip,
      userAgent: meta.userAgent,
      startedAt,
    };
    await options.recordAccess(entry).catch((err: unknown) =>
      logger.warn('access log write failed', { requestId: meta.requestId, operationId: route.operationId, error: err as Error }),
    );
    return result;
  };

  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpHeaderNormalizer())
    .use(
      httpSecurityHeaders({
        contentSecurityPolicy: { 'default-src': "'none'", 'frame-ancestors': "'none'" },
        strictTransportSecurity: { maxAge: 63072000, includeSubDomains: true, preload: true },
        referrerPolicy: { policy: 'no-referrer' },
      }),
    )
    .use(
      applicationCors(
        appCorsRoutes,
        options.applicationCors,
        httpCors({ origins: env.CORS_ALLOWED_ORIGINS, credentials: true, exposeHeaders: 'x-request-id,retry-after' }),
      ),
    )
    .use(problemErrors())
    .handler(dispatch);
}
