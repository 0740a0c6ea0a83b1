/**
 * The passkeys' sentinel step (sentinel-scan.test.ts): a user registers a passkey under a
 * sentinel name, signs in with it and renames it. Its credential id and COSE public key (each
 * as base64url, base64 and hex of the raw bytes) must never be in the table or a backup: the id
 * is stored encrypted and as a blind index, the key encrypted.
 */
import { randomUUID } from 'node:crypto';
import { identityDeps } from './data-fixtures';
import { signup } from '../../functions/identity/accounts';
import { signInWithPasskey } from '../../functions/identity/sign-in';
import { passkeyRegistrationOptions, registerPasskey, renamePasskey } from '../../functions/identity/passkeys';
import { passkeySignInOptions } from '../../functions/identity/passkey-assertions';
import { SoftAuthenticator } from '../support/webauthn';
import type { SentinelStep } from './sentinel-workload';

/** Every encoding of raw bytes (given as base64url) the scan should look for. */
const byteForms = (b64url: string) => {
  const raw = Buffer.from(b64url, 'base64url');
  return [b64url, raw.toString('base64'), raw.toString('hex')];
};

export const passkeySentinelStep: SentinelStep = {
  name: 'passkeys: credential id, public key, name',
  async run({ sentinel, track }) {
    // Its own data layer on the same table (the scan reads the raw table, whoever wrote it).
    const deps = identityDeps({ config: { publicUrl: 'https://vault.example.com' } });
    const origin = 'https://vault.example.com';
    const ctx = { requestId: 'sentinel', ip: '127.0.0.1', userAgent: 'sentinel' };
    const { user, session } = await signup(deps, { email: `pk-${randomUUID()}@example.com`, password: 'violet-Harbor-quantum-92-lantern' }, ctx);
    const actor = { userId: user.id, tier: user.tier, sessionId: session.sessionId };
    const authenticator = new SoftAuthenticator();
    const options = await passkeyRegistrationOptions(deps, actor);
    const passkey = await registerPasskey(deps, actor, { name: sentinel('passkey-name'), response: authenticator.register(options, { origin }) }, ctx);
    const signedIn = await signInWithPasskey(deps, authenticator.assert(await passkeySignInOptions(deps), { origin }), ctx);
    if (signedIn.user.id !== user.id) throw new Error('passkey sign-in did not find the user');
    await renamePasskey(deps, actor, passkey.id, sentinel('passkey-renamed'), ctx);
    for (const form of [...byteForms(authenticator.id), ...byteForms(authenticator.coseKey)]) track(form);
  },
};
