/** Sign-up, the account lookup by email, and the profile view (sign-in: sign-in.ts). */
import { userTenant } from '../tenancy/tenant';
import { DomainError } from '../errors';
import type { Tier } from '../platform/tiers';
import { auditEvent, iso, type IdentityDeps, type RequestContext } from './deps';
import { emailGuard, USER_SK, UserEntity, type UserItem } from './entities';
import { assertStrongPassword, hashPassword } from './password-policy';
import { issueSession, type IssuedSession } from './sessions';
import { countPerIp } from './throttle';
import { newId } from './tokens';
import { mailVerificationLink } from './verification-mail';
import { ensurePersonalWorkspace } from '../workspaces/workspaces';

export interface UserView {
  id: string;
  email: string;
  tier: Tier;
  mfaEnabled: boolean;
  /** False only for accounts whose sign-up address awaits its link (absent in the item = verified). */
  emailVerified: boolean;
  createdAt: string;
}

export function userView(id: string, u: Pick<UserItem, 'email' | 'tier' | 'mfaEnabled' | 'createdAt' | 'emailVerified'>): UserView {
  return { id, email: u.email, tier: u.tier, mfaEnabled: u.mfaEnabled, emailVerified: u.emailVerified !== false, createdAt: u.createdAt };
}

/** Sign-ups one address may make per hour (bots); a shared office NAT stays well under it. */
export const SIGNUPS_PER_IP_PER_HOUR = 100;

/** Same answer for an unknown email and a wrong password: no enumeration. */
export const badCredentials = () => new DomainError('unauthenticated', 'Email or password is incorrect', { code: 'invalid-credentials' });

export async function signup(
  deps: IdentityDeps,
  input: { email: string; password: string },
  ctx: RequestContext,
): Promise<{ user: UserView; session: IssuedSession }> {
  // Counted before the strength check: every attempt costs zxcvbn time.
  await countPerIp(deps, 'signup', ctx.ip, SIGNUPS_PER_IP_PER_HOUR, 3600_000);
  await assertStrongPassword(input.password, [input.email, ...input.email.split(/[@.]/)]);
  const userId = newId();
  const tenant = userTenant(userId);
  const blind = await deps.blind.blindIndex('email', input.email);
  const now = iso(deps.now());
  const user: UserItem = {
    email: input.email.trim(),
    passwordHash: await hashPassword(input.password),
    tier: 'free',
    tokenRevision: 1,
    mfaEnabled: false,
    createdAt: now,
    emailVerified: false,
  };
  const guard = emailGuard(blind);
  try {
    await deps.repo.tx(tenant).createGlobal(guard.pk, guard.sk, { userId }).create(UserEntity, USER_SK, user).commit();
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'conflict') {
      // Saying "taken" enumerates accounts, but sign-up cannot hide it without mailing a link; the
      // answer is the same shape and the attempt is rate limited like logins.
      throw new DomainError('conflict', 'An account with this email already exists', {
        code: 'email-taken',
        fields: [{ in: 'body', field: 'email', message: 'is already registered', code: 'taken' }],
      });
    }
    throw err;
  }
  await auditEvent(deps, tenant, user.tier, ctx, 'auth.signup', `user#${userId}`);
  await mailVerificationLink(deps, { id: userId, tier: user.tier }, user.email, 'signup');
  // The personal workspace (id = user id, the user its OWNER) is the first session's active one.
  await ensurePersonalWorkspace(deps, userId, user.tier);
  const session = await issueSession(deps, userId, user, ctx);
  await auditEvent(deps, tenant, user.tier, ctx, 'auth.login.succeeded', `user#${userId}`, { sessionId: session.sessionId, via: 'signup' });
  return { user: userView(userId, user), session };
}

export async function findUserIdByEmail(deps: IdentityDeps, email: string): Promise<string | undefined> {
  const guard = emailGuard(await deps.blind.blindIndex('email', email));
  const item = await deps.repo.getGlobal(guard.pk, guard.sk);
  return typeof item?.userId === 'string' ? item.userId : undefined;
}

export async function getUser(deps: IdentityDeps, userId: string): Promise<UserView> {
  const user = await deps.repo.get(userTenant(userId), UserEntity, USER_SK);
  if (!user) throw new DomainError('unauthenticated', 'The account no longer exists');
  return userView(userId, user);
}

/** The account of an email with its user item, if both exist. */
export async function findUserByEmail(deps: IdentityDeps, email: string) {
  const userId = await findUserIdByEmail(deps, email);
  if (!userId) return undefined;
  const tenant = userTenant(userId);
  const user = await deps.repo.get(tenant, UserEntity, USER_SK);
  return user ? { userId, tenant, user } : undefined;
}

/** Operator action (admin CLI): move a user to another tier. */
export async function setTier(deps: IdentityDeps, email: string, tier: Tier): Promise<string> {
  const found = await findUserByEmail(deps, email);
  if (!found) throw new DomainError('not-found', 'No such user');
  const { userId, tenant, user } = found;
  await deps.repo.update(tenant, UserEntity, USER_SK, { tier }, { expectedVersion: user.version });
  await auditEvent(deps, tenant, tier, { requestId: 'admin-cli', ip: '127.0.0.1', userAgent: 'flarevault-admin' }, 'account.tier.changed', 'system', {
    from: user.tier,
    to: tier,
  });
  return userId;
}
