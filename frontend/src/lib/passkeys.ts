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

/**
 * The browser would refuse a relying party this page is not on with a bare "invalid domain"
 * SecurityError; say where passkeys work instead (a local stack opened at 127.0.0.1: localhost).
 */
function assertOnRelyingParty(rpId: string | undefined): void {
  const host = window.location.hostname;
  if (!rpId || host === rpId || host.endsWith(`.${rpId}`)) return;
  const { protocol, port, pathname } = window.location;
  throw new Error(`Passkeys of this deployment work on ${rpId}: open ${protocol}//${rpId}${port ? `:${port}` : ''}${pathname} and try again.`);
}

/** Creates a passkey on this device and registers it under `name`. */
export async function addPasskey(name: string) {
  const { options } = await call('passkeyRegistrationOptions');
  assertOnRelyingParty((options as { rp?: { id?: string } }).rp?.id);
  const response = await startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON });
  return call('registerPasskey', { body: { name, response: response as never } });
}

/** Signs in with a discoverable passkey: the authenticator offers the accounts it holds. */
export async function signInWithPasskey(): Promise<SignedIn> {
  const { options } = await call('passkeySignInOptions', { quietAuth: true });
  assertOnRelyingParty((options as { rpId?: string }).rpId);
  const response = await startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON });
  return call('signInWithPasskey', { body: { response: response as never }, quietAuth: true });
}

/** Answers the second-factor options a password sign-in returned (problem member `passkeyOptions`). */
export async function passkeyAssertion(options: unknown) {
  assertOnRelyingParty((options as { rpId?: string } | undefined)?.rpId);
  return startAuthentication({ optionsJSON: options as PublicKeyCredentialRequestOptionsJSON });
}
