/**
 * The hosted login for applications (OAuth 2.1 authorization code with PKCE S256, public clients):
 *
 *   resolveClient(deps, clientId, redirectUri?) -> HostedClient   (400 invalid-client / invalid-redirect-uri)
 *   issueCode(deps, client, userId, { redirectUri, codeChallenge }) -> code   (single use, 60 s)
 *   exchangeCode(deps, client, { code, codeVerifier, redirectUri }) -> session token   (400 invalid-grant)
 *   logoutRedirect(client, postLogoutRedirectUri?) -> where the hosted logout may send the browser
 *
 * The client id and the exact redirect URI are checked before anything else, and a failure is a
 * 400, never a redirect (OAuth 2.1 §4.1.2.1: do not redirect to an unverified URI). A code is bound
 * to its client, redirect URI, PKCE challenge and user; a replayed code is refused and the session
 * it minted is ended (OAuth 2.1 §4.1.3).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { applicationByClientId, sessionLifetimeOf } from '../applications/applications';
import type { ApplicationItem } from '../applications/entities';
import type { Stored } from '../data/repository';
import { DomainError } from '../errors';
import { getCredential, withIntegrity } from '../identity/credential-integrity';
import { mintAppToken, newId, parseAppToken, secretMatches } from '../identity/tokens';
import type { Tier } from '../platform/tiers';
import type { Tenant } from '../tenancy/tenant';
import { WORKSPACE_SK, WorkspaceEntity } from '../workspaces/entities';
import { endAppSession, mintAppSession, type AppAuthDeps, type AppTarget } from './app-sessions';
import { AuthCodeCredential, AuthCodeEntity, authCodeSk } from './entities';

/** How long a code may wait for its exchange. */
export const CODE_LIFETIME_MS = 60_000;
/** Used and expired codes are kept this long so a replay is recognised (and its session ended). */
const CODE_KEEP_SECONDS = 600;

export interface HostedClient {
  readonly tenant: Tenant;
  readonly tier: Tier;
  readonly applicationId: string;
  readonly application: Stored<ApplicationItem>;
}

const invalidClient = (where: 'query' | 'body') =>
  new DomainError('invalid', 'Unknown or disabled client id', {
    code: 'invalid-client',
    fields: [{ in: where, field: 'client_id', message: 'no enabled application has this client id' }],
  });

const invalidGrant = (detail: string) => new DomainError('invalid', detail, { code: 'invalid-grant' });

/** The enabled application of a client id, and (when given) its exact registered redirect URI. */
export async function resolveClient(
  deps: AppAuthDeps,
  clientId: string,
  redirectUri?: { readonly value: string; readonly field: string; readonly in: 'query' | 'body' },
  where: 'query' | 'body' = 'query',
): Promise<HostedClient> {
  const found = await applicationByClientId(deps.repo, clientId);
  if (!found || !found.application.enabled) throw invalidClient(where);
  if (redirectUri && !found.application.redirectUris.includes(redirectUri.value)) {
    throw new DomainError('invalid', 'This redirect URI is not registered for the application (compared exactly)', {
      code: 'invalid-redirect-uri',
      fields: [{ in: redirectUri.in, field: redirectUri.field, message: 'must be one of the application’s registered redirect URIs, exactly' }],
    });
  }
  const workspace = await deps.repo.get(found.tenant, WorkspaceEntity, WORKSPACE_SK);
  if (!workspace) throw invalidClient(where);
  return { ...found, tier: workspace.tier };
}

export async function issueCode(deps: AppAuthDeps, client: HostedClient, userId: string, input: { redirectUri: string; codeChallenge: string }): Promise<string> {
  const codeId = newId();
  const { token, secretHash } = mintAppToken('authCode', [client.tenant.id, client.applicationId, codeId]);
  const expiresAt = deps.now() + CODE_LIFETIME_MS;
  await deps.repo.create(
    client.tenant,
    AuthCodeEntity,
    authCodeSk(codeId),
    withIntegrity(AuthCodeCredential, { secretHash, applicationId: client.applicationId, userId, redirectUri: input.redirectUri, codeChallenge: input.codeChallenge, expiresAt }),
    { ttl: Math.ceil(expiresAt / 1000) + CODE_KEEP_SECONDS },
  );
  return token;
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge, compared in constant time. */
function pkceMatches(verifier: string, challenge: string): boolean {
  const a = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function appTarget(client: HostedClient): AppTarget {
  return { tenant: client.tenant, tier: client.tier, applicationId: client.applicationId, lifetimeSeconds: sessionLifetimeOf(client.application) };
}

export async function exchangeCode(
  deps: AppAuthDeps,
  client: HostedClient,
  input: { code: string; codeVerifier: string; redirectUri: string },
): Promise<{ token: string; sessionId: string; userId: string; expiresAt: string; expiresIn: number }> {
  const parsed = parseAppToken(input.code, 'authCode');
  // A code of another application (or workspace) is unknown here.
  if (!parsed || parsed.ids[0] !== client.tenant.id || parsed.ids[1] !== client.applicationId) throw invalidGrant('Unknown authorization code');
  const sk = authCodeSk(parsed.ids[2]!);
  const code = await getCredential(deps.repo, client.tenant, AuthCodeCredential, sk);
  if (!code || code.applicationId !== client.applicationId || !secretMatches(parsed.secret, code.secretHash)) throw invalidGrant('Unknown authorization code');
  if (code.sessionId) {
    await endAppSession(deps, client.tenant, client.applicationId, code.userId, code.sessionId);
    throw invalidGrant('This authorization code was already used; the session it issued has been ended');
  }
  if (code.expiresAt <= deps.now()) throw invalidGrant('This authorization code has expired; sign in again');
  if (code.redirectUri !== input.redirectUri) throw invalidGrant('redirect_uri differs from the one the code was issued for');
  if (!pkceMatches(input.codeVerifier, code.codeChallenge)) throw invalidGrant('code_verifier does not match the code challenge');
  try {
    const minted = await mintAppSession(deps, appTarget(client), code.userId, { codeSk: sk, codeVersion: code.version });
    return { ...minted, userId: code.userId };
  } catch (err) {
    // Exchanged concurrently: that is the replay above, seen from the other side.
    const again = await getCredential(deps.repo, client.tenant, AuthCodeCredential, sk);
    if (again?.sessionId && again.version !== code.version) {
      await endAppSession(deps, client.tenant, client.applicationId, code.userId, again.sessionId);
      throw invalidGrant('This authorization code was already used; the session it issued has been ended');
    }
    throw err;
  }
}

/**
 * Where the hosted logout may send the browser back: a registered redirect URI, or a URL on a
 * registered origin of the client; anything else (or nothing) → undefined (the login page).
 */
export function logoutRedirect(client: HostedClient, postLogoutRedirectUri: string | undefined): string | undefined {
  if (!postLogoutRedirectUri) return undefined;
  if (client.application.redirectUris.includes(postLogoutRedirectUri)) return postLogoutRedirectUri;
  let url: URL;
  try {
    url = new URL(postLogoutRedirectUri);
  } catch {
    return undefined;
  }
  return client.application.allowedOrigins.includes(url.origin) && !url.username && !url.password ? postLogoutRedirectUri : undefined;
}
