/**
 * The session vault (issue 15): the hosted login for applications (OAuth 2.1
 * authorization code + PKCE S256), the Session API an application's end users
 * (or its automation credentials) call with a bearer app token, and the
 * workspace admin's view of an application's users, values and credentials.
 *
 * Credentials: an app session token (`fv_vs_…`, from the callback) or an
 * automation credential (`fv_auto_…`); both are opaque strings to clients.
 * The Session API (`auth: 'app'`) takes its whole subject (workspace,
 * application, user) from the token: no id in any path or body.
 *
 * Problem `type` slugs clients act on are listed in SESSION_PROBLEMS.
 */
import * as z from 'zod';
import { defineRoute } from './route';
import { Cursor, Id, IsoTime } from './common';

/** Stable problem codes of these routes (the slug after PROBLEM_BASE). */
export const SESSION_PROBLEMS = {
  /** 400: unknown or disabled client id (authorize, callback, logout). Never redirects. */
  invalidClient: 'invalid-client',
  /** 400: the redirect URI is not registered exactly for this client (authorize, logout). Never redirects. */
  invalidRedirectUri: 'invalid-redirect-uri',
  /** 400: unknown, used or expired code, redirect URI mismatch or wrong PKCE verifier (callback). */
  invalidGrant: 'invalid-grant',
  /** 401: no, malformed, revoked or unknown app credential. */
  unauthenticated: 'unauthenticated',
  /** 403: the request's Origin is not registered for the token's application. */
  originNotAllowed: 'origin-not-allowed',
  /** 410: the app session expired; data intact, sign in again through the hosted login. */
  sessionExpired: 'session-expired',
  /** 404: no value under this key for this user. */
  valueNotFound: 'value-not-found',
  /** 412: `If-Match` names a version that is no longer current. */
  preconditionFailed: 'precondition-failed',
  /** 413: the value is larger than the tier allows; `limit` (bytes) in the problem. */
  valueTooLarge: 'value-too-large',
  /** 429: this user holds as many keys as the tier allows; `limit` in the problem. */
  tooManyKeys: 'too-many-keys',
  /** 429 + Retry-After: as many live sessions for this user and application as the tier allows; `limit` in the problem. */
  tooManySessions: 'too-many-sessions',
  /** 429 + Retry-After: the per-minute request allowance of this user for this application is spent; `limit` in the problem. */
  rateLimited: 'rate-limited',
} as const;

/** Vault keys: 1–128 characters of `A-Z a-z 0-9 . _ : -`. */
export const VaultKey = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');
/** Integer version of a value, starting at 1 and bumped by every set; sent back as the ETag `"<version>"`. */
export const ValueVersion = z.number().int().min(1);

/** `S256` only: RFC 7636 §4.2 (base64url of a SHA-256 digest, 43 characters); `plain` is refused (OAuth 2.1 §4.1.1). */
export const CodeChallenge = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be the base64url SHA-256 of the code verifier (43 characters)');
/** RFC 7636 §4.1: 43–128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
export const CodeVerifier = z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/, 'must be 43-128 characters of A-Z a-z 0-9 - . _ ~');
/** The public client id of an application (`fv_app_…`). */
export const ClientId = z.string().regex(/^fv_app_[A-Za-z0-9_-]{8,64}$/, 'must be a client id (fv_app_…)');
/** Opaque client state, echoed back on the redirect (OAuth 2.1 §4.1.1). */
const State = z.string().regex(/^[\x21-\x7e]{1,512}$/, 'must be 1-512 visible ASCII characters');

// ---------------------------------------------------------------------------
// Hosted login
// ---------------------------------------------------------------------------

