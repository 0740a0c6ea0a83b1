import * as z from 'zod';
import { defineRoute, SCOPES } from './route';
import { TIERS } from './tiers';
import { Email, Id, IdParams, IsoTime, PageQuery } from './common';
import { PasskeyAssertion } from './webauthn';
import { getBotProtection, TurnstileToken } from './bot-protection';

export { getBotProtection };

const Password = z.string().min(1).max(1024);
/** Bounded so the strength check (zxcvbn, superlinear in length) stays cheap; same bound in identity/password-policy.ts. */
const NewPassword = z.string().min(12, 'must be at least 12 characters').max(128, 'must be at most 128 characters');
export const TotpCode = z.string().regex(/^\d{6}$/, 'must be 6 digits');
export const RecoveryCode = z.string().trim().min(8).max(32);
/** `browser` sets the HttpOnly cookie and returns a CSRF token; `token` returns a bearer token for CLIs and apps. */
export const ClientKind = z.enum(['browser', 'token']).default('browser');

export const User = z.object({
  id: Id,
  email: z.string(),
  tier: z.enum(TIERS),
  mfaEnabled: z.boolean(),
  /** False until the sign-up address's verification link is used (connecting accounts, inviting and registering applications wait for it). */
  emailVerified: z.boolean(),
  createdAt: IsoTime,
});

export const SignedIn = z.object({
  user: User,
  session: z.object({ id: Id, expiresAt: IsoTime }),
  /** Browser clients: send it as `x-csrf-token` on unsafe methods. */
  csrfToken: z.string().optional(),
  /** Token clients: send it as `Authorization: Bearer`. */
  token: z.string().optional(),
});

export const signup = defineRoute({
  operationId: 'signup',
  method: 'POST',
  path: '/api/v1/auth/signup',
  fn: 'auth',
  auth: 'public',
  summary: 'Create an account and sign in (with `turnstileToken` when the stage turns Turnstile on: GET /api/v1/auth/bot-protection)',
  tags: ['auth'],
  body: z.object({ email: Email, password: NewPassword, client: ClientKind, turnstileToken: TurnstileToken.optional() }).strict(),
  response: SignedIn,
  successStatus: 201,
});

export const login = defineRoute({
  operationId: 'login',
  method: 'POST',
  path: '/api/v1/auth/login',
  fn: 'signIn',
  auth: 'public',
  summary:
    'Sign in (401 problem type mfa-required when a second factor is needed: its `secondFactors` lists totp, recovery-code, passkey; `passkeyOptions` are the options for navigator.credentials.get, answered in `passkey`)',
  tags: ['auth'],
  body: z
    .object({
      email: Email,
      password: Password,
      totp: TotpCode.optional(),
      recoveryCode: RecoveryCode.optional(),
      passkey: PasskeyAssertion.optional(),
      client: ClientKind,
    })
    .strict(),
  response: SignedIn,
});

export const logout = defineRoute({
  operationId: 'logout',
  permission: null,
  method: 'POST',
  path: '/api/v1/auth/logout',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  summary: 'End the current session',
  tags: ['auth'],
  successStatus: 204,
});

export const getMe = defineRoute({
  operationId: 'getMe',
  permission: null,
  method: 'GET',
  path: '/api/v1/me',
  fn: 'auth',
  auth: 'user',
  tenancy: 'caller',
  scope: 'account:read',
  summary: 'The signed-in user (and, for browser sessions, the CSRF token)',
  tags: ['auth'],
  response: z.object({ user: User, csrfToken: z.string().optional(), credential: z.enum(['session', 'api-key']) }),
});

export const getSessionStatus = defineRoute({
  operationId: 'getSessionStatus',
  method: 'GET',
  path: '/api/v1/auth/session',
  fn: 'auth',
  auth: 'public',
  summary: 'Whether the browser is signed in (200 either way, so a first visit logs no failed request)',
  tags: ['auth'],
  response: z.object({
    signedIn: z.boolean(),
    /** The cookie's session expired (410 elsewhere): sign in again, data intact. */
    expired: z.boolean(),
    user: User.optional(),
    csrfToken: z.string().optional(),
  }),
});

