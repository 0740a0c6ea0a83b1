import type { z } from 'zod';
import type { Action } from './permissions';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Scopes an API key may carry. Session (cookie/bearer) credentials hold every
 * scope; an API key holds only those it was created with.
 */
export const SCOPES = [
  'account:read',
  'account:write',
  'cloudflare:read',
  'cloudflare:write',
  'jobs:read',
  'jobs:write',
  'audit:read',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * - `public`: no credential needed.
 * - `session`: a signed-in human (session cookie or session bearer token);
 *   API keys are refused (e.g. managing API keys, sessions, MFA).
 * - `user`: a session or an API key holding `scope`.
 * - `app`: an application's credential only (an app session token `fv_vs_…` from the hosted
 *   login, or an automation credential `fv_auto_…`); sessions and API keys are refused (401),
 *   and every other route refuses app credentials (401). The principal is an `AppPrincipal`.
 * - `device`: a linked sync device's token only (`fv_dev_…`, from device authorization, RFC 8628);
 *   sessions, API keys and app credentials are refused (401), and every other route refuses
 *   device tokens (401). The principal is a `DevicePrincipal` (user and device).
 */
export type AuthRequirement = 'public' | 'session' | 'user' | 'app' | 'device';

/** Everything the stack needs to know about one route; zod schemas are the contract. */
export interface RouteDef<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  A extends AuthRequirement = AuthRequirement,
> {
  /** Unique, stable; OpenAPI operationId and dispatch key. */
  readonly operationId: string;
  readonly method: HttpMethod;
  /** Full path as the HTTP API sees it, with `{name}` parameters, e.g. `/api/v1/jobs/{id}`. */
  readonly path: string;
  /** Key of the function (in the manifest's `functions`) that serves this route. */
  readonly fn: string;
  readonly auth: A;
  /** Required when `auth` is `user`. */
  readonly scope?: Scope;
  /**
   * Scopes the route's effect needs besides `scope`, all required: a job route that changes
   * Cloudflare needs `cloudflare:write` as well as `jobs:write`. @default none
   */
  readonly extraScopes?: readonly Scope[];
  /**
   * What the credential acts on:
   * - `workspace`: the workspace the credential names (a session's active workspace, an API
   *   key's workspace); the caller must be a member now, or the answer is 404.
   * - `caller`: the caller's own items (profile, sessions, keys) or a workspace named by the
   *   path; the principal's workspace is the active one if still a member, else the personal one.
   * @default 'workspace'
   */
  readonly tenancy?: 'workspace' | 'caller';
  /**
   * The permission action the route's domain operation checks (`assertCan`; minimum role in
   * functions/workspaces/permissions.ts), or `null` when it checks none: the caller's own
   * items (profile, sessions, keys, memberships, accepting an invite). Required on every
   * non-public route, so a forgotten declaration is told apart from "none"
   * (test/integration/role-matrix.test.ts fails on a route without it).
   */
  readonly permission?: Action | null;
  /**
   * `application`: called by registered applications from their own origins (the Session API,
   * the hosted login's code exchange): CORS follows the application's `allowedOrigins` instead of
   * the dashboard's list, preflights are answered, and no credentials (cookies) are allowed.
   * Implied by `auth: 'app'`. @default the dashboard's CORS list
   */
  readonly cors?: 'application';
  readonly summary: string;
  readonly tags: readonly string[];
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** Schema of the success body (status `successStatus`). */
  readonly response?: R;
  /** @default 200 */
  readonly successStatus?: number;
  /** Content type of a non-JSON success body (e.g. BIND text). */
  readonly responseContentType?: string;
}

export function defineRoute<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  A extends AuthRequirement = AuthRequirement,
>(route: RouteDef<P, Q, B, R, A>): RouteDef<P, Q, B, R, A> {
  if (route.auth === 'user' && !route.scope) {
    throw new Error(`route ${route.operationId}: auth 'user' needs a scope`);
  }
  if (route.auth === 'public' && route.permission) {
    throw new Error(`route ${route.operationId}: a public route checks no permission`);
  }
  if (route.auth !== 'user' && route.extraScopes) {
    throw new Error(`route ${route.operationId}: extraScopes need auth 'user'`);
  }
  if ((route.auth === 'app' || route.auth === 'device') && (route.permission !== null || route.scope)) {
    throw new Error(`route ${route.operationId}: an ${route.auth} route checks no permission or scope (permission: null)`);
  }
  return route.auth === 'app' && !route.cors ? { ...route, cors: 'application' } : route;
}

/** Every scope an API key must hold to call this route (the authenticator checks them all). */
export function requiredScopes(route: Pick<RouteDef, 'scope' | 'extraScopes'>): readonly Scope[] {
  return route.scope ? [route.scope, ...(route.extraScopes ?? [])] : [];
}

/** `GET /api/v1/jobs/{id}` — the HTTP API route key, also what API Gateway puts in `event.routeKey`. */
export function routeKey(route: Pick<RouteDef, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
