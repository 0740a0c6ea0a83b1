/**
 * Passkey assertions (navigator.credentials.get): the options, and the verification shared by
 * the discoverable sign-in (no user known up front) and the second factor of a password
 * sign-in (the user known, their passkeys allowed). Each verification first claims its
 * challenge (single use), then finds the passkey through its global guard, checks origin, RP,
 * user verification and the signature with @simplewebauthn/server, refuses a signature counter
 * that did not move forward, and stores the new counter under the item's version.
 */
import { generateAuthenticationOptions, verifyAuthenticationResponse, type AuthenticationResponseJSON } from '@simplewebauthn/server';
import { userTenant } from '../tenancy/tenant';
import { DomainError } from '../errors';
import { auditEvent, iso, type IdentityDeps, type RequestContext } from './deps';
import { getCredential, withIntegrity } from './credential-integrity';
import { PasskeyCredential, PasskeyEntity, passkeyGuard, passkeySk, USER_SK, UserEntity, type PasskeyItem } from './entities';
import { relyingPartyOf } from './relying-party';
import { CHALLENGE_TTL_MS, claimChallenge, issueChallenge, type ChallengePurpose } from './webauthn-challenges';
import { challengeOf, webauthnRefused } from './webauthn-responses';

/** Options for a discoverable sign-in: no allow list, the authenticator offers the accounts it holds. */
export async function passkeySignInOptions(deps: IdentityDeps) {
  const rp = relyingPartyOf(deps.config.publicUrl);
  return generateAuthenticationOptions({ rpID: rp.id, challenge: await issueChallenge(deps, 'sign-in'), timeout: CHALLENGE_TTL_MS, userVerification: 'required' });
}

/** Options for the second factor of `userId`'s password sign-in: only their passkeys. */
export async function passkeySecondFactorOptions(deps: IdentityDeps, userId: string, passkeys: readonly Pick<PasskeyItem, 'credentialId' | 'transports'>[]) {
  const rp = relyingPartyOf(deps.config.publicUrl);
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge: await issueChallenge(deps, 'second-factor', userId),
    timeout: CHALLENGE_TTL_MS,
    userVerification: 'required',
    allowCredentials: passkeys.map((p) => ({ id: p.credentialId, transports: p.transports })),
  });
}

export interface VerifiedAssertion {
  readonly userId: string;
  readonly passkeyId: string;
}

/**
 * Verifies an assertion for `purpose` (`userId` for a second factor: the passkey must be theirs).
 * Throws 401 `passkey-challenge` or `passkey-invalid`. With `auditCtx`, a refused signature of a
 * known passkey is recorded in its owner's chain (`auth.login.failed`, reason `passkey`).
 */
export async function verifyPasskeyAssertion(
  deps: IdentityDeps,
  response: AuthenticationResponseJSON,
  purpose: Extract<ChallengePurpose, 'sign-in' | 'second-factor'>,
  userId?: string,
  auditCtx?: RequestContext,
): Promise<VerifiedAssertion> {
  const challenge = challengeOf(response);
  if (!challenge || !(await claimChallenge(deps, challenge, purpose, userId))) throw webauthnRefused('challenge', undefined, 'unauthenticated');
  const guard = passkeyGuard(await deps.blind.blindIndex('passkey-id', response.id));
  const owner = await deps.repo.getGlobal(guard.pk, guard.sk);
  const ownerId = typeof owner?.tenant === 'string' && owner.tenant.startsWith('user#') ? owner.tenant.slice('user#'.length) : undefined;
  const passkeyId = typeof owner?.passkeyId === 'string' ? owner.passkeyId : undefined;
  const unknown = () => webauthnRefused('response', new Error('unknown credential'), 'unauthenticated');
  if (!ownerId || !passkeyId || (userId && ownerId !== userId)) throw unknown();
  // A discoverable credential names its user: it must be the guard's (WebAuthn §7.2 step 6).
  if (response.response.userHandle && Buffer.from(response.response.userHandle, 'base64url').toString('utf8') !== ownerId) throw unknown();
  const tenant = userTenant(ownerId);
  const passkey = await getCredential(deps.repo, tenant, PasskeyCredential, passkeySk(passkeyId));
  if (!passkey || passkey.credentialId !== response.id) throw unknown();
  const rp = relyingPartyOf(deps.config.publicUrl);
  let newCounter: number;
  try {
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: { id: passkey.credentialId, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: passkey.counter, transports: passkey.transports },
      requireUserVerification: true,
    });
    if (!verified.verified) throw new Error('signature');
    newCounter = verified.authenticationInfo.newCounter;
  } catch (err) {
    const refused = webauthnRefused('response', err, 'unauthenticated');
    const user = auditCtx ? await deps.repo.get(tenant, UserEntity, USER_SK) : undefined;
    if (user && auditCtx) {
      await auditEvent(deps, tenant, user.tier, auditCtx, 'auth.login.failed', `user#${ownerId}`, { reason: 'passkey', passkeyId, detail: refused.message });
    }
    throw refused;
  }
  const { integrity } = withIntegrity(PasskeyCredential, { ...passkey, counter: newCounter });
  try {
    await deps.repo.update(tenant, PasskeyEntity, passkey.sk, { counter: newCounter, lastUsedAt: iso(deps.now()), integrity }, { expectedVersion: passkey.version });
  } catch (err) {
    // Another assertion of this passkey committed since the read: this one's counter is no newer.
    if (err instanceof DomainError && err.kind === 'conflict') throw webauthnRefused('response', new Error('used concurrently'), 'unauthenticated');
    throw err;
  }
  return { userId: ownerId, passkeyId };
}