export const authorize = defineRoute({
  operationId: 'authorize',
  method: 'GET',
  path: '/api/v1/auth/authorize',
  fn: 'sessions',
  auth: 'public',
  summary:
    'Hosted login (top-level navigation): client id and exact redirect URI are checked first (400, never a redirect); signed in → 302 to redirect_uri?code&state (code single-use, 60 s); else 302 to /login?authorize=…',
  tags: ['hosted-login'],
  query: z.object({
    client_id: ClientId,
    redirect_uri: z.string().min(1).max(2048),
    state: State,
    code_challenge: CodeChallenge,
    code_challenge_method: z.literal('S256', { message: "must be S256 ('plain' is not accepted)" }),
  }),
  successStatus: 302,
});

export const SessionTokenIssued = z.object({
  /** Opaque bearer token (`fv_vs_…`): keep it in memory only; never decode it. */
  sessionToken: z.string(),
  expiresAt: IsoTime,
  /** Seconds from now until `expiresAt`. */
  expiresIn: z.number().int(),
  tokenType: z.literal('Bearer'),
});

export const exchangeAuthorizationCode = defineRoute({
  operationId: 'exchangeAuthorizationCode',
  method: 'POST',
  path: '/api/v1/auth/callback',
  fn: 'sessions',
  auth: 'public',
  cors: 'application',
  summary: 'Exchange a code + PKCE verifier for an app session token (400 invalid-client / invalid-grant; 429 too-many-sessions)',
  tags: ['hosted-login'],
  body: z.object({ client_id: ClientId, code: z.string().min(1).max(200), code_verifier: CodeVerifier, redirect_uri: z.string().min(1).max(2048) }).strict(),
  response: SessionTokenIssued,
});

export const logoutBrowser = defineRoute({
  operationId: 'logoutBrowser',
  method: 'GET',
  path: '/api/v1/auth/logout',
  fn: 'sessions',
  auth: 'public',
  summary:
    "Hosted logout (top-level navigation, never fetch): signs the browser out of the hosted login, ends this user's sessions for the client, then 302 to post_logout_redirect_uri (a registered redirect URI or origin of the client) or /login",
  tags: ['hosted-login'],
  query: z.object({ client_id: ClientId, post_logout_redirect_uri: z.string().min(1).max(2048).optional() }),
  successStatus: 302,
});

// ---------------------------------------------------------------------------
// Session API (auth 'app': identity from the token only; CORS per application)
// ---------------------------------------------------------------------------

export const ValueMeta = z.object({
  key: VaultKey,
  /** Bytes of the value's JSON text. */
  size: z.number().int().min(0),
  version: ValueVersion,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});

export const StoredValue = z.object({ key: VaultKey, value: z.json(), version: ValueVersion, updatedAt: IsoTime });
export const ValueWritten = z.object({ key: VaultKey, version: ValueVersion, size: z.number().int().min(0), updatedAt: IsoTime });
const KeyParams = z.object({ key: VaultKey });

export const listSessionValues = defineRoute({
  operationId: 'listSessionValues',
  permission: null,
  method: 'GET',
  path: '/api/v1/sessions',
  fn: 'sessions',
  auth: 'app',
  summary: "The calling user's keys in this application, with sizes, versions and times (never the values)",
  tags: ['session-api'],
  response: z.object({ keys: z.array(ValueMeta) }),
});

export const setSessionValue = defineRoute({
  operationId: 'setSessionValue',
  permission: null,
  method: 'POST',
  path: '/api/v1/sessions/set/{key}',
  fn: 'sessions',
  auth: 'app',
  summary:
    'Store a JSON value under a key (encrypted). Optional `If-Match: "<version>"` (412 when stale); 413 value-too-large with `limit`; answers with ETag "<version>"',
  tags: ['session-api'],
  params: KeyParams,
  body: z.json(),
  response: ValueWritten,
});

export const getSessionValue = defineRoute({
  operationId: 'getSessionValue',
  permission: null,
  method: 'GET',
  path: '/api/v1/sessions/get/{key}',
  fn: 'sessions',
  auth: 'app',
  summary: 'The value under a key, with its version (also as ETag); 404 value-not-found when absent',
  tags: ['session-api'],
  params: KeyParams,
  response: StoredValue,
});

