/**
 * OpenID Connect sign-in's routes (contracts/oidc.ts), bound into the signIn function. The
 * browser-binding cookie `__Host-fv_oidc` is set when a sign-in starts and read by the callback,
 * the second factor and the link confirmation.
 */
import * as c from '../contracts/oidc';
import { bind, type BoundRoute } from '../http/handler';
import type { RequestMeta } from '../http/auth';
import { oidcBindingCookie, requestCookie, sessionCookie } from '../http/cookies';
import { loadEnv } from '../platform/env';
import { OIDC_BINDING_COOKIE } from '../platform/names';
import type { Principal } from '../tenancy/principal';
import { logger } from '../observability/logger';
import { createOidcProviders } from '../identity/oidc-providers';
import { startOidc, type OidcDeps } from '../identity/oidc-flow';
import { OIDC_STATE_TTL_MS } from '../identity/oidc-items';
import { oidcCallback, oidcSecondFactor } from '../identity/oidc-sign-in';
import { confirmPendingLink, listIdentities, pendingLinkFor, unlinkIdentity } from '../identity/oidc-identities';
import type { IdentityDeps } from '../identity/deps';
import { countPerIp } from '../identity/throttle';
import { signedIn } from './signed-in';

/** Starts one address may make per minute (each is a table write). */
const OIDC_STARTS_PER_IP_PER_MINUTE = 30;

export function oidcRoutes(identity: IdentityDeps): BoundRoute[] {
  const env = loadEnv(['edge', 'oidc']);
  const deps: OidcDeps = { ...identity, oidc: createOidcProviders(env.OIDC_PROVIDERS, env.PUBLIC_URL) };
  const ctxOf = (m: RequestMeta) => ({ requestId: m.requestId, ip: m.ip, userAgent: m.userAgent });
  const actorOf = (p: Principal) => ({ userId: p.userId, tier: p.tier });
  const binding = (cookies: readonly string[] | undefined) => requestCookie(cookies, OIDC_BINDING_COOKIE);
  const clearBinding = oidcBindingCookie('', 0);
  const hostOf = (req: { event: { headers?: Record<string, string | undefined> } }) => req.event.headers?.host;

  return [
    bind(c.listOidcProviders, async () => ({ body: { providers: deps.oidc.list().map((p) => ({ id: p.id, name: p.name })) } })),
    bind(c.startOidcSignIn, async (req) => {
      await countPerIp(deps, 'oidc-start', req.ip, OIDC_STARTS_PER_IP_PER_MINUTE, 60_000);
      const { authorizationUrl, binding: b } = await startOidc(deps, req.params.provider, binding(req.event.cookies), hostOf(req));
      return { body: { authorizationUrl }, cookies: [oidcBindingCookie(b, OIDC_STATE_TTL_MS / 1000)] };
    }),
    bind(c.oidcCallback, async (req) => {
      const host = hostOf(req);
      const url = new URL(`${deps.oidc.redirectUri(host)}${req.event.rawQueryString ? `?${req.event.rawQueryString}` : ''}`);
      const redirect = (to: string, cookies: string[]) => ({ status: 302, headers: { location: `${deps.oidc.home(host)}${to}` }, cookies });
      const outcome = await oidcCallback(deps, url, binding(req.event.cookies), ctxOf(req));
      switch (outcome.kind) {
        case 'signed-in': {
          const maxAge = (Date.parse(outcome.session.expiresAt) - deps.now()) / 1000;
          return redirect('/', [sessionCookie(outcome.session.token, maxAge), clearBinding]);
        }
        case 'second-factor':
        case 'link':
          return redirect(`/login?oidc=${outcome.kind}`, []);
        case 'error':
          logger.warn('oidc callback refused', { reason: outcome.reason, detail: outcome.detail, requestId: req.requestId });
          return redirect(`/login?oidc=error&reason=${outcome.reason}`, [clearBinding]);
      }
    }),
    bind(c.oidcSecondFactor, async (req) => {
      const { user, session } = await oidcSecondFactor(deps, binding(req.event.cookies), req.body, ctxOf(req));
      const reply = signedIn(user, session, req.body.client, 200, deps.now());
      return { ...reply, cookies: [...(reply.cookies ?? []), clearBinding] };
    }),
    bind(c.listLinkedIdentities, async (req) => ({ body: { identities: await listIdentities(deps, req.principal.userId) } })),
    bind(c.getPendingLink, async (req) => ({ body: { pending: await pendingLinkFor(deps, req.principal.userId, binding(req.event.cookies)) } })),
    bind(c.confirmPendingLink, async (req) => ({
      status: 201,
      body: { identity: await confirmPendingLink(deps, actorOf(req.principal), binding(req.event.cookies), ctxOf(req)) },
      cookies: [clearBinding],
    })),
    bind(c.unlinkIdentity, async (req) => {
      await unlinkIdentity(deps, actorOf(req.principal), req.params.id, ctxOf(req));
      return { status: 204 };
    }),
  ];
}
