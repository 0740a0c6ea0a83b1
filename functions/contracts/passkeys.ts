/**
 * Passkeys (issue 17): register several named passkeys, list, rename, remove (registration and
 * removal need a sign-in less than 10 minutes old: 403 `recent-sign-in-required`), and the
 * discoverable sign-in (no email: options, then the assertion, then a session as a password
 * sign-in gives). The second factor with a passkey goes through `login` (`passkey`).
 */
import * as z from 'zod';
import { defineRoute } from './route';
import { IdParams, Id, IsoTime } from './common';
import { ClientKind, ListedName, SignedIn } from './identity';
import { PasskeyAssertion, PasskeyOptions, PasskeyRegistration } from './webauthn';

export const Passkey = z.object({
  id: Id,
  name: z.string(),
  createdAt: IsoTime,
  lastUsedAt: IsoTime.nullable(),
  /** Synced (multi-device) passkey that its provider backed up. */
  backedUp: z.boolean(),
});

const own = { permission: null, fn: 'signIn', auth: 'session', tenancy: 'caller', tags: ['passkeys'] } as const;

export const passkeyRegistrationOptions = defineRoute({
  ...own,
  operationId: 'passkeyRegistrationOptions',
  method: 'POST',
  path: '/api/v1/auth/passkeys/registration-options',
  summary: 'Options for navigator.credentials.create (a challenge valid 5 minutes, once); needs a recent sign-in',
  response: z.object({ options: PasskeyOptions }),
});

export const registerPasskey = defineRoute({
  ...own,
  operationId: 'registerPasskey',
  method: 'POST',
  path: '/api/v1/auth/passkeys',
  summary: 'Register a passkey under a name (user verification required); needs a recent sign-in',
  body: z.object({ name: ListedName, response: PasskeyRegistration }).strict(),
  response: z.object({ passkey: Passkey }),
  successStatus: 201,
});

export const listPasskeys = defineRoute({
  ...own,
  operationId: 'listPasskeys',
  method: 'GET',
  path: '/api/v1/auth/passkeys',
  summary: "The signed-in user's passkeys",
  response: z.object({ passkeys: z.array(Passkey) }),
});

export const renamePasskey = defineRoute({
  ...own,
  operationId: 'renamePasskey',
  method: 'PATCH',
  path: '/api/v1/auth/passkeys/{id}',
  summary: 'Rename a passkey',
  params: IdParams,
  body: z.object({ name: ListedName }).strict(),
  response: z.object({ passkey: Passkey }),
});

export const removePasskey = defineRoute({
  ...own,
  operationId: 'removePasskey',
  method: 'DELETE',
  path: '/api/v1/auth/passkeys/{id}',
  summary: 'Remove a passkey; needs a recent sign-in',
  params: IdParams,
  successStatus: 204,
});

export const passkeySignInOptions = defineRoute({
  operationId: 'passkeySignInOptions',
  method: 'POST',
  path: '/api/v1/auth/passkey-sign-in/options',
  fn: 'signIn',
  auth: 'public',
  summary: 'Options for a discoverable passkey sign-in (no email; a challenge valid 5 minutes, once)',
  tags: ['passkeys'],
  response: z.object({ options: PasskeyOptions }),
});

export const signInWithPasskey = defineRoute({
  operationId: 'signInWithPasskey',
  method: 'POST',
  path: '/api/v1/auth/passkey-sign-in',
  fn: 'signIn',
  auth: 'public',
  summary: 'Sign in with a passkey (the assertion for passkeySignInOptions): a session as login gives',
  tags: ['passkeys'],
  body: z.object({ response: PasskeyAssertion, client: ClientKind }).strict(),
  response: SignedIn,
});

export const passkeyRoutes = [
  passkeyRegistrationOptions,
  registerPasskey,
  listPasskeys,
  renamePasskey,
  removePasskey,
  passkeySignInOptions,
  signInWithPasskey,
];
