/**
 * Sign-in: with a password (throttled; then a second factor when the account has TOTP or a
 * passkey) or with a discoverable passkey alone. Apart from accounts.ts so that sign-up's
 * function does not bundle WebAuthn verification (api/sign-in.ts runs these).
 */
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { userTenant } from '../tenancy/tenant';
import { DomainError } from '../errors';
import { auditEvent, type IdentityDeps, type RequestContext } from './deps';
import { USER_SK, UserEntity, type UserItem } from './entities';
import { verifyAgainstDummy, verifyPassword } from './password-policy';
import { useSecondFactor } from './mfa';
import { passkeyItems } from './passkey-items';
import { passkeySecondFactorOptions, verifyPasskeyAssertion } from './passkey-assertions';
import { issueSession, type IssuedSession } from './sessions';
import { clearAccountFailures, giveBackAttemptSlots, loginThrottleKeys, takeAttemptSlots } from './throttle';
import { badCredentials, findUserIdByEmail, userView, type UserView } from './accounts';

export async function login(
  deps: IdentityDeps,
  input: { email: string; password: string; totp?: string; recoveryCode?: string; passkey?: AuthenticationResponseJSON },
  ctx: RequestContext,
): Promise<{ user: UserView; session: IssuedSession }> {
  const keys = await loginThrottleKeys(deps, input.email, ctx.ip);
  // The slot is taken before any check: a wrong password or code keeps it as the failure.
  // The account is looked up meanwhile: a read checks nothing, and nothing is judged before the slot.
  const lookup = (async () => {
    const id = await findUserIdByEmail(deps, input.email);
    return { userId: id, user: id ? await deps.repo.get(userTenant(id), UserEntity, USER_SK) : undefined };
  })();
  const [, { userId, user }] = await Promise.all([takeAttemptSlots(deps, keys), lookup]);
  const verify = deps.verifyPassword ?? verifyPassword;
  const passwordOk = user ? await verify(user.passwordHash, input.password) : await verifyAgainstDummy(input.password, verify);
  if (!user || !userId || !passwordOk) {
    if (user && userId) {
      await auditEvent(deps, userTenant(userId), user.tier, ctx, 'auth.login.failed', `user#${userId}`, { reason: 'password' });
    }
    throw badCredentials();
  }
  const tenant = userTenant(userId);
  // The slot goes back when the password was right and no code was tried: the account's count is not
  // cleared, or asking for the prompt would wipe the failures of guessed codes.
  const mfa = await passSecondFactor(deps, userId, user, input, ctx, () => giveBackAttemptSlots(deps, keys));
  const [, session] = await Promise.all([clearAccountFailures(deps, keys), issueSession(deps, userId, user, ctx)]);
  await auditEvent(deps, tenant, user.tier, ctx, 'auth.login.succeeded', `user#${userId}`, {
    sessionId: session.sessionId,
    mfa,
  });
  return { user: userView(userId, user), session };
}

export type SecondFactorInput = { totp?: string; recoveryCode?: string; passkey?: AuthenticationResponseJSON };

/** Whether the input tries a second factor (else it asks for the prompt). */
export const triesSecondFactor = (input: SecondFactorInput) => Boolean(input.totp || input.recoveryCode || input.passkey);

/** Whether signing in to the account needs a second factor (TOTP, or a registered passkey). */
export async function hasSecondFactor(deps: IdentityDeps, userId: string, user: Pick<UserItem, 'mfaEnabled'>): Promise<boolean> {
  return user.mfaEnabled || (await passkeyItems(deps, userId)).length > 0;
}

/**
 * The second factor of a sign-in whose first one passed (a password, or a provider's identity):
 * false when the account has none; true once one passed. Throws 401 `mfa-required` with the
 * factors (and passkey options) when none was given (after `beforePrompt`), or when it failed (audited).
 */
export async function passSecondFactor(
  deps: IdentityDeps,
  userId: string,
  user: UserItem & { version: number },
  input: SecondFactorInput,
  ctx: RequestContext,
  beforePrompt: () => Promise<unknown> = async () => undefined,
): Promise<boolean> {
  const tenant = userTenant(userId);
  // A registered passkey is a second factor too: an account with one needs it (or TOTP) after the password.
  const passkeys = await passkeyItems(deps, userId);
  const factors = [...(user.mfaEnabled ? (['totp', 'recovery-code'] as const) : []), ...(passkeys.length ? (['passkey'] as const) : [])];
  if (!factors.length) return false;
  if (!triesSecondFactor(input)) {
    await beforePrompt();
    const passkeyOptions = passkeys.length ? await passkeySecondFactorOptions(deps, userId, passkeys) : undefined;
    throw new DomainError('mfa-required', secondFactorPrompt(user.mfaEnabled, passkeys.length > 0), {
      code: 'mfa-required',
      extra: { secondFactors: factors, ...(passkeyOptions ? { passkeyOptions } : {}) },
    });
  }
  const factor = await secondFactor(deps, userId, user, input, passkeys.length > 0);
  if (!factor) {
    await auditEvent(deps, tenant, user.tier, ctx, 'auth.login.failed', `user#${userId}`, { reason: 'second-factor' });
    const field = input.passkey ? 'passkey' : input.totp ? 'totp' : 'recoveryCode';
    throw new DomainError('mfa-required', input.passkey ? 'The passkey could not be verified; try again' : 'The code is wrong or was already used', {
      code: 'mfa-required',
      fields: [{ in: 'body', field, message: input.passkey ? 'could not be verified' : 'is wrong or was already used', code: 'invalid' }],
    });
  }
  if (factor === 'recovery-code') {
    await auditEvent(deps, tenant, user.tier, ctx, 'auth.mfa.recovery-code-used', `user#${userId}`);
  }
  return true;
}

const secondFactorPrompt = (totp: boolean, passkey: boolean) =>
  totp && passkey
    ? 'Use one of your passkeys, or enter the code from your authenticator app (or a recovery code)'
    : passkey
      ? 'Use one of your passkeys'
      : 'Enter the code from your authenticator app (or a recovery code)';

async function secondFactor(
  deps: IdentityDeps,
  userId: string,
  user: UserItem & { version: number },
  input: SecondFactorInput,
  hasPasskeys: boolean,
): Promise<'totp' | 'recovery-code' | 'passkey' | undefined> {
  if (!input.passkey) return user.mfaEnabled ? useSecondFactor(deps, userId, user, input) : undefined;
  if (!hasPasskeys) return undefined;
  try {
    await verifyPasskeyAssertion(deps, input.passkey, 'second-factor', userId);
    return 'passkey';
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'unauthenticated') return undefined;
    throw err;
  }
}

/**
 * Sign-in with a discoverable passkey, no email typed: the passkey (possession, with user
 * verification: a PIN or biometric) is two factors in one, so TOTP is not asked for.
 */
export async function signInWithPasskey(
  deps: IdentityDeps,
  response: AuthenticationResponseJSON,
  ctx: RequestContext,
): Promise<{ user: UserView; session: IssuedSession }> {
  const { userId, passkeyId } = await verifyPasskeyAssertion(deps, response, 'sign-in', undefined, ctx);
  const tenant = userTenant(userId);
  const user = await deps.repo.get(tenant, UserEntity, USER_SK);
  if (!user) throw new DomainError('unauthenticated', 'The account no longer exists');
  const session = await issueSession(deps, userId, user, ctx);
  await auditEvent(deps, tenant, user.tier, ctx, 'auth.login.succeeded', `user#${userId}`, { sessionId: session.sessionId, via: 'passkey', passkeyId });
  return { user: userView(userId, user), session };
}
