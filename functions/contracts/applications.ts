/**
 * Applications: apps registered in a workspace for the hosted login (the
 * session-vault issue). Each has a name, the browser origins allowed to call
 * us and the exact redirect URIs; https everywhere, http only for loopback
 * hosts (127.0.0.1, [::1], localhost). `clientId` is public (not a secret).
 * Writes need `applications.manage` (ADMIN+); reads `applications.read` (USER+).
 */
import * as z from 'zod';
import { defineRoute } from './route';
import { Cursor, Id, IsoTime } from './common';

export const MAX_ORIGINS = 20;
export const MAX_REDIRECT_URIS = 20;
export const MAX_URL_LENGTH = 2048;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

function parseUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

/** https, or http on a loopback host only. */
function schemeProblem(u: URL): string | undefined {
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:') return LOOPBACK_HOSTS.has(u.hostname) ? undefined : 'http is allowed only for loopback hosts (127.0.0.1, [::1], localhost); use https';
  return 'must use https (or http for a loopback host)';
}

/** A trimmed absolute URL with an allowed scheme (`schemeProblem`); `check` adds the field's own rules. */
const webUrl = (notAUrl: string, check: (s: string, u: URL, issue: (message: string) => void) => void) =>
  z
    .string()
    .trim()
    .min(1)
    .max(MAX_URL_LENGTH)
    .superRefine((s, ctx) => {
      const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
      const u = parseUrl(s);
      if (!u) return issue(notAUrl);
      const scheme = schemeProblem(u);
      if (scheme) return issue(scheme);
      check(s, u, issue);
    });

/** An origin: scheme + host + optional port, nothing else (no path, query, fragment or credentials). */
export const Origin = webUrl('must be an origin such as https://app.example.com', (s, u, issue) => {
  if (u.username || u.password || s.replace(/\/$/, '') !== u.origin) issue('an origin is scheme, host and port only (no path, query, fragment or credentials)');
}).transform((s) => new URL(s).origin);

/** A redirect URI, compared exactly: absolute, no fragment, no credentials. */
export const RedirectUri = webUrl('must be an absolute URL', (s, u, issue) => {
  if (s.includes('#')) issue('a redirect URI has no fragment (#)');
  if (u.username || u.password) issue('a redirect URI has no credentials');
});

const unique = <T extends z.ZodType<string>>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .refine((a) => new Set(a).size === a.length, 'must not repeat a value');

const AppName = z.string().trim().min(1).max(100);

/** Smallest, default and largest lifetime of the application's session tokens (hosted login), in seconds. */
export const SESSION_LIFETIME = { min: 60, default: 3600, max: 30 * 24 * 3600 } as const;
export const SessionLifetimeSeconds = z.number().int().min(SESSION_LIFETIME.min).max(SESSION_LIFETIME.max);
const WorkspaceParams = z.object({ workspaceId: Id });
const ApplicationParams = z.object({ workspaceId: Id, applicationId: Id });

export const Application = z.object({
  id: Id,
  /** Public identifier for the hosted login (`fv_app_…`); not a secret. */
  clientId: z.string(),
  name: z.string(),
  allowedOrigins: z.array(z.string()),
  redirectUris: z.array(z.string()),
  enabled: z.boolean(),
  /** Lifetime of the session tokens the hosted login issues for this application (410 after it). */
  sessionLifetimeSeconds: SessionLifetimeSeconds,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});

export const listApplications = defineRoute({
  operationId: 'listApplications',
  permission: 'applications.read',
  method: 'GET',
  path: '/api/v1/workspaces/{workspaceId}/applications',
  fn: 'workspaces',
  auth: 'user',
  tenancy: 'caller',
  scope: 'account:read',
  summary: "A workspace's applications, newest first (USER+)",
  tags: ['applications'],
  params: WorkspaceParams,
  query: z.object({ cursor: Cursor.optional(), limit: z.coerce.number().int().min(1).max(100).default(25) }),
  response: z.object({ applications: z.array(Application), nextCursor: z.string().nullable() }),
});

export const createApplication = defineRoute({
  operationId: 'createApplication',
  permission: 'applications.manage',
  method: 'POST',
  path: '/api/v1/workspaces/{workspaceId}/applications',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Register an application (ADMIN): name, allowed origins, redirect URIs (https, or http for loopback)',
  tags: ['applications'],
  params: WorkspaceParams,
  body: z
    .object({
      name: AppName,
      allowedOrigins: unique(Origin, MAX_ORIGINS).default([]),
      redirectUris: unique(RedirectUri, MAX_REDIRECT_URIS).default([]),
      enabled: z.boolean().default(true),
      sessionLifetimeSeconds: SessionLifetimeSeconds.default(SESSION_LIFETIME.default),
    })
    .strict(),
  response: z.object({ application: Application }),
  successStatus: 201,
});

export const getApplication = defineRoute({
  operationId: 'getApplication',
  permission: 'applications.read',
  method: 'GET',
  path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}',
  fn: 'workspaces',
  auth: 'user',
  tenancy: 'caller',
  scope: 'account:read',
  summary: 'One application (USER+)',
  tags: ['applications'],
  params: ApplicationParams,
  response: z.object({ application: Application }),
});

export const updateApplication = defineRoute({
  operationId: 'updateApplication',
  permission: 'applications.manage',
  method: 'PATCH',
  path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Change an application (ADMIN): rename, replace origins or redirect URIs, enable or disable',
  tags: ['applications'],
  params: ApplicationParams,
  body: z
    .object({
      name: AppName.optional(),
      allowedOrigins: unique(Origin, MAX_ORIGINS).optional(),
      redirectUris: unique(RedirectUri, MAX_REDIRECT_URIS).optional(),
      enabled: z.boolean().optional(),
      sessionLifetimeSeconds: SessionLifetimeSeconds.optional(),
    })
    .strict()
    .refine((b) => Object.values(b).some((v) => v !== undefined), 'nothing to change'),
  response: z.object({ application: Application }),
});

export const deleteApplication = defineRoute({
  operationId: 'deleteApplication',
  permission: 'applications.manage',
  method: 'DELETE',
  path: '/api/v1/workspaces/{workspaceId}/applications/{applicationId}',
  fn: 'workspaces',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Delete an application (ADMIN)',
  tags: ['applications'],
  params: ApplicationParams,
  successStatus: 204,
});

export const applicationRoutes = [listApplications, createApplication, getApplication, updateApplication, deleteApplication];
