/**
 * The session vault function: the hosted login for applications (authorize, code exchange,
 * logout), the Session API (`auth: 'app'`: identity from the app credential alone, CORS per
 * application) and the admin routes over an application's users (vault-admin.ts, session-admin-routes.ts).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as s from '../contracts/sessions';
import { getMe } from '../contracts/identity';
import { dataLayerFromEnv } from '../data/from-env';
import { DomainError } from '../errors';
import { originDecisions } from '../http/app-cors';
import type { RequestMeta } from '../http/auth';
import { clearSessionCookie } from '../http/cookies';
import { etagOf, ifMatchOf } from '../http/if-match';
import { bind, httpFunction, type Reply } from '../http/handler';
import { endAppSession, revokeAppUser, type AppAuthDeps } from '../app-auth/app-sessions';
import { admitOrigin, createAppAuthenticator } from '../app-auth/authenticate';
import { exchangeCode, issueCode, logoutRedirect, resolveClient } from '../app-auth/hosted-login';
import { readCredential } from '../identity/authenticate';
import { identityFromEnv } from '../identity/from-env';
import { revokeSession } from '../identity/sessions';
import { limitsFor } from '../platform/tiers';
import type { AppPrincipal, Principal } from '../tenancy/principal';
import { deleteValue, getValue, listValues, putValue, valueReads, type PrefetchedEntry, type VaultDeps } from '../vault/values';
import { VAULT_KEY_RE } from '../vault/entities';
import { sessionAdminBindings, sessionPorts } from './session-admin-routes';
import { vaultAdminBindings } from './vault-admin';
import { accessRecorder } from './access-recorder';

const data = dataLayerFromEnv();
const identity = identityFromEnv();
const appDeps: AppAuthDeps = { repo: data.repo, now: Date.now };
const vaultDeps: VaultDeps = { repo: data.repo, table: data.table, blind: data.blind, now: Date.now };
const cors = originDecisions();
const authenticateApp = createAppAuthenticator(
  { ...appDeps, table: data.table },
  {
    allowOrigin: cors.allow,
    // A get's two vault reads ride in the credential's BatchGetItem: one DynamoDB round trip per get.
    prefetch: async (event, route, subject) => {
      const key = event.pathParameters?.key;
      return route === s.getSessionValue && key && VAULT_KEY_RE.test(key) ? valueReads(vaultDeps, subject, key) : undefined;
    },
  },
);
const ctxOf = (m: RequestMeta) => ({ requestId: m.requestId, ip: m.ip, userAgent: m.userAgent });
const subjectOf = (p: AppPrincipal) => ({ tenant: p.tenant, applicationId: p.applicationId, appUserId: p.appUserId });
const found = (status: number, location: string): Reply => ({ status, headers: { location } });

/** The browser's hosted-login session (the dashboard's cookie only), or undefined when there is none that counts. */
async function cookiePrincipal(event: APIGatewayProxyEventV2): Promise<Principal | undefined> {
  if (!readCredential(event)?.viaCookie) return undefined;
  try {
    return await identity.authenticate(event, getMe);
  } catch (err) {
    if (err instanceof DomainError && ['unauthenticated', 'session-expired', 'forbidden', 'not-found'].includes(err.kind)) return undefined;
    throw err;
  }
}

/** Logout and revoke end app-session tokens; an automation credential is revoked by an admin. */
function appSessionOnly(p: AppPrincipal): void {
  if (p.credential !== 'app-session') {
    throw new DomainError('forbidden', 'Automation credentials are revoked by a workspace admin, not by logout', { code: 'session-required' });
  }
}

