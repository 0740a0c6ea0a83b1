/**
 * What a verified provider identity leads to (the callback), and the second factor after it.
 *
 * - Linked (issuer, subject): that account signs in, whatever the email claims say now (the
 *   identity is the subject, OpenID Connect Core §5.7: iss + sub is the only stable identifier;
 *   the email was verified and the owner confirmed when it was linked). If the account has a
 *   second factor (TOTP or a passkey) a pending sign-in waits for it in this browser
 *   (`oidcSecondFactor`).
 * - Not linked, and the provider email is unverified (its `emailVerifiedClaim` not `true`) or
 *   absent: refused. Nothing is written.
 * - Not linked, and the verified email is an account's: nothing is linked automatically. A
 *   pending link waits in this browser until the account's owner signs in (as usual, MFA
 *   included) and confirms it (oidc-identities.ts `confirmPendingLink`).
 * - Not linked, and nobody has the email: a new account (sign-up through the provider), linked,
 *   with an unusable random password (a password reset sets one), throttled as sign-ups.
 */
import { randomBytes } from 'node:crypto';
import { userTenant } from '../tenancy/tenant';
import { DomainError } from '../errors';
import { ensurePersonalWorkspace } from '../workspaces/workspaces';
import { auditEvent, iso, type RequestContext } from './deps';
import { emailGuard, USER_SK, UserEntity, type UserItem } from './entities';
import { findUserIdByEmail, SIGNUPS_PER_IP_PER_HOUR, userView, type UserView } from './accounts';
import { hashPassword } from './password-policy';
import { issueSession, type IssuedSession } from './sessions';
import { hasSecondFactor, passSecondFactor, triesSecondFactor, type SecondFactorInput } from './sign-in';
import { countPerIp } from './throttle';
import { newId } from './tokens';
import { addLink, linkedUser } from './oidc-identities';
import { claimPending, countPendingAttempt, finishOidc, getPending, OidcRefused, putPending, type OidcDeps } from './oidc-flow';

export type CallbackOutcome =
  | { kind: 'signed-in'; user: UserView; session: IssuedSession }
  | { kind: 'second-factor' }
  | { kind: 'link' }
  | { kind: 'error'; reason: OidcRefused['reason']; detail: string };

export async function oidcCallback(deps: OidcDeps, callbackUrl: URL, binding: string | undefined, ctx: RequestContext): Promise<CallbackOutcome> {
  try {
    const identity = await finishOidc(deps, callbackUrl, binding);
    const subjectHash = await deps.blind.blindIndex('oidc-subject', identity.issuerSubject);
    const provider = identity.provider.id;
    const linked = await linkedUser(deps, subjectHash);
    if (linked) {
      const user = await deps.repo.get(userTenant(linked), UserEntity, USER_SK);
      if (!user) throw new OidcRefused('state', 'the linked account no longer exists');
      if (await hasSecondFactor(deps, linked, user)) {
        await putPending(deps, binding!, { kind: 'second-factor', userId: linked, provider, subjectHash });
        return { kind: 'second-factor' };
      }
      return { kind: 'signed-in', ...(await signedInVia(deps, linked, user, provider, false, ctx)) };
    }
    // Linking and sign-up trust the email: only a verified one.
    if (!identity.email) throw new OidcRefused('no-email');
    if (!identity.emailVerified) throw new OidcRefused('unverified-email');
    const owner = await findUserIdByEmail(deps, identity.email);
    if (owner) {
      await putPending(deps, binding!, { kind: 'link', userId: owner, provider, subjectHash });
      return { kind: 'link' };
    }
    return { kind: 'signed-in', ...(await signUpVia(deps, identity.email, provider, subjectHash, ctx)) };
  } catch (err) {
    if (err instanceof OidcRefused) return { kind: 'error', reason: err.reason, detail: err.message };
    throw err;
  }
}

async function signedInVia(deps: OidcDeps, userId: string, user: Pick<UserItem, 'tokenRevision' | 'tier' | 'email' | 'mfaEnabled' | 'createdAt'>, provider: string, mfa: boolean, ctx: RequestContext) {
  const session = await issueSession(deps, userId, user, ctx);
  await auditEvent(deps, userTenant(userId), user.tier, ctx, 'auth.login.succeeded', `user#${userId}`, { sessionId: session.sessionId, via: 'oidc', provider, mfa });
  return { user: userView(userId, user), session };
}

async function signUpVia(deps: OidcDeps, email: string, provider: string, subjectHash: string, ctx: RequestContext) {
  await countPerIp(deps, 'signup', ctx.ip, SIGNUPS_PER_IP_PER_HOUR, 3600_000);
  const userId = newId();
  const tenant = userTenant(userId);
  const user: UserItem = {
    email: email.trim(),
    // Nobody knows it: the account signs in through its provider until a password reset sets one.
    passwordHash: await hashPassword(randomBytes(32).toString('base64url')),
    tier: 'free',
    tokenRevision: 1,
    mfaEnabled: false,
    createdAt: iso(deps.now()),
  };
  const guard = emailGuard(await deps.blind.blindIndex('email', email));
  const tx = deps.repo.tx(tenant).createGlobal(guard.pk, guard.sk, { userId }).create(UserEntity, USER_SK, user);
  const linked = addLink(deps, tx, userId, { provider, subjectHash, email: user.email });
  try {
    await tx.commit();
  } catch (err) {
    // A concurrent sign-up took the email, or a concurrent callback linked the identity: start again.
    if (err instanceof DomainError && err.kind === 'conflict') throw new OidcRefused('state', 'a concurrent sign-up won');
    throw err;
  }
  await auditEvent(deps, tenant, user.tier, ctx, 'auth.signup', `user#${userId}`, { via: 'oidc', provider });
  await auditEvent(deps, tenant, user.tier, ctx, 'auth.identity.linked', `user#${userId}`, { identityId: linked.id, provider });
  await ensurePersonalWorkspace(deps, userId, user.tier);
  return signedInVia(deps, userId, user, provider, false, ctx);
}

/**
 * The second factor of this browser's pending provider sign-in: the password sign-in's factors
 * and checks (identity/sign-in.ts), 5 tries, then a session for exactly one caller.
 */
export async function oidcSecondFactor(
  deps: OidcDeps,
  binding: string | undefined,
  input: SecondFactorInput,
  ctx: RequestContext,
): Promise<{ user: UserView; session: IssuedSession }> {
  const gone = () => new DomainError('unauthenticated', 'This provider sign-in is over (expired, finished or too many tries): sign in again', { code: 'oidc-expired' });
  const pending = await getPending(deps, binding, 'second-factor');
  if (!pending || !binding) throw gone();
  const user = await deps.repo.get(userTenant(pending.userId), UserEntity, USER_SK);
  if (!user) throw gone();
  if (triesSecondFactor(input) && !(await countPendingAttempt(deps, binding))) throw gone();
  const mfa = await passSecondFactor(deps, pending.userId, user, input, ctx);
  if (!(await claimPending(deps, binding, pending))) throw gone();
  return signedInVia(deps, pending.userId, user, pending.provider, mfa, ctx);
}
