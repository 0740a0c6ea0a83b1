/**
 * The browser half of passkeys (@simplewebauthn/browser): the server's options in, the
 * credential's JSON out, ready for the API. Passkeys belong to the deployment's relying party
 * (its public URL's host; `localhost` for a local stack, which browsers accept where they
 * refuse 127.0.0.1).
 */
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '@simplewebauthn/browser';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { call } from '../api/operations';
import type { SignedIn } from '../api/types';

export const passkeysSupported = () => browserSupportsWebAuthn();

/** Creates a passkey on this device and registers it under `name`. */
export async function addPasskey(name: string) {
  const { options } = await call('passkeyRegistrationOptions');
  const response = await startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON });
  return call('registerPasskey', { body: { name, response: response as never } });
}

/** Signs in with a discoverable passkey: the authenticator offers the accounts it holds. */
export async function signInWithPasskey(): Promise<SignedIn> {
  const { options } = await call('passkeySignInOptions', { quietAuth: true });
  const response = await startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON });
  return call('signInWithPasskey', { body: { response: response as never }, quietAuth: true });
}

/** Answers the second-factor options a password sign-in returned (problem member `passkeyOptions`). */
export async function passkeyAssertion(options: unknown) {
  return startAuthentication({ optionsJSON: options as PublicKeyCredentialRequestOptionsJSON });
}