export const Session = z.object({
  id: Id,
  device: z.string(),
  userAgent: z.string(),
  ip: z.string(),
  createdAt: IsoTime,
  lastSeenAt: IsoTime,
  expiresAt: IsoTime,
  current: z.boolean(),
});

export const listSessions = defineRoute({
  operationId: 'listSessions',
  permission: null,
  method: 'GET',
  path: '/api/v1/auth/sessions',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Sessions of the signed-in user',
  tags: ['auth'],
  response: z.object({ sessions: z.array(Session) }),
});

export const revokeSession = defineRoute({
  operationId: 'revokeSession',
  permission: null,
  method: 'DELETE',
  path: '/api/v1/auth/sessions/{id}',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Revoke one session',
  tags: ['auth'],
  params: IdParams,
  successStatus: 204,
});

export const revokeAllSessions = defineRoute({
  operationId: 'revokeAllSessions',
  permission: null,
  method: 'POST',
  path: '/api/v1/auth/sessions/revoke-all',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Revoke every other session (bumps the token revision)',
  tags: ['auth'],
  response: z.object({ revoked: z.number().int() }),
});

export const enrollTotp = defineRoute({
  operationId: 'enrollTotp',
  permission: null,
  method: 'POST',
  path: '/api/v1/auth/mfa/totp/enroll',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Start TOTP enrolment: returns the otpauth URI and a QR code',
  tags: ['mfa'],
  response: z.object({ otpauthUri: z.string(), secret: z.string(), qrSvg: z.string() }),
});

export const confirmTotp = defineRoute({
  operationId: 'confirmTotp',
  permission: null,
  method: 'POST',
  path: '/api/v1/auth/mfa/totp/confirm',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Confirm TOTP with a current code; returns 10 single-use recovery codes once',
  tags: ['mfa'],
  body: z.object({ code: TotpCode }).strict(),
  response: z.object({ recoveryCodes: z.array(z.string()) }),
});

export const disableTotp = defineRoute({
  operationId: 'disableTotp',
  permission: null,
  method: 'POST',
  path: '/api/v1/auth/mfa/totp/disable',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Disable TOTP (needs a current code)',
  tags: ['mfa'],
  body: z.object({ code: TotpCode }).strict(),
  successStatus: 204,
});

export const changePassword = defineRoute({
  operationId: 'changePassword',
  permission: null,
  method: 'POST',
  path: '/api/v1/auth/password/change',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Change the password (needs the current one; revokes every other session)',
  tags: ['auth'],
  body: z.object({ currentPassword: Password, newPassword: NewPassword }).strict(),
  successStatus: 204,
});

export const requestPasswordReset = defineRoute({
  operationId: 'requestPasswordReset',
  method: 'POST',
  path: '/api/v1/auth/password/reset-request',
  fn: 'auth',
  auth: 'public',
  summary: 'Mail a single-use reset link (always 202, known email or not)',
  tags: ['auth'],
  body: z.object({ email: Email, turnstileToken: TurnstileToken.optional() }).strict(),
  successStatus: 202,
});

export const resetPassword = defineRoute({
  operationId: 'resetPassword',
  method: 'POST',
  path: '/api/v1/auth/password/reset',
  fn: 'auth',
  auth: 'public',
  summary: 'Set a new password with a reset token (revokes every session)',
  tags: ['auth'],
  body: z.object({ token: z.string().min(20).max(200), newPassword: NewPassword }).strict(),
  successStatus: 204,
});

export const ApiKey = z.object({
  id: Id,
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  /** The one workspace the key acts on (its creator's active workspace at creation); null = the personal one. */
  workspaceId: Id.nullable(),
  createdAt: IsoTime,
  expiresAt: IsoTime.nullable(),
  lastUsedAt: IsoTime.nullable(),
});

