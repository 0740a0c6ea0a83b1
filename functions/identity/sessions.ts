/**
 * Sessions: one item per session in the user's partition. A session is valid
 * while its revision equals the user's token revision (revoke-all bumps it)
 * and it is inside both its absolute and idle limits. Expired sessions are
 * kept for a grace period so they answer 410 (data intact), not 401.
 */
import { userTenant } from '../tenancy/tenant';
import { DomainError, notFound } from '../errors';
import { limitsFor } from '../platform/tiers';
import { auditEvent, iso, type IdentityDeps, type RequestContext } from './deps';
import { removeAllApiKeys } from './api-keys';
import { getCredential, isAuthentic, withIntegrity } from './credential-integrity';
import { deviceLabel } from './user-agent';
import { SessionCredential, SessionEntity, sessionSk, USER_SK, UserEntity, type SessionItem, type UserItem } from './entities';
import { csrfTokenFor, mintToken, newId, parseToken, secretMatches, type ParsedToken } from './tokens';

export interface IssuedSession {
  readonly token: string;
  readonly csrfToken: string;
  readonly sessionId: string;
  readonly expiresAt: string;
}

export async function issueSession(
  deps: IdentityDeps,
  userId: string,
  user: Pick<UserItem, 'tokenRevision' | 'tier'>,
  ctx: RequestContext,
): Promise<IssuedSession> {
  const tenant = userTenant(userId);
  const now = deps.now();
  const sessionId = newId();
  const { token, secretHash } = mintToken('session', userId, sessionId);
  const csrfToken = csrfTokenFor(parseToken(token)!.secret);
  const absoluteExpiry = now + deps.config.sessionAbsoluteMs;
  await deps.repo.create(
    tenant,
    SessionEntity,
    sessionSk(sessionId),
    withIntegrity(SessionCredential, {
      secretHash,
      revision: user.tokenRevision,
      client: { userAgent: ctx.userAgent, ip: ctx.ip, device: deviceLabel(ctx.userAgent) },
      createdAt: iso(now),
      lastSeenAt: iso(now),
      absoluteExpiry,
      idleMs: deps.config.sessionIdleMs,
      workspaceId: userId,
    }),
    { ttl: Math.ceil((absoluteExpiry + deps.config.expiredSessionGraceMs) / 1000) },
  );
  await enforceSessionLimit(deps, userId, limitsFor(user.tier).concurrentSessions);
  return { token, csrfToken, sessionId, expiresAt: iso(absoluteExpiry) };
}

/**
 * Sensitive changes need a recent sign-in: the request's session was minted (by a password,
 * passkey or signup) less than `recentSignInMs` ago. API keys never qualify. 403
 * `recent-sign-in-required` otherwise: sign out and in again, then retry.
 */
export async function assertRecentSignIn(deps: IdentityDeps, userId: string, sessionId: string | undefined): Promise<void> {
  const session = sessionId ? await getCredential(deps.repo, userTenant(userId), SessionCredential, sessionSk(sessionId)) : undefined;
  if (session && deps.now() - Date.parse(session.createdAt) <= deps.config.recentSignInMs) return;
  throw new DomainError('forbidden', `Sign in again first: this needs a sign-in less than ${Math.round(deps.config.recentSignInMs / 60_000)} minutes old`, {
    code: 'recent-sign-in-required',
  });
}

/** Over the tier's session allowance: the least recently used sessions go. */
async function enforceSessionLimit(deps: IdentityDeps, userId: string, max: number): Promise<void> {
  const tenant = userTenant(userId);
  const all = await allSessions(deps, userId);
  if (all.length <= max) return;
  const oldest = all.sort((a, b) => a.lastSeenAt.localeCompare(b.lastSeenAt)).slice(0, all.length - max);
  await Promise.all(oldest.map((s) => deps.repo.delete(tenant, SessionEntity, s.sk).catch(() => undefined)));
}

