/**
 * The authenticator of `auth: 'app'` routes (the Session API): `Authorization: Bearer` with an app
 * session token (`fv_vs_…`) or an automation credential (`fv_auto_…`); nothing else (no cookie, no
 * user session, no API key: 401). The token names its workspace and application, so everything
 * the decision needs comes in ONE consistent BatchGetItem per request, never cached:
 *   app session: the session item, the app user (revision), the identity user (token revision),
 *                the application (enabled, origins) and the workspace (tier);
 *   automation:  the credential item, its service user, the application and the workspace.
 * A revoke (app user revision), a password change or reset (user token revision), a disabled or
 * deleted application, or a deleted credential is therefore refused on the very next request in
 * every container. Order: the application first (so CORS can be decided), then the Origin (403
 * `origin-not-allowed` before any effect), then the credential (401), then expiry (410
 * `session-expired`), then the per-minute allowance (429).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { sessionLifetimeOf } from '../applications/applications';
import { ApplicationEntity, applicationSk, type ApplicationItem } from '../applications/entities';
import { DecryptionError, KeyNotFoundError } from '../crypto/errors';
import type { ItemRead, Stored } from '../data/repository';
import type { RouteDef } from '../contracts/route';
import { DomainError } from '../errors';
import { isAuthentic } from '../identity/credential-integrity';
import { USER_SK, UserEntity } from '../identity/entities';
import type { IdentityDeps } from '../identity/deps';
import { countAppRequest } from '../identity/throttle';
import { bearerToken, parseAppToken, secretMatches, type ParsedAppToken } from '../identity/tokens';
import { limitsFor } from '../platform/tiers';
import { automationUserId, type AppPrincipal } from '../tenancy/principal';
import { userTenant, workspaceTenant, type Tenant } from '../tenancy/tenant';
import { WORKSPACE_SK, WorkspaceEntity, type WorkspaceItem } from '../workspaces/entities';
import type { AppAuthDeps } from './app-sessions';
import {
  AppSessionCredential,
  AppSessionEntity,
  appSessionSk,
  AppUserEntity,
  appUserSk,
  type AppUserItem,
  AutomationCredentialEntity,
  AutomationCredentialKind,
  automationCredentialSk,
  type AutomationCredentialItem,
} from './entities';

export type AppAuthenticatorDeps = AppAuthDeps & Pick<IdentityDeps, 'table'>;

/** How stale `lastSeenAt` may get before a request writes it again (one write per user per minute at most). */
const LAST_SEEN_EVERY_MS = 60_000;

const unauthenticated = (detail = 'Send an app session token (hosted login) or an automation credential as a Bearer token') =>
  new DomainError('unauthenticated', detail, { code: 'unauthenticated' });

/** The bearer token, if any: app credentials never come from a cookie. */
const bearer = (event: APIGatewayProxyEventV2): string | undefined => bearerToken(event.headers?.authorization);

export interface AppAuthenticatorHooks {
  /** Called once the credential named an existing application whose origins admit the request's Origin. */
  readonly allowOrigin: (event: APIGatewayProxyEventV2, origin: string) => void;
  /**
   * Items the route will read for the token's subject (e.g. the vault value of a get), made in the
   * same BatchGetItem as the credential's: one round trip per request. Handed to the handler by
   * `prefetched(event)` only once the credential was accepted.
   */
  readonly prefetch?: (event: APIGatewayProxyEventV2, route: RouteDef, subject: AppSubject) => Promise<readonly ItemRead<any>[] | undefined>;
}

/** Whose data an app credential names (from the token, before it is checked). */
export interface AppSubject {
  readonly tenant: Tenant;
  readonly applicationId: string;
  readonly appUserId: string;
}

/**
 * The Origin rule of every application-CORS route, decided as soon as the application is known
 * (before the credential itself): no Origin (not a browser: n8n, agents, curl) → CORS does not
 * apply; a registered origin → allowed to read the answer; any other → 403 before any effect.
 */
export function admitOrigin(event: APIGatewayProxyEventV2, allowedOrigins: readonly string[], allow: AppAuthenticatorHooks['allowOrigin']): void {
  const origin = event.headers?.origin;
  if (origin === undefined) return;
  if (!allowedOrigins.includes(origin)) {
    throw new DomainError('forbidden', 'This origin is not registered for the application', { code: 'origin-not-allowed', extra: { origin: origin.slice(0, 200) } });
  }
  allow(event, origin);
}

type Judged = {
  principal: AppPrincipal;
  appUser: Stored<AppUserItem> | undefined;
  /** The automation credential as read (its last use is shown to admins). */
  credential?: Stored<AutomationCredentialItem>;
  /** What `prefetch` asked for, in its order. */
  extra: readonly unknown[];
};

