/** TOTP enrolment, confirmation, disabling, and single-use recovery codes. */
import { randomBytes } from 'node:crypto';
import { userTenant } from '../tenancy/tenant';
import { DomainError } from '../errors';
import { auditEvent, type IdentityDeps, type RequestContext } from './deps';
import { USER_SK, UserEntity, type UserItem } from './entities';
import { checkTotp, newTotpSecret, otpauthUri, qrSvg } from './totp';
import { giveBackAttemptSlots, loginThrottleKeys, takeAttemptSlots } from './throttle';
import { hashSecret, secretMatches } from './tokens';

const RECOVERY_CODES = 10;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

const normaliseRecovery = (code: string) => code.trim().toLowerCase().replace(/[^a-z0-9]/g, '');

async function loadUser(deps: IdentityDeps, userId: string) {
  const user = await deps.repo.get(userTenant(userId), UserEntity, USER_SK);
  if (!user) throw new DomainError('unauthenticated', 'The account no longer exists');
  return user;
}

const wrongCode = (field = 'code') =>
  new DomainError('invalid', 'The code is wrong or was already used', {
    code: 'invalid-code',
    fields: [{ in: 'body', field, message: 'is wrong or was already used', code: 'invalid' }],
  });

export async function enrollTotp(deps: IdentityDeps, userId: string) {
  const user = await loadUser(deps, userId);
  if (user.mfaEnabled) throw new DomainError('conflict', 'Two-factor authentication is already on; disable it first', { code: 'mfa-already-enabled' });
  const secret = newTotpSecret();
  await deps.repo.update(userTenant(userId), UserEntity, USER_SK, { pendingTotpSecret: secret }, { expectedVersion: user.version });
  const uri = otpauthUri(secret, user.email);
  return { otpauthUri: uri, secret, qrSvg: await qrSvg(uri) };
}

export async function confirmTotp(deps: IdentityDeps, userId: string, code: string, ctx: RequestContext): Promise<string[]> {
  const user = await loadUser(deps, userId);
  if (!user.pendingTotpSecret) throw new DomainError('conflict', 'Start enrolment first', { code: 'mfa-not-enrolling' });
  const step = checkTotp(user.pendingTotpSecret, code, deps.now());
  if (step === undefined) throw wrongCode();
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await deps.repo.update(
    userTenant(userId),
    UserEntity,
    USER_SK,
    {
      mfaEnabled: true,
      totpSecret: user.pendingTotpSecret,
      pendingTotpSecret: undefined,
      totpLastStep: step,
      recoveryCodeHashes: codes.map((c) => hashSecret(normaliseRecovery(c))),
    },
    { expectedVersion: user.version },
  );
  await auditEvent(deps, userTenant(userId), user.tier, ctx, 'auth.mfa.enabled', `user#${userId}`, { method: 'totp' });
  return codes;
}

export async function disableTotp(deps: IdentityDeps, userId: string, code: string, ctx: RequestContext): Promise<void> {
  const user = await loadUser(deps, userId);
  if (!user.mfaEnabled || !user.totpSecret) throw new DomainError('conflict', 'Two-factor authentication is not on', { code: 'mfa-not-enabled' });
  // The sign-in counters guard this check too: a stolen session cannot try codes at leisure.
  const keys = await loginThrottleKeys(deps, user.email, ctx.ip);
  await takeAttemptSlots(deps, keys);
  if (checkTotp(user.totpSecret, code, deps.now(), user.totpLastStep) === undefined) throw wrongCode();
  await giveBackAttemptSlots(deps, keys);
  await deps.repo.update(
    userTenant(userId),
    UserEntity,
    USER_SK,
    { mfaEnabled: false, totpSecret: undefined, totpLastStep: undefined, recoveryCodeHashes: undefined },
    { expectedVersion: user.version },
  );
  await auditEvent(deps, userTenant(userId), user.tier, ctx, 'auth.mfa.disabled', `user#${userId}`, { method: 'totp' });
}

/**
 * Consumes a TOTP code (replay-guarded) or a recovery code (single use), with an
 * optimistic write so two concurrent logins cannot spend the same code.
 */
export async function useSecondFactor(
  deps: IdentityDeps,
  userId: string,
  user: UserItem & { version: number },
  input: { totp?: string; recoveryCode?: string },
): Promise<'totp' | 'recovery-code' | undefined> {
  const tenant = userTenant(userId);
  if (input.totp && user.totpSecret) {
    const step = checkTotp(user.totpSecret, input.totp, deps.now(), user.totpLastStep);
    if (step === undefined) return undefined;
    try {
      await deps.repo.update(tenant, UserEntity, USER_SK, { totpLastStep: step }, { expectedVersion: user.version });
    } catch {
      return undefined;
    }
    return 'totp';
  }
  if (input.recoveryCode) {
    const given = normaliseRecovery(input.recoveryCode);
    const hashes = user.recoveryCodeHashes ?? [];
    const index = hashes.findIndex((h) => secretMatches(given, h));
    if (index < 0) return undefined;
    try {
      await deps.repo.update(
        tenant,
        UserEntity,
        USER_SK,
        { recoveryCodeHashes: hashes.filter((_, i) => i !== index) },
        { expectedVersion: user.version },
      );
    } catch {
      return undefined;
    }
    return 'recovery-code';
  }
  return undefined;
}
