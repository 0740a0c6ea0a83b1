/**
 * Passkeys (WebAuthn, @simplewebauthn/server): registering several named passkeys, listing,
 * renaming and removing them. Registration and removal need a recent sign-in
 * (sessions.ts `assertRecentSignIn`): a stolen older session can neither plant a passkey of its
 * own nor take the owner's away. Assertions (sign-in, second factor) are in passkey-assertions.ts.
 */
import { generateRegistrationOptions, verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server';
import { userTenant } from '../tenancy/tenant';
import { DomainError, notFound } from '../errors';
import type { Tier } from '../platform/tiers';
import { createUnderCap } from '../data/capped-create';
import { auditEvent, iso, type IdentityDeps, type RequestContext } from './deps';
import { PasskeyCredential, PasskeyEntity, passkeyGuard, passkeySk, USER_SK, UserEntity, type PasskeyItem } from './entities';
import { withIntegrity } from './credential-integrity';
import { assertRecentSignIn } from './sessions';
import { newId } from './tokens';
import { passkeyItems } from './passkey-items';
import { relyingPartyOf } from './relying-party';
import { CHALLENGE_TTL_MS, claimChallenge, issueChallenge } from './webauthn-challenges';
import { challengeOf, webauthnRefused } from './webauthn-responses';

/** Passkeys one account may hold. */
export const MAX_PASSKEYS = 10;

export interface PasskeyActor {
  readonly userId: string;
  readonly tier: Tier;
  /** The session the request came with (its age decides "recent sign-in"). */
  readonly sessionId: string | undefined;
}

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** Synced (multi-device) passkeys report it; a device-bound one never is. */
  backedUp: boolean;
}

const view = (p: PasskeyItem & { sk: string }): PasskeyView => ({
  id: p.sk.slice('PASSKEY#'.length),
  name: p.name,
  createdAt: p.createdAt,
  lastUsedAt: p.lastUsedAt,
  backedUp: p.backedUp,
});

export async function listPasskeys(deps: IdentityDeps, userId: string): Promise<PasskeyView[]> {
  return (await passkeyItems(deps, userId)).map(view).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** The options for navigator.credentials.create(): a discoverable credential, user verification required. */
export async function passkeyRegistrationOptions(deps: IdentityDeps, actor: PasskeyActor) {
  await assertRecentSignIn(deps, actor.userId, actor.sessionId);
  const tenant = userTenant(actor.userId);
  const [user, existing] = await Promise.all([deps.repo.get(tenant, UserEntity, USER_SK), passkeyItems(deps, actor.userId)]);
  if (!user) throw new DomainError('unauthenticated', 'The account no longer exists');
  if (existing.length >= MAX_PASSKEYS) throw tooMany();
  const rp = relyingPartyOf(deps.config.publicUrl);
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userID: new TextEncoder().encode(actor.userId),
    challenge: await issueChallenge(deps, 'register', actor.userId),
    timeout: CHALLENGE_TTL_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
  });
}

const tooMany = () =>
  new DomainError('limit-exceeded', `An account holds at most ${MAX_PASSKEYS} passkeys; remove one first`, { code: 'passkey-limit' });

const alreadyRegistered = () => new DomainError('conflict', 'This passkey is already registered', { code: 'passkey-already-registered' });

export async function registerPasskey(
  deps: IdentityDeps,
  actor: PasskeyActor,
  input: { name: string; response: RegistrationResponseJSON },
  ctx: RequestContext,
): Promise<PasskeyView> {
  await assertRecentSignIn(deps, actor.userId, actor.sessionId);
  const challenge = challengeOf(input.response);
  if (!challenge || !(await claimChallenge(deps, challenge, 'register', actor.userId))) throw webauthnRefused('challenge');
  const rp = relyingPartyOf(deps.config.publicUrl);
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch (err) {
    throw webauthnRefused('response', err);
  }
  if (!verified.verified) throw webauthnRefused('response');
  const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
  const tenant = userTenant(actor.userId);
  const passkeyId = newId();
  const credentialIdHash = await deps.blind.blindIndex('passkey-id', credential.id);
  const guard = passkeyGuard(credentialIdHash);
  if (await deps.repo.getGlobal(guard.pk, guard.sk)) throw alreadyRegistered();
  const item = withIntegrity(PasskeyCredential, {
    name: input.name,
    credentialId: credential.id,
    credentialIdHash,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: credential.transports ?? [],
    deviceType: credentialDeviceType,
    backedUp: credentialBackedUp,
    createdAt: iso(deps.now()),
    lastUsedAt: null,
  });
  try {
    await createUnderCap(
      deps.repo,
      tenant,
      { name: 'passkeys', limit: MAX_PASSKEYS, count: async () => (await passkeyItems(deps, actor.userId)).length, refuse: tooMany },
      (tx) => tx.createGlobal(guard.pk, guard.sk, { passkeyId }).create(PasskeyEntity, passkeySk(passkeyId), item),
      deps.now,
    );
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'conflict') throw alreadyRegistered(); // registered meanwhile
    throw err;
  }
  await auditEvent(deps, tenant, actor.tier, ctx, 'auth.passkey.registered', `user#${actor.userId}`, { passkeyId, backedUp: credentialBackedUp });
  return view({ ...item, sk: passkeySk(passkeyId) });
}

export async function renamePasskey(deps: IdentityDeps, actor: PasskeyActor, passkeyId: string, name: string, ctx: RequestContext): Promise<PasskeyView> {
  const tenant = userTenant(actor.userId);
  const passkey = await deps.repo.get(tenant, PasskeyEntity, passkeySk(passkeyId));
  if (!passkey) throw notFound('Passkey');
  const updated = await deps.repo.update(tenant, PasskeyEntity, passkey.sk, { name }, { expectedVersion: passkey.version });
  await auditEvent(deps, tenant, actor.tier, ctx, 'auth.passkey.renamed', `user#${actor.userId}`, { passkeyId });
  return view({ ...updated, sk: passkey.sk });
}

export async function removePasskey(deps: IdentityDeps, actor: PasskeyActor, passkeyId: string, ctx: RequestContext): Promise<void> {
  await assertRecentSignIn(deps, actor.userId, actor.sessionId);
  const tenant = userTenant(actor.userId);
  const passkey = await deps.repo.get(tenant, PasskeyEntity, passkeySk(passkeyId));
  if (!passkey) throw notFound('Passkey');
  const guard = passkeyGuard(passkey.credentialIdHash);
  try {
    await deps.repo.tx(tenant).delete(PasskeyEntity, passkey.sk, { expectedVersion: passkey.version }).deleteGlobal(guard.pk, guard.sk).commit();
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'conflict') throw notFound('Passkey'); // removed (or used) meanwhile: ask again
    throw err;
  }
  await auditEvent(deps, tenant, actor.tier, ctx, 'auth.passkey.removed', `user#${actor.userId}`, { passkeyId });
}
