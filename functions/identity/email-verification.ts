/**
 * Email verification: sign-up mails a single-use, expiring link; until it is used the account
 * can sign in but not reach outside itself (workspaces/permissions.ts assertEmailVerified).
 * Changing the email mails a link to the new address and a notice to the old one; the change
 * takes effect only when the new address's link is used (one transaction moves the email's
 * lookup item). Accounts without `emailVerified` count as verified (made before this existed).
 */
import { userTenant } from '../tenancy/tenant';
import { DomainError } from '../errors';
import { atRequestFloor, auditEvent, type IdentityDeps, type RequestContext } from './deps';
import { getCredential } from './credential-integrity';
import { mailVerificationLink } from './verification-mail';
import { EmailVerificationCredential, EmailVerificationEntity, emailVerificationSk, emailGuard, USER_SK, UserEntity } from './entities';
import { findUserIdByEmail } from './accounts';
import { assertRecentSignIn } from './sessions';
import { countPerIp, countPerUser } from './throttle';
import { parseToken, secretMatches } from './tokens';

/** Verification mails one account may ask for per hour (resends and email changes): mail bombing. */
export const VERIFICATION_MAILS_PER_USER_PER_HOUR = 5;
/** Verification attempts one address may make per hour. */
const VERIFY_ATTEMPTS_PER_IP_PER_HOUR = 100;

/** 202 either way, at the request floor: a verified account gets no mail (nothing to verify). */
export async function resendVerification(deps: IdentityDeps, userId: string, ctx: RequestContext): Promise<void> {
  await countPerUser(deps, 'verification-mail', userId, VERIFICATION_MAILS_PER_USER_PER_HOUR, 3600_000);
  const user = await deps.repo.get(userTenant(userId), UserEntity, USER_SK);
  if (!user) throw new DomainError('unauthenticated', 'The account no longer exists');
  await atRequestFloor(deps, async () => {
    if (user.emailVerified !== false) return;
    await mailVerificationLink(deps, { id: userId, tier: user.tier }, user.email, 'signup');
    await auditEvent(deps, userTenant(userId), user.tier, ctx, 'auth.email.verification-sent', `user#${userId}`, { purpose: 'signup' });
  });
}

/**
 * Same answer and time whether or not the new address has an account (atRequestFloor): a taken
 * address gets a notice instead of a link, so its owner learns of the attempt and the caller of nothing.
 */
export async function requestEmailChange(deps: IdentityDeps, actor: { userId: string; sessionId: string | undefined }, newEmail: string, ctx: RequestContext): Promise<void> {
  await assertRecentSignIn(deps, actor.userId, actor.sessionId);
  await countPerUser(deps, 'verification-mail', actor.userId, VERIFICATION_MAILS_PER_USER_PER_HOUR, 3600_000);
  const tenant = userTenant(actor.userId);
  const user = await deps.repo.get(tenant, UserEntity, USER_SK);
  if (!user) throw new DomainError('unauthenticated', 'The account no longer exists');
  const to = newEmail.trim();
  await atRequestFloor(deps, async () => {
    const owner = await findUserIdByEmail(deps, to);
    if (owner) {
      await deps.mailer.send({
        to,
        subject: 'Someone tried to use your address on flarevault',
        text: 'Someone asked to move another flarevault account to this address, which already has an account. Nothing changed.\n\nIf it was you, sign in to that account instead.',
      });
    } else {
      await mailVerificationLink(deps, { id: actor.userId, tier: user.tier }, to, 'change');
    }
    await deps.mailer.send({
      to: user.email,
      subject: 'A change of your flarevault email address was requested',
      text: `Someone signed in to your account asked to change its email address to ${to}. It changes only once that address confirms.\n\nIf it was not you, change your password and revoke your sessions now.`,
    });
    await auditEvent(deps, tenant, user.tier, ctx, 'auth.email.change-requested', `user#${actor.userId}`);
  });
}

const invalidLink = () =>
  new DomainError('invalid', 'This verification link is invalid, was already used or has expired', {
    code: 'invalid-verification-token',
    fields: [{ in: 'body', field: 'token', message: 'is invalid, used or expired', code: 'invalid' }],
  });

/** Uses a verification link: marks the sign-up address verified, or moves the account to the new address. */
export async function verifyEmail(deps: IdentityDeps, token: string, ctx: RequestContext): Promise<{ email: string; purpose: 'signup' | 'change' }> {
  await countPerIp(deps, 'verify-email', ctx.ip, VERIFY_ATTEMPTS_PER_IP_PER_HOUR, 3600_000);
  const parsed = parseToken(token);
  if (!parsed || parsed.kind !== 'verify') throw invalidLink();
  const tenant = userTenant(parsed.userId);
  const sk = emailVerificationSk(parsed.id);
  const [link, user] = await Promise.all([getCredential(deps.repo, tenant, EmailVerificationCredential, sk), deps.repo.get(tenant, UserEntity, USER_SK)]);
  if (!link || !user || !secretMatches(parsed.secret, link.secretHash) || link.expiresAt <= deps.now()) throw invalidLink();
  // A sign-up link for an address the account no longer has is dead.
  if (link.purpose === 'signup' && link.email !== user.email) throw invalidLink();
  const tx = deps.repo.tx(tenant).delete(EmailVerificationEntity, sk, { expectedVersion: link.version });
  if (link.purpose === 'signup') {
    tx.update(UserEntity, USER_SK, { emailVerified: true }, { expectedVersion: user.version });
  } else {
    const [oldBlind, newBlind] = await Promise.all([deps.blind.blindIndex('email', user.email), deps.blind.blindIndex('email', link.email)]);
    const [oldGuard, newGuard] = [emailGuard(oldBlind), emailGuard(newBlind)];
    tx.update(UserEntity, USER_SK, { email: link.email, emailVerified: true }, { expectedVersion: user.version })
      .deleteGlobal(oldGuard.pk, oldGuard.sk)
      .createGlobal(newGuard.pk, newGuard.sk, { userId: parsed.userId });
  }
  await tx.commit().catch(async (err: unknown) => {
    if (!(err instanceof DomainError && err.kind === 'conflict')) throw err;
    if (link.purpose === 'change' && (await findUserIdByEmail(deps, link.email))) {
      throw new DomainError('conflict', 'This address has an account now; choose another one', { code: 'email-taken' });
    }
    throw invalidLink();
  });
  if (link.purpose === 'signup') {
    await auditEvent(deps, tenant, user.tier, ctx, 'auth.email.verified', `user#${parsed.userId}`);
  } else {
    await auditEvent(deps, tenant, user.tier, ctx, 'auth.email.change-completed', `user#${parsed.userId}`);
    await deps.mailer.send({
      to: user.email,
      subject: 'Your flarevault email address was changed',
      text: `The email address of your flarevault account is now ${link.email}.\n\nIf it was not you, contact support at once.`,
    });
  }
  return { email: link.email, purpose: link.purpose };
}