async function allSessions(deps: IdentityDeps, userId: string) {
  const tenant = userTenant(userId);
  const out = [];
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(tenant, SessionEntity, { limit: 200, cursor, consistent: true });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

export type SessionCheck =
  | { ok: true; session: SessionItem & { sk: string; version: number }; user: UserItem & { version: number } }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' };

/** Looks a presented session token up; never throws for a bad token, says why instead. */
export async function checkSession(deps: IdentityDeps, parsed: ParsedToken): Promise<SessionCheck> {
  const tenant = userTenant(parsed.userId);
  const [session, user] = await Promise.all([
    getCredential(deps.repo, tenant, SessionCredential, sessionSk(parsed.id)),
    deps.repo.get(tenant, UserEntity, USER_SK),
  ]);
  return judgeSession(deps, parsed, session, user);
}

/** The verdict on a presented session token, given its session and user items as read now. */
export function judgeSession(
  deps: Pick<IdentityDeps, 'now'>,
  parsed: ParsedToken,
  session: (SessionItem & { sk: string; version: number }) | undefined,
  user: (UserItem & { version: number }) | undefined,
): SessionCheck {
  if (!session || !user || !secretMatches(parsed.secret, session.secretHash)) return { ok: false, reason: 'unknown' };
  if (session.revision !== user.tokenRevision) return { ok: false, reason: 'revoked' };
  const now = deps.now();
  if (now >= session.absoluteExpiry || now >= Date.parse(session.lastSeenAt) + session.idleMs) return { ok: false, reason: 'expired' };
  return { ok: true, session, user };
}

/**
 * Makes `workspaceId` the session's active workspace (the caller checked membership). Bound
 * into the session's integrity digest like its other grants. Every container reads the session
 * (and the role) on each request, so all follow on their next one.
 */
export async function setActiveWorkspace(deps: IdentityDeps, userId: string, sessionId: string, workspaceId: string): Promise<void> {
  const tenant = userTenant(userId);
  for (let attempt = 0; ; attempt++) {
    const session = await getCredential(deps.repo, tenant, SessionCredential, sessionSk(sessionId));
    if (!session) throw new DomainError('unauthenticated', 'Sign in or send a valid credential', { code: 'unauthenticated' });
    if (session.workspaceId === workspaceId) return;
    const { integrity } = withIntegrity(SessionCredential, { ...session, workspaceId });
    try {
      await deps.repo.update(tenant, SessionEntity, session.sk, { workspaceId, integrity }, { expectedVersion: session.version });
      return;
    } catch (err) {
      if (attempt < 3 && err instanceof DomainError && err.kind === 'conflict') continue; // a last-seen touch won
      throw err;
    }
  }
}

/** Refresh last-seen at most once a minute (idle expiry needs it; a write per request does not). */
export async function touchSession(deps: IdentityDeps, userId: string, session: { sk: string; version: number; lastSeenAt: string }): Promise<void> {
  if (deps.now() - Date.parse(session.lastSeenAt) < 60_000) return;
  await deps.repo
    .update(userTenant(userId), SessionEntity, session.sk, { lastSeenAt: iso(deps.now()) }, { expectedVersion: session.version })
    .catch(() => undefined); // a concurrent touch won; either value is fine
}

export async function listSessions(deps: IdentityDeps, userId: string, currentId: string | undefined) {
  const user = await deps.repo.get(userTenant(userId), UserEntity, USER_SK);
  const now = deps.now();
  return (await allSessions(deps, userId))
    .filter(
      (s) =>
        isAuthentic(SessionCredential, s) &&
        s.revision === user?.tokenRevision &&
        now < s.absoluteExpiry &&
        now < Date.parse(s.lastSeenAt) + s.idleMs,
    )
    .map((s) => {
      const id = s.sk.slice('SESSION#'.length);
      return {
        id,
        device: s.client.device,
        userAgent: s.client.userAgent,
        ip: s.client.ip,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        expiresAt: iso(Math.min(s.absoluteExpiry, Date.parse(s.lastSeenAt) + s.idleMs)),
        current: id === currentId,
      };
    })
    .sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
}

export async function revokeSession(
  deps: IdentityDeps,
  actor: { userId: string; tier: UserItem['tier'] },
  sessionId: string,
  ctx: RequestContext,
  reason = 'revoked',
): Promise<void> {
  const tenant = userTenant(actor.userId);
  try {
    await deps.repo.delete(tenant, SessionEntity, sessionSk(sessionId));
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'conflict') throw notFound('Session');
    throw err;
  }
  await auditEvent(deps, tenant, actor.tier, ctx, 'auth.session.revoked', `user#${actor.userId}`, { sessionId, reason });
}

/**
 * Bumps the token revision: every session but `keepSessionId`, and every API
 * key, dies at once (every request reads the revision); their items are then removed.
 */
export async function revokeAllSessions(
  deps: IdentityDeps,
  userId: string,
  keepSessionId: string | undefined,
  ctx: RequestContext,
  reason: string,
): Promise<number> {
  const tenant = userTenant(userId);
  for (let attempt = 0; ; attempt++) {
    const user = await deps.repo.get(tenant, UserEntity, USER_SK);
    if (!user) throw notFound('User');
    const next = user.tokenRevision + 1;
    const keep = keepSessionId ? await getCredential(deps.repo, tenant, SessionCredential, sessionSk(keepSessionId)) : undefined;
    const tx = deps.repo.tx(tenant).update(UserEntity, USER_SK, { tokenRevision: next }, { expectedVersion: user.version });
    if (keep) {
      const { integrity } = withIntegrity(SessionCredential, { ...keep, revision: next });
      tx.update(SessionEntity, keep.sk, { revision: next, integrity }, { expectedVersion: keep.version });
    }
    try {
      await tx.commit();
    } catch (err) {
      if (attempt < 3 && err instanceof DomainError && err.kind === 'conflict') continue;
      throw err;
    }
    const others = (await allSessions(deps, userId)).filter((s) => s.sk !== keep?.sk);
    await Promise.all(others.map((s) => deps.repo.delete(tenant, SessionEntity, s.sk).catch(() => undefined)));
    const apiKeysRevoked = await removeAllApiKeys(deps, userId);
    await auditEvent(deps, tenant, user.tier, ctx, 'auth.session.revoked-all', `user#${userId}`, { revoked: others.length, apiKeysRevoked, reason });
    return others.length;
  }
}
