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
 * workspaces). Then the workspace tier's per-minute request allowance is counted.
 * A per-container cache may reuse a credential decision (not the role) for
 * `sessionCacheMs` (5 s): that is the bound on how long a revoked credential
 * can still be used. A decision never outlives the credential's own expiry.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Principal } from '../tenancy/principal';
import { userTenant } from '../tenancy/tenant';
import { memberActor } from '../workspaces/workspaces';
import { TtlLru } from '../crypto/lru';
import { DomainError } from '../errors';
import { requiredScopes, type RouteDef } from '../contracts/route';
import { CSRF_HEADER, SESSION_COOKIE } from '../platform/names';
import { limitsFor } from '../platform/tiers';
import { touchApiKey } from './api-keys';
import type { IdentityDeps } from './deps';
import { getCredential } from './credential-integrity';
import { ApiKeyCredential, apiKeySk, USER_SK, UserEntity } from './entities';
import { checkSession, touchSession } from './sessions';
import { countApiRequest } from './throttle';
import { csrfMatches, hashSecret, parseToken, secretMatches } from './tokens';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const unauthenticated = (detail = 'Sign in or send a valid credential') =>
  new DomainError('unauthenticated', detail, { code: 'unauthenticated' });

export function readCredential(event: APIGatewayProxyEventV2): { token: string; viaCookie: boolean } | undefined {
  const auth = event.headers?.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S{1,300})$/i.exec(auth.trim());
    return m ? { token: m[1]!, viaCookie: false } : undefined;
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

interface Cached {
  principal: CredentialDecision;
  /** Epoch ms when the credential itself expires: the decision is void from then on. */
  expiresAt: number;
}

/**
 * The handler toolkit's `Authenticator` (functions/http/auth.ts), which api/ injects;
 * typed here by its shape because a domain never imports http/.
 */
export type CredentialAuthenticator = (event: APIGatewayProxyEventV2, route: RouteDef) => Promise<Principal>;

export function createAuthenticator(deps: IdentityDeps): CredentialAuthenticator & { forget(userId: string): void } {
  const cache = new TtlLru<Cached>({ maxEntries: 5_000, ttlMs: deps.config.sessionCacheMs, now: deps.now });

  async function resolve(token: string): Promise<Cached> {
    const parsed = parseToken(token);
    if (!parsed || parsed.kind === 'reset') throw unauthenticated();
    if (parsed.kind === 'session') {
      const check = await checkSession(deps, parsed);
      if (!check.ok) {
        if (check.reason === 'expired') {
          throw new DomainError('session-expired', 'Your session has expired; sign in again (your data is intact)', { code: 'session-expired' });
        }
        throw unauthenticated(check.reason === 'revoked' ? 'This session was revoked; sign in again' : undefined);
      }
      await touchSession(deps, parsed.userId, check.session);
      const { session } = check;
      return {
        principal: {
          userId: parsed.userId,
          userTier: check.user.tier,
          workspaceId: session.workspaceId ?? parsed.userId,
          credential: 'session',
          credentialId: parsed.id,
          scopes: 'all',
        },
        expiresAt: Math.min(session.absoluteExpiry, Date.parse(session.lastSeenAt) + session.idleMs),
      };
    }
    const tenant = userTenant(parsed.userId);
    const [key, user] = await Promise.all([
      getCredential(deps.repo, tenant, ApiKeyCredential, apiKeySk(parsed.id)),
      deps.repo.get(tenant, UserEntity, USER_SK),
    ]);
    if (!key || !user || !secretMatches(parsed.secret, key.secretHash)) throw unauthenticated();
    if (key.revision !== user.tokenRevision) throw unauthenticated('This API key was revoked');
    const expiresAt = key.keyExpiresAt ? Date.parse(key.keyExpiresAt) : Infinity;
    if (expiresAt <= deps.now()) throw unauthenticated('This API key has expired');
    await touchApiKey(deps, parsed.userId, key);
    return {
      principal: {
        userId: parsed.userId,
        userTier: user.tier,
        workspaceId: key.workspaceId ?? parsed.userId,
        credential: 'api-key',
        credentialId: parsed.id,
        scopes: key.scopes,
      },
      expiresAt,
    };
  }

  /** The member's current role in the credential's workspace (one consistent read, every request). */
  async function workspaceOf(p: CredentialDecision, route: RouteDef) {
    try {
      return await memberActor(deps, p.userId, p.workspaceId, p.userTier);
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
    // Keyed by user id + token hash so `forget(userId)` can drop a user's entries.
    const cacheKey = `${parseToken(credential.token)?.userId ?? '-'}:${hashSecret(credential.token)}`;
    let entry = cache.get(cacheKey);
    if (entry && entry.expiresAt <= deps.now()) {
      cache.delete(cacheKey);
      entry = undefined;
    }
    if (!entry) {
      entry = await resolve(credential.token);
      cache.set(cacheKey, entry);
    }
    const p = entry.principal;
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
      if (!given || !csrfMatches(parseToken(credential.token)!.secret, given)) {
        throw new DomainError('forbidden', `Missing or wrong CSRF token (send the ${CSRF_HEADER} header)`, { code: 'csrf' });
      }
    }
    const actor = await workspaceOf(p, route);
    await countApiRequest(deps, p.userId, limitsFor(actor.tier).apiRequestsPerMinute);
    const { workspaceId: _w, userTier: _t, ...rest } = p;
    return { ...rest, tenant: actor.tenant, role: actor.role, tier: actor.tier, viaCookie: credential.viaCookie };
  };

  return Object.assign(authenticate, {
    /** Drop this container's cached decisions for a user (after revoke-all here). */
    forget(userId: string) {
      cache.deleteWhere((key) => key.startsWith(`${userId}:`));
    },
  });
}