export const deleteSessionValue = defineRoute({
  operationId: 'deleteSessionValue',
  permission: null,
  method: 'DELETE',
  path: '/api/v1/sessions/delete/{key}',
  fn: 'sessions',
  auth: 'app',
  summary: 'Delete the value under a key (404 value-not-found when absent)',
  tags: ['session-api'],
  params: KeyParams,
  successStatus: 204,
});

export const revokeOwnSessions = defineRoute({
  operationId: 'revokeOwnSessions',
  permission: null,
  method: 'POST',
  path: '/api/v1/sessions/revoke',
  fn: 'sessions',
  auth: 'app',
  summary: "End every session token of the calling user for this application, this one included (next request refused); data intact",
  tags: ['session-api'],
  successStatus: 204,
});

export const logoutAppSession = defineRoute({
  operationId: 'logoutAppSession',
  permission: null,
  method: 'POST',
  path: '/api/v1/sessions/logout',
  fn: 'sessions',
  auth: 'app',
  summary: 'End the presented session token only (non-browser logout); data intact',
  tags: ['session-api'],
  successStatus: 204,
});

// ---------------------------------------------------------------------------
// Admin (workspace OWNER/ADMIN, `applications.manage`, dashboard sessions only)
// ---------------------------------------------------------------------------

const APP_PATH = '/api/v1/workspaces/{workspaceId}/applications/{applicationId}';
const AppParams = z.object({ workspaceId: Id, applicationId: Id });
/** An identity user id, or `auto_<credentialId>` for an automation credential's own values. */
const AppUserParams = AppParams.extend({ userId: Id });
const AppUserValueParams = AppUserParams.extend({ key: VaultKey });
const Reason = z.string().trim().min(3, 'say why (at least 3 characters)').max(500);

export const ApplicationUser = z.object({
  userId: Id,
  /** The identity user's email; null for an automation credential's service user. */
  email: z.string().nullable(),
  kind: z.enum(['user', 'automation']),
  liveSessions: z.number().int().min(0),
  valueCount: z.number().int().min(0),
  valueBytes: z.number().int().min(0),
  lastSeenAt: IsoTime.nullable(),
});

export const listApplicationUsers = defineRoute({
  operationId: 'listApplicationUsers',
  permission: 'applications.manage',
  method: 'GET',
  path: `${APP_PATH}/users`,
  fn: 'sessions',
  auth: 'session',
  tenancy: 'caller',
  summary: "An application's end users (and automation service users): live sessions, value count and bytes, last seen (ADMIN)",
  tags: ['applications'],
  params: AppParams,
  query: z.object({ cursor: Cursor.optional(), limit: z.coerce.number().int().min(1).max(100).default(25) }),
  response: z.object({ users: z.array(ApplicationUser), nextCursor: z.string().nullable() }),
});

export const listApplicationUserValues = defineRoute({
  operationId: 'listApplicationUserValues',
  permission: 'applications.manage',
  method: 'GET',
  path: `${APP_PATH}/users/{userId}/values`,
  fn: 'sessions',
  auth: 'session',
  tenancy: 'caller',
  summary: "One end user's keys in the application, with sizes (never the values) (ADMIN)",
  tags: ['applications'],
  params: AppUserParams,
  response: z.object({ keys: z.array(ValueMeta) }),
});

export const readApplicationUserValue = defineRoute({
  operationId: 'readApplicationUserValue',
  permission: 'applications.manage',
  method: 'GET',
  path: `${APP_PATH}/users/{userId}/values/{key}`,
  fn: 'sessions',
  auth: 'session',
  tenancy: 'caller',
  summary: "Read one end user's value, with a reason; audited as vault.value.read (ADMIN)",
  tags: ['applications'],
  params: AppUserValueParams,
  query: z.object({ reason: Reason }),
  response: StoredValue,
});

