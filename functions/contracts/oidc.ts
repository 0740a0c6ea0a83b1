/**
 * OpenID Connect sign-in (issue 17): providers configured per stage (Google, Microsoft, GitLab,
 * Okta or any OIDC issuer), authorization code + PKCE (S256) with `state` and `nonce` kept
 * server-side, single-use, 10 minutes, bound to the browser by the `__Host-fv_oidc` cookie.
 * The callback signs in the account linked to the provider's (issuer, subject), or asks for a
 * second factor, or (a verified email of an existing account, not linked) parks a link that the
 * account's owner confirms after signing in, or creates an account (a verified email nobody
 * uses). An unverified provider email never links and never signs in.
 */
import * as z from 'zod';
import { defineRoute } from './route';
import { Id, IdParams, IsoTime } from './common';
import { ClientKind, RecoveryCode, SignedIn, TotpCode } from './identity';
import { PasskeyAssertion } from './webauthn';

/** A provider's id in the stage configuration (also a path segment). */
export const ProviderId = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a provider id (a-z, 0-9, -)');
export const ProviderParams = z.object({ provider: ProviderId });

export const OidcProvider = z.object({ id: ProviderId, name: z.string() });

/** Where the callback sends the browser: `/login?oidc=<outcome>` (or `/` once signed in). */
export const OIDC_OUTCOMES = ['signed-in', 'second-factor', 'link', 'error'] as const;
export const OIDC_ERRORS = ['state', 'provider', 'unverified-email', 'no-email', 'expired', 'unknown-provider'] as const;

export const LinkedIdentity = z.object({
  id: Id,
  provider: ProviderId,
  providerName: z.string(),
  /** The provider's email when linked (display only: sign-in goes by the provider's subject). */
  email: z.string(),
  linkedAt: IsoTime,
});

export const PendingLink = z.object({
  provider: ProviderId,
  providerName: z.string(),
  /** The provider's verified email, which is the signed-in account's. */
  email: z.string(),
  expiresAt: IsoTime,
});

const pub = { fn: 'signIn', auth: 'public', tags: ['oidc'] } as const;
const own = { permission: null, fn: 'signIn', auth: 'session', tenancy: 'caller', tags: ['oidc'] } as const;

export const listOidcProviders = defineRoute({
  ...pub,
  operationId: 'listOidcProviders',
  method: 'GET',
  path: '/api/v1/auth/oidc/providers',
  summary: "The stage's OpenID Connect providers (the login page's buttons)",
  response: z.object({ providers: z.array(OidcProvider) }),
});

export const startOidcSignIn = defineRoute({
  ...pub,
  operationId: 'startOidcSignIn',
  method: 'POST',
  path: '/api/v1/auth/oidc/{provider}/start',
  summary: 'Start a sign-in with a provider: sets the browser-binding cookie and answers the URL to send the browser to',
  params: ProviderParams,
  body: z.object({}).strict().optional(),
  response: z.object({ authorizationUrl: z.string() }),
});

export const oidcCallback = defineRoute({
  ...pub,
  operationId: 'oidcCallback',
  method: 'GET',
  path: '/api/v1/auth/oidc/callback',
  summary:
    "The providers' redirect URI: checks state (single-use, this browser's), exchanges the code with the PKCE verifier, checks the ID token's nonce; then 302 to the dashboard (`/` signed in, or `/login?oidc=second-factor|link|error&reason=…`)",
  query: z.object({
    code: z.string().max(4096).optional(),
    state: z.string().max(512).optional(),
    iss: z.string().max(2048).optional(),
    error: z.string().max(256).optional(),
  }),
  successStatus: 302,
});

export const oidcSecondFactor = defineRoute({
  ...pub,
  operationId: 'oidcSecondFactor',
  method: 'POST',
  path: '/api/v1/auth/oidc/second-factor',
  summary:
    "The second factor of a provider sign-in whose account has one (this browser's pending sign-in, 5 attempts): 401 mfa-required with `secondFactors` (and `passkeyOptions`) until one passes, then a session as login gives",
  body: z.object({ totp: TotpCode.optional(), recoveryCode: RecoveryCode.optional(), passkey: PasskeyAssertion.optional(), client: ClientKind }).strict(),
  response: SignedIn,
});

export const listLinkedIdentities = defineRoute({
  ...own,
  operationId: 'listLinkedIdentities',
  method: 'GET',
  path: '/api/v1/auth/identities',
  summary: "The signed-in user's linked OpenID Connect identities",
  response: z.object({ identities: z.array(LinkedIdentity) }),
});

export const getPendingLink = defineRoute({
  ...own,
  operationId: 'getPendingLink',
  method: 'GET',
  path: '/api/v1/auth/identities/pending',
  summary: "The provider identity this browser brought back for the signed-in account, waiting for the user's confirmation (null when none)",
  response: z.object({ pending: PendingLink.nullable() }),
});

export const confirmPendingLink = defineRoute({
  ...own,
  operationId: 'confirmPendingLink',
  method: 'POST',
  path: '/api/v1/auth/identities/pending/confirm',
  summary: 'Link the pending provider identity to the signed-in account (its verified email is the account\'s); the next provider sign-in needs no password',
  response: z.object({ identity: LinkedIdentity }),
  successStatus: 201,
});

export const unlinkIdentity = defineRoute({
  ...own,
  operationId: 'unlinkIdentity',
  method: 'DELETE',
  path: '/api/v1/auth/identities/{id}',
  summary: 'Unlink a provider identity',
  params: IdParams,
  successStatus: 204,
});

export const oidcRoutes = [
  listOidcProviders,
  startOidcSignIn,
  oidcCallback,
  oidcSecondFactor,
  listLinkedIdentities,
  getPendingLink,
  confirmPendingLink,
  unlinkIdentity,
];
