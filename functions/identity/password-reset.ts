/** Password change (needs the current one) and reset by a single-use mailed token. */
import { userTenant } from '../tenancy/tenant';
import { DomainError } from '../errors';
import { atRequestFloor, auditEvent, iso, mailedLink, type IdentityDeps, type RequestContext } from './deps';
import { getCredential, withIntegrity } from './credential-integrity';
import { ResetCredential, ResetEntity, resetSk, USER_SK, UserEntity } from './entities';
import { findUserByEmail } from './accounts';
import { assertStrongPassword, hashPassword, verifyPassword } from './password-policy';
import { revokeAllSessions } from './sessions';
import { countPerIp, giveBackAttemptSlots, loginThrottleKeys, takeAttemptSlots } from './throttle';
import { mintToken, newId, parseToken, secretMatches } from './tokens';

/** Reset mails one address may trigger per hour (mail bombing). */
export const RESETS_PER_IP_PER_HOUR = 20;
/** Reset submissions one address may make per hour (each may run the strength check). */
export const RESET_ATTEMPTS_PER_IP_PER_HOUR = 100;

export async function changePassword(
  deps: IdentityDeps,
  userId: string,
  currentSessionId: string,
  input: { currentPassword: string; newPassword: string },
  ctx: RequestContext,
): Promise<void> {
  const tenant = userTenant(userId);
  const user = await deps.repo.get(tenant, UserEntity, USER_SK);
  if (!user) throw new DomainError('unauthenticated', 'The account no longer exists');
  // A stolen session must not become a password oracle: the sign-in counters guard this check.
  const keys = await loginThrottleKeys(deps, user.email, ctx.ip);
  await takeAttemptSlots(deps, keys);
  if (!(await (deps.verifyPassword ?? verifyPassword)(user.passwordHash, input.currentPassword))) {
    throw new DomainError('invalid', 'The current password is wrong', {
      code: 'wrong-password',
      fields: [{ in: 'body', field: 'currentPassword', message: 'is wrong', code: 'invalid' }],
    });
  }
  await giveBackAttemptSlots(deps, keys);
  await assertStrongPassword(input.newPassword, [user.email], 'newPassword');
  await deps.repo.update(
    tenant,
    UserEntity,
    USER_SK,
    { passwordHash: await hashPassword(input.newPassword), passwordRevision: (user.passwordRevision ?? 0) + 1 },
    { expectedVersion: user.version },
  );
  await auditEvent(deps, tenant, user.tier, ctx, 'auth.password.changed', `user#${userId}`);
  await revokeAllSessions(deps, userId, currentSessionId, ctx, 'password-changed');
}

/** Always succeeds from the caller's view: whether the email exists is not revealed, by the answer or by its timing (atRequestFloor). */
export async function requestPasswordReset(deps: IdentityDeps, email: string, ctx: RequestContext): Promise<void> {
  await countPerIp(deps, 'password-reset', ctx.ip, RESETS_PER_IP_PER_HOUR, 3600_000);
  await atRequestFloor(deps, () => mailResetLink(deps, email, ctx));
}

async function mailResetLink(deps: IdentityDeps, email: string, ctx: RequestContext): Promise<void> {
  const found = await findUserByEmail(deps, email);
  if (!found) return;
  const { userId, tenant, user } = found;
  const id = newId();
  const { token, secretHash } = mintToken('reset', userId, id);
  const now = deps.now();
  await deps.repo.create(tenant, ResetEntity, resetSk(id), withIntegrity(ResetCredential, { secretHash, createdAt: iso(now), passwordRevision: user.passwordRevision ?? 0 }), {
    ttl: Math.ceil((now + deps.config.resetTokenMs) / 1000),
  });
  const link = mailedLink(deps, '/reset-password', token);
  await deps.mailer.send({
    to: user.email,
    subject: 'Reset your flarevault password',
    text: `Someone asked to reset the password of your flarevault account.\n\nOpen this link within ${Math.round(
      deps.config.resetTokenMs / 60_000,
    )} minutes to choose a new one:\n${link}\n\nReset token: ${token}\n\nIf it was not you, ignore this message.`,
  });
  await auditEvent(deps, tenant, user.tier, ctx, 'auth.password.reset-requested', `user#${userId}`);
}

export async function resetPassword(deps: IdentityDeps, input: { token: string; newPassword: string }, ctx: RequestContext): Promise<void> {
  const invalid = () =>
    new DomainError('invalid', 'The reset link is invalid or has expired', {
      code: 'invalid-reset-token',
      fields: [{ in: 'body', field: 'token', message: 'is invalid or has expired', code: 'invalid' }],
    });
  await countPerIp(deps, 'password-reset-attempt', ctx.ip, RESET_ATTEMPTS_PER_IP_PER_HOUR, 3600_000);
  const parsed = parseToken(input.token);
  if (!parsed || parsed.kind !== 'reset') throw invalid();
  const tenant = userTenant(parsed.userId);
  const reset = await getCredential(deps.repo, tenant, ResetCredential, resetSk(parsed.id));
  if (!reset || !secretMatches(parsed.secret, reset.secretHash)) throw invalid();
  const user = await deps.repo.get(tenant, UserEntity, USER_SK);
  // A link mailed before the last password change or reset is dead.
  if (!user || reset.passwordRevision !== (user.passwordRevision ?? 0)) throw invalid();
  await assertStrongPassword(input.newPassword, [user.email], 'newPassword');
  // Spend the token, set the password and bump its revision atomically: a token works once, and
  // every other link dies with the same write (a concurrent reset read the older user version).
  await deps.repo
    .tx(tenant)
    .delete(ResetEntity, resetSk(parsed.id), { expectedVersion: reset.version })
    .update(
      UserEntity,
      USER_SK,
      { passwordHash: await hashPassword(input.newPassword), passwordRevision: reset.passwordRevision + 1 },
      { expectedVersion: user.version },
    )
    .commit()
    .catch((err: unknown) => {
      if (err instanceof DomainError && err.kind === 'conflict') throw invalid();
      throw err;
    });
  await auditEvent(deps, tenant, user.tier, ctx, 'auth.password.reset', `user#${parsed.userId}`);
  await revokeAllSessions(deps, parsed.userId, undefined, ctx, 'password-reset');
}