export const handler = httpFunction(
  'sessions',
  [
    bind(s.authorize, async (req) => {
      const q = req.query;
      // Client id and exact redirect URI first: a failure is a 400, never a redirect.
      const client = await resolveClient(appDeps, q.client_id, { value: q.redirect_uri, field: 'redirect_uri', in: 'query' });
      const principal = await cookiePrincipal(req.event);
      if (!principal) return found(302, `/login?authorize=${encodeURIComponent(req.event.rawQueryString ?? '')}`);
      const code = await issueCode(appDeps, client, principal.userId, { redirectUri: q.redirect_uri, codeChallenge: q.code_challenge });
      const target = new URL(q.redirect_uri);
      target.searchParams.set('code', code);
      target.searchParams.set('state', q.state);
      return found(302, target.toString());
    }),
    bind(s.exchangeAuthorizationCode, async (req) => {
      const b = req.body;
      const client = await resolveClient(appDeps, b.client_id, undefined, 'body');
      admitOrigin(req.event, client.application.allowedOrigins, cors.allow);
      const minted = await exchangeCode(appDeps, client, { code: b.code, codeVerifier: b.code_verifier, redirectUri: b.redirect_uri });
      return { body: { sessionToken: minted.token, expiresAt: minted.expiresAt, expiresIn: minted.expiresIn, tokenType: 'Bearer' } };
    }),
    bind(s.logoutBrowser, async (req) => {
      const q = req.query;
      const client = await resolveClient(appDeps, q.client_id);
      const target = logoutRedirect(client, q.post_logout_redirect_uri);
      if (q.post_logout_redirect_uri && !target) {
        throw new DomainError('invalid', 'post_logout_redirect_uri is neither a registered redirect URI nor on a registered origin of the application', {
          code: 'invalid-redirect-uri',
          fields: [{ in: 'query', field: 'post_logout_redirect_uri', message: 'must be a registered redirect URI, or a URL on a registered origin' }],
        });
      }
      const principal = await cookiePrincipal(req.event);
      if (principal) {
        // The user's tokens for this application end, and the browser is signed out of the hosted login.
        await revokeAppUser(appDeps, client.tenant, client.applicationId, principal.userId);
        await revokeSession(identity.deps, principal, principal.credentialId, ctxOf(req), 'logout');
        identity.authenticate.forget(principal.userId);
      }
      return { ...found(302, target ?? '/login'), cookies: [clearSessionCookie()] };
    }),
    bind(s.listSessionValues, async (req) => ({ body: { keys: await listValues(vaultDeps, subjectOf(req.principal)) } })),
    bind(s.setSessionValue, async (req) => {
      const p = req.principal;
      const written = await putValue(vaultDeps, subjectOf(p), req.params.key, req.body, { ifMatch: ifMatchOf(req.event), limits: limitsFor(p.tier) });
      return { body: { key: req.params.key, version: written.version, size: written.size, updatedAt: written.updatedAt }, headers: { etag: etagOf(written.version) } };
    }),
    bind(s.getSessionValue, async (req) => {
      const entry = await getValue(vaultDeps, subjectOf(req.principal), req.params.key, authenticateApp.prefetched(req.event) as PrefetchedEntry | undefined);
      return { body: { key: entry.key, value: entry.value, version: entry.version, updatedAt: entry.updatedAt }, headers: { etag: etagOf(entry.version) } };
    }),
    bind(s.deleteSessionValue, async (req) => {
      await deleteValue(vaultDeps, subjectOf(req.principal), req.params.key);
      return { status: 204 };
    }),
    bind(s.revokeOwnSessions, async (req) => {
      const p = req.principal;
      appSessionOnly(p);
      await revokeAppUser(appDeps, p.tenant, p.applicationId, p.appUserId);
      return { status: 204 };
    }),
    bind(s.logoutAppSession, async (req) => {
      const p = req.principal;
      appSessionOnly(p);
      await endAppSession(appDeps, p.tenant, p.applicationId, p.appUserId, p.credentialId);
      return { status: 204 };
    }),
    ...sessionAdminBindings(data, appDeps),
    ...vaultAdminBindings(data, sessionPorts(appDeps)),
  ],
  // Members' calls (the admin routes) go to the workspace's access log; app credentials' calls do not (the toolkit skips them).
  { authenticate: identity.authenticate, recordAccess: accessRecorder(), authenticateApp, applicationCors: cors },
);
