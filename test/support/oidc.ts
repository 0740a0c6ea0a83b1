/**
 * Driving an OpenID Connect sign-in over HTTP against the local stack and its real provider
 * (lib/local/oidc-provider.ts): start (the binding cookie and the authorization URL), the
 * provider's login form (its own cookie jar), the callback (redirects not followed).
 */
import { apiUrl } from '../setup/env';
import { call, cookieFrom, freshLoopbackAddress } from './http';

export const OIDC_COOKIE = '__Host-fv_oidc';
export const SESSION_COOKIE = '__Host-fv_session';

/** A throwaway provider account (verified unless `unverified`): the local provider takes any address. */
export function providerEmail(tag: string, verified = true): string {
  return `${verified ? '' : 'unverified-'}${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@oidc.example.com`;
}

/** Starts a sign-in with the stage's provider `provider` (`local`, or `local-entra`: the same issuer read as Entra ID). */
export async function startSignIn(binding?: string, provider = 'local'): Promise<{ authorizationUrl: URL; binding: string }> {
  const r = await call('POST', `/api/v1/auth/oidc/${provider}/start`, { body: {}, cookie: binding, from: freshLoopbackAddress() });
  if (r.status !== 200) throw new Error(`start: ${r.status} ${r.text}`);
  return { authorizationUrl: new URL(r.body.authorizationUrl), binding: cookieFrom(r.headers, OIDC_COOKIE) ?? binding! };
}

/** Signs in at the provider as `email` (password `demo`) and answers the redirect back to flarevault. */
export async function authorizeAtProvider(authorizationUrl: URL, email: string): Promise<URL> {
  const jar = new Map<string, string>();
  const send = async (url: URL, init: RequestInit = {}) => {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  };
  const first = await send(authorizationUrl);
  if (first.status !== 303 && first.status !== 302) throw new Error(`provider authorize: ${first.status} ${await first.text()}`);
  const interaction = new URL(first.headers.get('location')!, authorizationUrl);
  const login = await send(new URL(`${interaction.pathname}/login`, interaction), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password: 'demo' }).toString(),
  });
  if (login.status !== 303) throw new Error(`provider login: ${login.status} ${await login.text()}`);
  const resumed = await send(new URL(login.headers.get('location')!, interaction));
  if (resumed.status !== 303 && resumed.status !== 302) throw new Error(`provider resume: ${resumed.status} ${await resumed.text()}`);
  return new URL(resumed.headers.get('location')!, interaction);
}

export interface CallbackResult {
  readonly status: number;
  readonly location: URL;
  /** `__Host-fv_session=…` when the callback signed in. */
  readonly session?: string;
}

/** The browser's visit of the callback URL with its binding cookie. */
export async function visitCallback(callbackUrl: URL, binding: string | undefined): Promise<CallbackResult> {
  const url = apiUrl(`${callbackUrl.pathname}${callbackUrl.search}`);
  const res = await fetch(url, { redirect: 'manual', headers: binding ? { cookie: binding } : {} });
  await res.text();
  const session = cookieFrom(res.headers, SESSION_COOKIE);
  return { status: res.status, location: new URL(res.headers.get('location') ?? '/', url), session: session && session !== `${SESSION_COOKIE}=` ? session : undefined };
}

/** Start, provider login and callback in one (one browser). */
export async function signInThroughProvider(email: string, binding?: string, provider = 'local') {
  const started = await startSignIn(binding, provider);
  const back = await authorizeAtProvider(started.authorizationUrl, email);
  return { ...(await visitCallback(back, started.binding)), binding: started.binding };
}

/** The outcome a callback redirected to: `signed-in`, or the `oidc` query (and `reason`) of /login. */
export const outcomeOf = (r: CallbackResult) =>
  r.location.pathname === '/' ? 'signed-in' : `${r.location.searchParams.get('oidc')}${r.location.searchParams.get('reason') ? `:${r.location.searchParams.get('reason')}` : ''}`;

/** Links a local-provider identity with the account's (verified) email to the token's user: sign in at the provider, confirm. */
export async function linkedIdentity(token: string, email: string): Promise<{ id: string }> {
  const back = await signInThroughProvider(email);
  if (outcomeOf(back) !== 'link') throw new Error(`provider sign-in: ${outcomeOf(back)}`);
  const r = await call('POST', '/api/v1/auth/identities/pending/confirm', { token, cookie: back.binding });
  if (r.status !== 201) throw new Error(`confirm link: ${r.status} ${r.text}`);
  return r.body.identity as { id: string };
}