export function createAppAuthenticator(deps: AppAuthenticatorDeps, hooks: AppAuthenticatorHooks) {
  async function batch<R extends Parameters<AppAuthDeps['repo']['getMany']>[0]>(reads: R) {
    try {
      return await deps.repo.getMany(reads);
    } catch (err) {
      // An item that does not decrypt under its tenant's keys was not written by us for this key.
      if (err instanceof DecryptionError || err instanceof KeyNotFoundError) throw unauthenticated();
      throw err;
    }
  }

  /** Both kinds of token: the application exists and is on, its workspace exists, the Origin is one it allows. */
  function admitApplication(event: APIGatewayProxyEventV2, application: Stored<ApplicationItem> | undefined, workspace: Stored<WorkspaceItem> | undefined) {
    if (!application || !application.enabled || !workspace) throw unauthenticated();
    admitOrigin(event, application.allowedOrigins, hooks.allowOrigin);
    return { application, workspace };
  }

  async function appSession(event: APIGatewayProxyEventV2, route: RouteDef, t: ParsedAppToken): Promise<Judged> {
    const [workspaceId, applicationId, userId, sessionId] = t.ids as [string, string, string, string];
    const tenant = workspaceTenant(workspaceId);
    const extraReads = (await hooks.prefetch?.(event, route, { tenant, applicationId, appUserId: userId })) ?? [];
    const [session, appUser, user, applicationRead, workspaceRead, ...extra] = await batch([
      { tenant, entity: AppSessionEntity, sk: appSessionSk(applicationId, userId, sessionId) },
      { tenant, entity: AppUserEntity, sk: appUserSk(applicationId, userId) },
      { tenant: userTenant(userId), entity: UserEntity, sk: USER_SK },
      { tenant, entity: ApplicationEntity, sk: applicationSk(applicationId) },
      { tenant, entity: WorkspaceEntity, sk: WORKSPACE_SK },
      ...extraReads,
    ] as const);
    const { application, workspace } = admitApplication(event, applicationRead, workspaceRead);
    if (!session || !isAuthentic(AppSessionCredential, session) || !secretMatches(t.secret, session.secretHash)) throw unauthenticated();
    if (!appUser || !user || session.revision !== appUser.revision || session.userRevision !== user.tokenRevision) {
      throw unauthenticated('This session was revoked; sign in again through the hosted login');
    }
    if (session.expiresAt <= deps.now()) {
      throw new DomainError('session-expired', 'Your session has expired; sign in again through the hosted login (your data is intact)', {
        code: 'session-expired',
        extra: { lifetimeSeconds: sessionLifetimeOf(application) },
      });
    }
    return { principal: principal(tenant, workspace.tier, applicationId, userId, 'app-session', sessionId, application.allowedOrigins), appUser, extra };
  }

  async function automation(event: APIGatewayProxyEventV2, route: RouteDef, t: ParsedAppToken): Promise<Judged> {
    const [workspaceId, applicationId, credentialId] = t.ids as [string, string, string];
    const tenant = workspaceTenant(workspaceId);
    const appUserId = automationUserId(credentialId);
    const extraReads = (await hooks.prefetch?.(event, route, { tenant, applicationId, appUserId })) ?? [];
    const [credential, appUser, applicationRead, workspaceRead, ...extra] = await batch([
      { tenant, entity: AutomationCredentialEntity, sk: automationCredentialSk(applicationId, credentialId) },
      { tenant, entity: AppUserEntity, sk: appUserSk(applicationId, appUserId) },
      { tenant, entity: ApplicationEntity, sk: applicationSk(applicationId) },
      { tenant, entity: WorkspaceEntity, sk: WORKSPACE_SK },
      ...extraReads,
    ] as const);
    const { application, workspace } = admitApplication(event, applicationRead, workspaceRead);
    if (!credential || !isAuthentic(AutomationCredentialKind, credential) || !secretMatches(t.secret, credential.secretHash)) {
      throw unauthenticated('This automation credential is unknown or was revoked');
    }
    return { principal: principal(tenant, workspace.tier, applicationId, appUserId, 'automation', credentialId, application.allowedOrigins), appUser, credential, extra };
  }

  /**
   * Last seen (app user) and last used (automation credential), each written at most once a minute:
   * the admin's lists show them. A lost race changes nothing.
   */
  async function touch({ principal: p, appUser, credential }: Judged): Promise<void> {
    const now = deps.now();
    const stale = (at: string | null) => at === null || now - Date.parse(at) >= LAST_SEEN_EVERY_MS;
    const at = new Date(now).toISOString();
    const lostRace = (err: unknown) => {
      if (!(err instanceof DomainError && err.kind === 'conflict')) throw err;
    };
    await Promise.all([
      appUser && stale(appUser.lastSeenAt)
        ? deps.repo.update(p.tenant, AppUserEntity, appUserSk(p.applicationId, p.appUserId), { lastSeenAt: at }, { expectedVersion: appUser.version }).catch(lostRace)
        : undefined,
      credential && stale(credential.lastUsedAt)
        ? deps.repo.update(p.tenant, AutomationCredentialEntity, automationCredentialSk(p.applicationId, p.credentialId), { lastUsedAt: at }, { expectedVersion: credential.version }).catch(lostRace)
        : undefined,
    ]);
  }

  /** What `prefetch` asked for, by request, once the credential was accepted. */
  const prefetchedBy = new WeakMap<APIGatewayProxyEventV2, readonly unknown[]>();

  async function authenticateApp(event: APIGatewayProxyEventV2, route: RouteDef): Promise<AppPrincipal> {
    const token = bearer(event);
    if (!token) throw unauthenticated();
    const session = parseAppToken(token, 'appSession');
    const auto = session ? undefined : parseAppToken(token, 'automation');
    if (!session && !auto) throw unauthenticated();
    const judged = session ? await appSession(event, route, session) : await automation(event, route, auto!);
    const p = judged.principal;
    await countAppRequest(deps, p.tenant.id, p.applicationId, p.appUserId, limitsFor(p.tier).sessionApiRequestsPerMinute);
    await touch(judged);
    if (judged.extra.length) prefetchedBy.set(event, judged.extra);
    return p;
  }
  return Object.assign(authenticateApp, {
    /** The results of `prefetch` for this request (in its order), if it asked for any and the credential passed. */
    prefetched: (event: APIGatewayProxyEventV2): readonly unknown[] | undefined => prefetchedBy.get(event),
  });
}

function principal(
  tenant: Tenant,
  tier: AppPrincipal['tier'],
  applicationId: string,
  appUserId: string,
  credential: AppPrincipal['credential'],
  credentialId: string,
  allowedOrigins: readonly string[],
): AppPrincipal {
  return { tenant, tier, applicationId, appUserId, credential, credentialId, allowedOrigins };
}
