/** Passkeys over HTTP with the software authenticator (test/support/webauthn.ts). */
import { relyingPartyOf } from '../../functions/identity/relying-party';
import { call } from './http';
import { SoftAuthenticator } from './webauthn';

/** The origin the deployment's passkeys belong to (http://localhost:<port> for the local stack). */
export const passkeyOrigin = () => relyingPartyOf(process.env.PUBLIC_URL!).origin;

/** Registers a new software passkey named `name` for the token's user. */
export async function registeredPasskey(token: string, name = 'Test key') {
  const authenticator = new SoftAuthenticator();
  const options = await call('POST', '/api/v1/auth/passkeys/registration-options', { token });
  if (options.status !== 200) throw new Error(`registration options: ${options.status} ${options.text}`);
  const response = authenticator.register(options.body.options, { origin: passkeyOrigin() });
  const r = await call('POST', '/api/v1/auth/passkeys', { token, body: { name, response } });
  if (r.status !== 201) throw new Error(`register passkey: ${r.status} ${r.text}`);
  return { authenticator, passkey: r.body.passkey as { id: string; name: string } };
}

/** Fresh discoverable sign-in options (a new challenge). */
export async function signInOptions() {
  const r = await call('POST', '/api/v1/auth/passkey-sign-in/options', {});
  if (r.status !== 200) throw new Error(`sign-in options: ${r.status} ${r.text}`);
  return r.body.options as { challenge: string; rpId: string };
}
