/**
 * Magic links, the sign-in half (the `signIn` function: it holds the second factors). A link
 * works once (a conditional delete claims it: of concurrent uses exactly one gets a session),
 * until its expiry, and in the browser that asked (its cookie's secret matches the stored hash).
 * Opened in another browser, it needs the 6-digit code the asking browser shows: each try
 * takes a slot on the link first (a conditional write) and the link dies at the cap.
 * MFA applies as after a password (sign-in.ts passSecondFactor).
 */
import { userTenant } from '../tenancy/tenant';
import { DomainError } from '../errors';
import { auditEvent, type IdentityDeps, type RequestContext } from './deps';
import type { Stored } from '../data/repository';
import { getCredential } from './credential-integrity';
import { MagicLinkCredential, MagicLinkEntity, magicLinkSk, USER_SK, UserEntity, type MagicLinkItem } from './entities';
import { magicCodeSecret } from './magic-link-request';
import { passSecondFactor, triesSecondFactor, type SecondFactorInput } from './sign-in';
import { issueSession, type IssuedSession } from './sessions';
import { clearAccountFailures, countPerIp, loginThrottleKeys, takeAttemptSlots } from './throttle';
import { parseToken, secretMatches } from './tokens';
import { userView, type UserView } from './accounts';

/** Codes typed for one link before it dies: a 6-digit code then falls to a guess with odds 5 in a million. */
export const MAGIC_CODE_ATTEMPTS = 5;
/** Link uses one address may try per hour (each is a lookup). */
const MAGIC_SIGN_INS_PER_IP_PER_HOUR = 300;

const invalidLink = () =>
  new DomainError('invalid', 'This sign-in link is invalid, was already used or has expired; ask for a new one', {
    code: 'invalid-magic-link',
    fields: [{ in: 'body', field: 'token', message: 'is invalid, used or expired', code: 'invalid' }],
  });

export interface MagicSignInInput extends SecondFactorInput {
  token: string;
  /** The code shown in the browser that asked, when this browser is another one. */
  code?: string;
}

export async function signInWithMagicLink(
  deps: IdentityDeps,
  input: MagicSignInInput,
  browserSecret: string | undefined,
  ctx: RequestContext,
): Promise<{ user: UserView; session: IssuedSession }> {
  await countPerIp(deps, 'magic-link-sign-in', ctx.ip, MAGIC_SIGN_INS_PER_IP_PER_HOUR, 3600_000);
  const parsed = parseToken(input.token);
  if (!parsed || parsed.kind !== 'magic') throw invalidLink();
  const { userId } = parsed;
  const tenant = userTenant(userId);
  const sk = magicLinkSk(parsed.id);
  let link = await getCredential(deps.repo, tenant, MagicLinkCredential, sk);
  if (!link || !secretMatches(parsed.secret, link.secretHash) || link.expiresAt <= deps.now()) throw invalidLink();
  const sameBrowser = browserSecret !== undefined && secretMatches(browserSecret, link.browserHash);
  if (!sameBrowser) link = await checkCode(deps, parsed.id, link, input.code, userId);
  const user = await deps.repo.get(tenant, UserEntity, USER_SK);
  if (!user) throw invalidLink();
  // A second factor tried here is throttled with sign-in's counters (the link alone must not make a code oracle).
  const keys = triesSecondFactor(input) ? await loginThrottleKeys(deps, user.email, ctx.ip) : undefined;
  if (keys) await takeAttemptSlots(deps, keys);
  const mfa = await passSecondFactor(deps, userId, user, input, ctx);
  // The claim: only the request that deletes the version it judged gets a session.
  await deps.repo.delete(tenant, MagicLinkEntity, sk, { expectedVersion: link.version }).catch((err: unknown) => {
    if (err instanceof DomainError && err.kind === 'conflict') throw invalidLink();
    throw err;
  });
  const [session] = await Promise.all([issueSession(deps, userId, user, ctx), keys ? clearAccountFailures(deps, keys) : undefined]);
  const browser = sameBrowser ? 'same' : 'other-with-code';
  await auditEvent(deps, tenant, user.tier, ctx, 'auth.magic-link.used', `user#${userId}`, { linkId: parsed.id, browser });
  await auditEvent(deps, tenant, user.tier, ctx, 'auth.login.succeeded', `user#${userId}`, { sessionId: session.sessionId, via: 'magic-link', mfa });
  return { user: userView(userId, user), session };
}

/** Another browser: the code its asker shows. The slot is taken before the comparison, so concurrent guesses share the cap. */
async function checkCode(
  deps: IdentityDeps,
  linkId: string,
  link: Stored<MagicLinkItem>,
  code: string | undefined,
  userId: string,
): Promise<Stored<MagicLinkItem>> {
  if (code === undefined) {
    throw new DomainError('unauthenticated', 'This link was opened in another browser than the one that asked for it: type the code that browser shows', {
      code: 'magic-link-code-required',
    });
  }
  const tenant = userTenant(userId);
  const sk = magicLinkSk(linkId);
  if (link.codeAttempts >= MAGIC_CODE_ATTEMPTS) {
    await deps.repo.delete(tenant, MagicLinkEntity, sk).catch(() => undefined);
    throw invalidLink();
  }
  const taken = await deps.repo
    .update(tenant, MagicLinkEntity, sk, { codeAttempts: link.codeAttempts + 1 }, { expectedVersion: link.version })
    .catch((err: unknown) => {
      if (err instanceof DomainError && err.kind === 'conflict') return undefined;
      throw err;
    });
  if (!taken) throw new DomainError('conflict', 'Another attempt with this link is under way; try again', { code: 'magic-link-busy' });
  if (!secretMatches(magicCodeSecret(linkId, code), link.codeHash)) {
    throw new DomainError('invalid', 'The code is wrong', {
      code: 'wrong-magic-link-code',
      fields: [{ in: 'body', field: 'code', message: 'is wrong', code: 'invalid' }],
      extra: { attemptsLeft: Math.max(0, MAGIC_CODE_ATTEMPTS - link.codeAttempts - 1) },
    });
  }
  return taken;
}
