/**
 * The Authenticator the handler toolkit calls for every non-public route.
 * Credential → principal, from the credential alone:
 *   - `Authorization: Bearer fv_sess_…` or the `__Host-fv_session` cookie (+ CSRF header on unsafe methods)
 *   - `Authorization: Bearer fv_key_…` (API key; scopes checked; refused on `session` routes)
 * Then the workspace: a session's active workspace or an API key's workspace,
 * and the member's CURRENT role in it — one consistent read of the membership
 * on every request, never cached, so a removed member or a lowered role is
 * refused on the very next request. A non-member gets 404 on routes that act
 * on the workspace (`tenancy: 'workspace'`); on `caller` routes the principal
 * falls back to the personal workspace (made here for users from before
 * workspaces). Then the workspace tier's per-minute request allowance is counted
 * (in memory, flushed as atomic increments: see throttle.ts).
 * The credential item, the user (token revision), the member and the workspace
 * come in ONE consistent BatchGetItem per request, so a revoked credential is
 * refused on the very next request in every container; a container only
 * remembers which workspace a credential named, to batch the right keys, and tells the handler
 * toolkit (`tenantGuess`) so a route can start its own read alongside (functions/http/prefetch.ts).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Principal } from '../tenancy/principal';
import { userTenant, workspaceTenant, type Tenant } from '../tenancy/tenant';
import { memberActor, membershipReads } from '../workspaces/workspaces';
import { TtlLru } from '../crypto/lru';
import { DomainError } from '../errors';
import { requiredScopes, type RouteDef } from '../contracts/route';
import { CSRF_HEADER, SESSION_COOKIE } from '../platform/names';
import { limitsFor } from '../platform/tiers';
import { touchApiKey } from './api-keys';
import type { ItemRead } from '../data/repository';
import type { IdentityDeps } from './deps';
import { DecryptionError, KeyNotFoundError } from '../crypto/errors';
import { getCredential, isAuthentic, type CredentialKind, type WithIntegrity } from './credential-integrity';
import { ApiKeyCredential, ApiKeyEntity, apiKeySk, SessionCredential, SessionEntity, sessionSk, USER_SK, UserEntity, type UserItem } from './entities';
import { judgeSession, touchSession } from './sessions';
import { countApiRequest } from './throttle';
import { bearerToken, csrfMatches, hashSecret, parseToken, secretMatches, type ParsedToken } from './tokens';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Only sessions and API keys authenticate requests; reset, magic-link and verification tokens never do. */
const isSignInCredential = (kind: ParsedToken['kind']) => kind === 'session' || kind === 'apiKey';

const unauthenticated = (detail = 'Sign in or send a valid credential') =>
  new DomainError('unauthenticated', detail, { code: 'unauthenticated' });

/** A credential item read in a batch counts only if it authenticates, as getCredential decides. */
const authentic = <T extends WithIntegrity, S extends T>(kind: CredentialKind<T>, item: S | undefined): S | undefined =>
  item && isAuthentic(kind, item) ? item : undefined;

export function readCredential(event: APIGatewayProxyEventV2): { token: string; viaCookie: boolean } | undefined {
  const auth = event.headers?.authorization;
  if (auth) {
    const token = bearerToken(auth);
    return token ? { token, viaCookie: false } : undefined;
  }
  for (const c of event.cookies ?? []) {
    const eq = c.indexOf('=');
    if (eq > 0 && c.slice(0, eq).trim() === SESSION_COOKIE) return { token: c.slice(eq + 1).trim(), viaCookie: true };
  }
  return undefined;
}

/** The credential decision: everything but the workspace role (read per request). */
type CredentialDecision = Omit<Principal, 'viaCookie' | 'tenant' | 'role' | 'tier'> & {
  /** The workspace the credential names. */
  readonly workspaceId: string;
  /** The user's own tier: the personal workspace's tier when it must be made lazily. */
  readonly userTier: Principal['tier'];
};

/** The member and workspace items, when read in the same batch as the credential. */
type Membership = Parameters<typeof memberActor>[4];

