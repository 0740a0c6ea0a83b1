/**
 * The hosted login of applications driven over HTTP like a browser and an SDK would:
 * a browser session cookie, authorize (redirects not followed), the code exchange with PKCE.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SESSION_COOKIE } from '../../functions/platform/names';
import { apiUrl } from '../setup/env';
import { call, cookieFrom, freshLoopbackAddress, signUpWithToken } from './http';

export type TestUser = Awaited<ReturnType<typeof signUpWithToken>>;

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url') };
}

/** A browser session (the dashboard's cookie) of the user, as the hosted login sees it. */
export async function browserCookie(user: Pick<TestUser, 'email' | 'password'>): Promise<string> {
  const r = await call('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password, client: 'browser' }, from: freshLoopbackAddress() });
  if (r.status !== 200) throw new Error(`browser login: ${r.status} ${r.text}`);
  return cookieFrom(r.headers, SESSION_COOKIE)!;
}

/** A request whose redirect is returned, not followed (authorize, logout). */
export async function navigate(path: string, cookie?: string): Promise<{ status: number; location: string | null; body: any; headers: Headers }> {
  const res = await fetch(apiUrl(path), { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const text = await res.text();
  return { status: res.status, location: res.headers.get('location'), body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text, headers: res.headers };
}

export interface TestApp {
  id: string;
  clientId: string;
  workspaceId: string;
  redirectUri: string;
  origin: string;
}

/** Registers an application in the owner's workspace (default: their personal one). */
export async function registerApp(owner: TestUser, o: { workspaceId?: string; origin?: string; sessionLifetimeSeconds?: number } = {}): Promise<TestApp> {
  const workspaceId = o.workspaceId ?? owner.userId;
  const origin = o.origin ?? `http://127.0.0.1:${40000 + Math.floor(Math.random() * 20000)}`;
  const redirectUri = `${origin}/callback`;
  const r = await call('POST', `/api/v1/workspaces/${workspaceId}/applications`, {
    token: owner.token,
    body: { name: 'Vault test app', allowedOrigins: [origin], redirectUris: [redirectUri], ...(o.sessionLifetimeSeconds ? { sessionLifetimeSeconds: o.sessionLifetimeSeconds } : {}) },
  });
  if (r.status !== 201) throw new Error(`register app: ${r.status} ${r.text}`);
  return { id: r.body.application.id, clientId: r.body.application.clientId, workspaceId, redirectUri, origin };
}

export function authorizeQuery(app: Pick<TestApp, 'clientId' | 'redirectUri'>, challenge: string, state = 'st-' + randomBytes(6).toString('hex')): string {
  return new URLSearchParams({ client_id: app.clientId, redirect_uri: app.redirectUri, state, code_challenge: challenge, code_challenge_method: 'S256' }).toString();
}

/** authorize with the browser cookie → the code (and state) from the redirect. */
export async function authorizeCode(app: TestApp, cookie: string, challenge: string): Promise<{ code: string; state: string }> {
  const r = await navigate(`/api/v1/auth/authorize?${authorizeQuery(app, challenge)}`, cookie);
  if (r.status !== 302 || !r.location?.startsWith(app.redirectUri)) throw new Error(`authorize: ${r.status} ${r.location} ${JSON.stringify(r.body)}`);
  const u = new URL(r.location);
  return { code: u.searchParams.get('code')!, state: u.searchParams.get('state')! };
}

export function exchange(app: TestApp, code: string, verifier: string, redirectUri = app.redirectUri, headers: Record<string, string> = {}) {
  return call('POST', '/api/v1/auth/callback', { body: { client_id: app.clientId, code, code_verifier: verifier, redirect_uri: redirectUri }, headers });
}

/** The whole hosted login for a signed-in browser: an app session token. */
export async function appSessionToken(app: TestApp, cookie: string): Promise<string> {
  const { verifier, challenge } = pkcePair();
  const { code } = await authorizeCode(app, cookie, challenge);
  const r = await exchange(app, code, verifier);
  if (r.status !== 200) throw new Error(`callback: ${r.status} ${r.text}`);
  return r.body.sessionToken as string;
}

/** An automation credential of the application (created by its workspace's OWNER/ADMIN). */
export async function automationCredential(owner: TestUser, app: TestApp): Promise<{ secret: string; id: string; appUserId: string }> {
  const r = await call('POST', `/api/v1/workspaces/${app.workspaceId}/applications/${app.id}/credentials`, { token: owner.token, body: { name: 'n8n' } });
  if (r.status !== 201) throw new Error(`automation credential: ${r.status} ${r.text}`);
  return { secret: r.body.secret, id: r.body.credential.id, appUserId: r.body.credential.appUserId };
}

export interface SignedInApp {
  owner: TestUser;
  app: TestApp;
  /** The owner's browser session (the hosted login's cookie). */
  cookie: string;
  /** An app session token of the owner for the app. */
  token: string;
}

/** In a describe block: a fresh owner with a registered application, signed in, with an app session token (filled in by beforeAll). */
export function signedInAppFixture(): SignedInApp {
  const f = {} as SignedInApp;
  beforeAll(async () => {
    f.owner = await signUpWithToken();
    f.app = await registerApp(f.owner);
    f.cookie = await browserCookie(f.owner);
    f.token = await appSessionToken(f.app, f.cookie);
  });
  return f;
}
