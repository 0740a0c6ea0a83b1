/** The verification mail (email-verification.ts), apart so that sign-up (accounts.ts) sends it without an import cycle. */
import { userTenant } from '../tenancy/tenant';
import type { Tier } from '../platform/tiers';
import { iso, mailedLink, type IdentityDeps } from './deps';
import { withIntegrity } from './credential-integrity';
import { EmailVerificationCredential, EmailVerificationEntity, emailVerificationSk } from './entities';
import { mintToken, newId } from './tokens';

/** Mails a verification link for `email` (the sign-up address, or the new one of a change). */
export async function mailVerificationLink(
  deps: IdentityDeps,
  user: { id: string; tier: Tier },
  email: string,
  purpose: 'signup' | 'change',
): Promise<void> {
  const tenant = userTenant(user.id);
  const id = newId();
  const { token, secretHash } = mintToken('verify', user.id, id);
  const now = deps.now();
  const expiresAt = now + deps.config.verificationLinkMs;
  await deps.repo.create(
    tenant,
    EmailVerificationEntity,
    emailVerificationSk(id),
    withIntegrity(EmailVerificationCredential, { secretHash, email, purpose, createdAt: iso(now), expiresAt }),
    { ttl: Math.ceil(expiresAt / 1000) + 3600 },
  );
  const link = mailedLink(deps, '/verify-email', token);
  await deps.mailer.send({
    to: email,
    subject: purpose === 'signup' ? 'Verify your flarevault email address' : 'Confirm your new flarevault email address',
    text:
      `Open this link within ${Math.round(deps.config.verificationLinkMs / 3600_000)} hours to verify this address:\n${link}\n\n` +
      `Verification token: ${token}\n\nIf it was not you, ignore this message.`,
  });
}