/**
 * The handler toolkit's `Authenticator` (functions/http/auth.ts), which api/ injects;
 * typed here by its shape because a domain never imports http/.
 */
export type CredentialAuthenticator = (event: APIGatewayProxyEventV2, route: RouteDef) => Promise<Principal>;

export function createAuthenticator(
  deps: IdentityDeps,
): CredentialAuthenticator & {
  forget(userId: string): void;
  userRead(event: APIGatewayProxyEventV2): UserItem | undefined;
  tenantGuess(event: APIGatewayProxyEventV2): Tenant | undefined;
} {
  /** The user item each request's batch read, so the request's handler need not read it again. */
  const usersRead = new WeakMap<APIGatewayProxyEventV2, UserItem>();

  /**
   * The workspace each credential named when last read here: a guess that lets the credential,
   * user, member and workspace items come in one batch. Never a decision (a wrong guess costs a
   * second read); keyed by user id + token hash so `forget(userId)` can drop a user's entries.
   */
  const workspaceGuess = new TtlLru<string>({ maxEntries: 5_000, ttlMs: 10 * 60_000, now: deps.now });
  const guessKey = (parsed: ParsedToken, token: string) => `${parsed.userId}:${hashSecret(token)}`;

  /**
   * One consistent BatchGetItem: the credential's item, the user (token revision), and the
   * membership and workspace the credential is expected to name. An undecryptable item answers
   * `undefined`, so the caller takes the item-by-item path, which treats it as getCredential does.
   */
  async function readAll<T extends object>(parsed: ParsedToken, credential: ItemRead<T>, workspaceId: string) {
    const tenant = userTenant(parsed.userId);
    try {
      const [item, user, member, workspace] = await deps.repo.getMany([
        credential,
        { tenant, entity: UserEntity, sk: USER_SK },
        ...membershipReads(deps, workspaceId, parsed.userId),
      ] as const);
      return { item, user, membership: [member, workspace] as Membership };
    } catch (err) {
      if (err instanceof DecryptionError || err instanceof KeyNotFoundError) return undefined;
      throw err;
    }
  }

  /** Judges the credential from its items as read now: revocation and expiry count on this very request. */
  async function resolve(parsed: ParsedToken, guess: string): Promise<{ decision: CredentialDecision; membership?: Membership; user: UserItem }> {
    const tenant = userTenant(parsed.userId);
    if (parsed.kind === 'session') {
      const read = await readAll(parsed, { tenant, entity: SessionEntity, sk: sessionSk(parsed.id) }, guess);
      const session = read ? authentic(SessionCredential, read.item) : await getCredential(deps.repo, tenant, SessionCredential, sessionSk(parsed.id));
      const check = judgeSession(deps, parsed, session, read ? read.user : await deps.repo.get(tenant, UserEntity, USER_SK));
      if (!check.ok) {
        if (check.reason === 'expired') {
          throw new DomainError('session-expired', 'Your session has expired; sign in again (your data is intact)', { code: 'session-expired' });
        }
        throw unauthenticated(check.reason === 'revoked' ? 'This session was revoked; sign in again' : undefined);
      }
      await touchSession(deps, parsed.userId, check.session);
      const workspaceId = check.session.workspaceId ?? parsed.userId;
      return {
        decision: { userId: parsed.userId, userTier: check.user.tier, workspaceId, credential: 'session', credentialId: parsed.id, scopes: 'all' },
        membership: workspaceId === guess ? read?.membership : undefined,
        user: check.user,
      };
    }
    const read = await readAll(parsed, { tenant, entity: ApiKeyEntity, sk: apiKeySk(parsed.id) }, guess);
    const [key, user] = read
      ? [authentic(ApiKeyCredential, read.item), read.user]
      : await Promise.all([getCredential(deps.repo, tenant, ApiKeyCredential, apiKeySk(parsed.id)), deps.repo.get(tenant, UserEntity, USER_SK)]);
    if (!key || !user || !secretMatches(parsed.secret, key.secretHash)) throw unauthenticated();
    if (key.revision !== user.tokenRevision) throw unauthenticated('This API key was revoked');
    const expiresAt = key.keyExpiresAt ? Date.parse(key.keyExpiresAt) : Infinity;
    if (expiresAt <= deps.now()) throw unauthenticated('This API key has expired');
    await touchApiKey(deps, parsed.userId, key);
    const workspaceId = key.workspaceId ?? parsed.userId;
    return {
      decision: { userId: parsed.userId, userTier: user.tier, workspaceId, credential: 'api-key', credentialId: parsed.id, scopes: key.scopes },
      membership: workspaceId === guess ? read?.membership : undefined,
      user,
    };
  }

  /** The member's current role in the credential's workspace (read consistently on every request). */
  async function workspaceOf(p: CredentialDecision, route: RouteDef, membership: Membership) {
    try {
      return await memberActor(deps, p.userId, p.workspaceId, p.userTier, membership);
    } catch (err) {
      // A caller route still works for someone removed from their active workspace: it acts on their own items.
      if (route.tenancy === 'caller' && p.workspaceId !== p.userId && err instanceof DomainError && err.kind === 'not-found') {
        return memberActor(deps, p.userId, p.userId, p.userTier);
      }
      throw err;
    }
  }

  const authenticate: CredentialAuthenticator = async (event, route) => {
    const credential = readCredential(event);
    if (!credential) throw unauthenticated();
    const parsed = parseToken(credential.token);
    if (!parsed || !isSignInCredential(parsed.kind)) throw unauthenticated();
    const guessed = guessKey(parsed, credential.token);
    const { decision: p, membership, user } = await resolve(parsed, workspaceGuess.get(guessed) ?? parsed.userId);
    usersRead.set(event, user);
    if (credential.viaCookie && p.credential !== 'session') throw unauthenticated();
    if (route.auth === 'session' && p.credential !== 'session') {
      throw new DomainError('forbidden', 'This action needs a signed-in session, not an API key', { code: 'session-required' });
    }
    const held = p.scopes;
    const missing = route.auth === 'user' && held !== 'all' ? requiredScopes(route).filter((s) => !held.includes(s)) : [];
    if (missing.length) {
      throw new DomainError('forbidden', `This API key lacks the scope ${missing.join(', ')}`, { code: 'insufficient-scope', extra: { scope: missing[0], missing } });
    }
    if (credential.viaCookie && UNSAFE.has(event.requestContext.http.method.toUpperCase())) {
      const given = event.headers?.[CSRF_HEADER];
      if (!given || !csrfMatches(parsed.secret, given)) {
        throw new DomainError('forbidden', `Missing or wrong CSRF token (send the ${CSRF_HEADER} header)`, { code: 'csrf' });
      }
    }
    workspaceGuess.set(guessed, p.workspaceId);
    const actor = await workspaceOf(p, route, membership);
    await countApiRequest(deps, p.userId, limitsFor(actor.tier).apiRequestsPerMinute);
    const { workspaceId: _w, userTier: _t, ...rest } = p;
    return { ...rest, tenant: actor.tenant, role: actor.role, tier: actor.tier, viaCookie: credential.viaCookie, ...(user.emailVerified === false ? { emailUnverified: true as const } : {}) };
  };

  return Object.assign(authenticate, {
    /** The signed-in user as this request's authentication read it (consistently), if it was this authenticator's. */
    userRead(event: APIGatewayProxyEventV2): UserItem | undefined {
      return usersRead.get(event);
    },
    /**
     * The workspace this very token named when its credential last passed here, if it did (not the
     * personal-workspace default: a token never seen passing makes no one read ahead).
     */
    tenantGuess(event: APIGatewayProxyEventV2): Tenant | undefined {
      const credential = readCredential(event);
      const parsed = credential && parseToken(credential.token);
      if (!parsed || !isSignInCredential(parsed.kind)) return undefined;
      const workspaceId = workspaceGuess.get(guessKey(parsed, credential.token));
      return workspaceId ? workspaceTenant(workspaceId) : undefined;
    },
    /** Drop this container's workspace guesses for a user (after a change of active workspace here). */
    forget(userId: string) {
      workspaceGuess.deleteWhere((key) => key.startsWith(`${userId}:`));
    },
  });
}