/** A name shown in lists: no control characters, line breaks or bidi controls that could disguise it. */
export const ListedName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((v) => !/[\p{Cc}\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u.test(v), {
    message: 'must not contain control, line-break or bidirectional-formatting characters',
  });

/** The scopes an API key is created with (at least one, each at most once counted). */
export const ApiKeyScopes = z.array(z.enum(SCOPES)).min(1).max(SCOPES.length);

export const createApiKey = defineRoute({
  operationId: 'createApiKey',
  permission: null,
  method: 'POST',
  path: '/api/v1/api-keys',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Create an API key; the secret is shown once',
  tags: ['api-keys'],
  body: z
    .object({
      name: ListedName,
      scopes: ApiKeyScopes,
      expiresAt: z.iso.datetime({ offset: true }).optional(),
    })
    .strict(),
  response: z.object({ apiKey: ApiKey, secret: z.string() }),
  successStatus: 201,
});

export const listApiKeys = defineRoute({
  operationId: 'listApiKeys',
  permission: null,
  method: 'GET',
  path: '/api/v1/api-keys',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  summary: 'API keys (prefix only), one page; follow nextCursor until null for all of them',
  tags: ['api-keys'],
  query: PageQuery,
  response: z.object({ apiKeys: z.array(ApiKey), nextCursor: z.string().nullable() }),
});

export const deleteApiKey = defineRoute({
  operationId: 'deleteApiKey',
  permission: null,
  method: 'DELETE',
  path: '/api/v1/api-keys/{id}',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  summary: 'Delete an API key',
  tags: ['api-keys'],
  params: IdParams,
  successStatus: 204,
});

export const deleteCurrentApiKey = defineRoute({
  operationId: 'deleteCurrentApiKey',
  permission: null,
  method: 'DELETE',
  path: '/api/v1/api-keys/current',
  fn: 'auth',
  auth: 'user',
  tenancy: 'caller',
  scope: 'account:read',
  summary: 'The calling API key deletes itself (the CLI\'s logout): refused from the next request on, its slot freed, audited; 400 not-an-api-key when called with a session',
  tags: ['api-keys'],
  successStatus: 204,
});

export const AuditEvent = z.object({
  seq: z.number().int(),
  type: z.string(),
  time: IsoTime,
  actor: z.string(),
  ip: z.string().optional(),
  userAgent: z.string().optional(),
  requestId: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()),
});

export const listAuditEvents = defineRoute({
  operationId: 'listAuditEvents',
  permission: null,
  method: 'GET',
  path: '/api/v1/audit-events',
  fn: 'auth',
  auth: 'user',
  tenancy: 'caller',
  scope: 'audit:read',
  summary: 'Security events of the signed-in user, newest first',
  tags: ['audit'],
  query: PageQuery,
  response: z.object({ events: z.array(AuditEvent), nextCursor: z.string().nullable() }),
});

/** Reads the whole chain, so it is its own route: listing a page stays one page of reads. */
/** The result of re-checking an audit hash chain (the user's or a workspace's). */
export const AuditChainReport = z.object({
  valid: z.boolean(),
  count: z.number().int(),
  firstSeq: z.number().int().nullable(),
  lastSeq: z.number().int().nullable(),
  brokenAtSeq: z.number().int().nullable(),
  reason: z.string().nullable(),
});

export const verifyAuditChain = defineRoute({
  operationId: 'verifyAuditChain',
  permission: null,
  method: 'GET',
  path: '/api/v1/audit-events/verify',
  fn: 'auth',
  auth: 'user',
  tenancy: 'caller',
  scope: 'audit:read',
  summary: "Verify the hash chain of the signed-in user's security events (hashes, links, no gaps, head)",
  tags: ['audit'],
  response: AuditChainReport,
});

export const OutboxMessage = z.object({ id: z.string(), to: z.string(), subject: z.string(), text: z.string(), sentAt: IsoTime });

export const listOutbox = defineRoute({
  operationId: 'listOutbox',
  permission: null,
  method: 'GET',
  path: '/api/v1/dev/outbox',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  summary: "The signed-in user's own mail in the local outbox (404 unless MAIL_TRANSPORT is outbox, i.e. the local runtime)",
  tags: ['dev'],
  response: z.object({ messages: z.array(OutboxMessage) }),
});

export const identityRoutes = [
  signup,
  login,
  logout,
  getMe,
  getSessionStatus,
  listSessions,
  revokeSession,
  revokeAllSessions,
  enrollTotp,
  confirmTotp,
  disableTotp,
  changePassword,
  requestPasswordReset,
  resetPassword,
  getBotProtection,
  createApiKey,
  listApiKeys,
  deleteApiKey,
  deleteCurrentApiKey,
  listAuditEvents,
  verifyAuditChain,
  listOutbox,
];