export const deleteApplicationUserValue = defineRoute({
  operationId: 'deleteApplicationUserValue',
  permission: 'applications.manage',
  method: 'DELETE',
  path: `${APP_PATH}/users/{userId}/values/{key}`,
  fn: 'sessions',
  auth: 'session',
  tenancy: 'caller',
  summary: "Delete one end user's value; audited (ADMIN)",
  tags: ['applications'],
  params: AppUserValueParams,
  successStatus: 204,
});

export const revokeApplicationUser = defineRoute({
  operationId: 'revokeApplicationUser',
  permission: 'applications.manage',
  method: 'POST',
  path: `${APP_PATH}/users/{userId}/revoke`,
  fn: 'sessions',
  auth: 'session',
  tenancy: 'caller',
  summary: "End every session token of an end user for the application (refused on the next request); data intact; audited (ADMIN)",
  tags: ['applications'],
  params: AppUserParams,
  successStatus: 204,
});

export const deleteApplicationUser = defineRoute({
  operationId: 'deleteApplicationUser',
  permission: 'applications.manage',
  method: 'DELETE',
  path: `${APP_PATH}/users/{userId}`,
  fn: 'sessions',
  auth: 'session',
  tenancy: 'caller',
  summary: "Crypto-shred an end user's values in the application and end their sessions; audited (ADMIN)",
  tags: ['applications'],
  params: AppUserParams,
  successStatus: 204,
});

export const AutomationCredential = z.object({
  id: Id,
  name: z.string(),
  /** The service user whose values this credential reads and writes (`auto_<id>`). */
  appUserId: Id,
  /** First characters of the secret, to recognise it. */
  prefix: z.string(),
  createdAt: IsoTime,
  lastUsedAt: IsoTime.nullable(),
});

export const createAutomationCredential = defineRoute({
  operationId: 'createAutomationCredential',
  permission: 'applications.manage',
  method: 'POST',
  path: `${APP_PATH}/credentials`,
  fn: 'sessions',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Create an automation credential (n8n, Make, Zapier, agents): reaches the Session API only, with its own values; the secret is shown once (ADMIN)',
  tags: ['applications'],
  params: AppParams,
  body: z.object({ name: z.string().trim().min(1).max(100) }).strict(),
  response: z.object({ credential: AutomationCredential, secret: z.string() }),
  successStatus: 201,
});

export const listAutomationCredentials = defineRoute({
  operationId: 'listAutomationCredentials',
  permission: 'applications.manage',
  method: 'GET',
  path: `${APP_PATH}/credentials`,
  fn: 'sessions',
  auth: 'session',
  tenancy: 'caller',
  summary: "An application's automation credentials (never their secrets) (ADMIN)",
  tags: ['applications'],
  params: AppParams,
  response: z.object({ credentials: z.array(AutomationCredential) }),
});

export const deleteAutomationCredential = defineRoute({
  operationId: 'deleteAutomationCredential',
  permission: 'applications.manage',
  method: 'DELETE',
  path: `${APP_PATH}/credentials/{credentialId}`,
  fn: 'sessions',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Revoke an automation credential (refused on its next request); its values stay until its service user is deleted (ADMIN)',
  tags: ['applications'],
  params: AppParams.extend({ credentialId: Id }),
  successStatus: 204,
});

export const hostedLoginRoutes = [authorize, exchangeAuthorizationCode, logoutBrowser];
export const sessionApiRoutes = [listSessionValues, setSessionValue, getSessionValue, deleteSessionValue, revokeOwnSessions, logoutAppSession];
export const applicationUserRoutes = [
  listApplicationUsers,
  listApplicationUserValues,
  readApplicationUserValue,
  deleteApplicationUserValue,
  revokeApplicationUser,
  deleteApplicationUser,
  createAutomationCredential,
  listAutomationCredentials,
  deleteAutomationCredential,
];
export const sessionRoutes = [...hostedLoginRoutes, ...sessionApiRoutes, ...applicationUserRoutes];
