/**
 * The one fetch wrapper: same origin, cookies included, the CSRF token on
 * every unsafe method, problem+json turned into a typed ApiError, and the
 * session-lost path (410 session-expired, or 401 while signed in) that sends
 * the user to log in and back to where they were.
 */
import { buildUrl, type QueryValues } from '../../core/operation-path';
import { ApiError, problemOf, retryAfterOf, syntheticProblem } from '../../core/problem';

export { ApiError, buildUrl };
export type { Problem } from '../../core/problem';

let csrfToken: string | null = null;
export function setCsrfToken(token: string | null | undefined): void {
  csrfToken = token ?? null;
}

type SessionLostReason = 'expired' | 'signed-out';
const sessionLostListeners = new Set<(reason: SessionLostReason) => void>();
export function onSessionLost(cb: (reason: SessionLostReason) => void): () => void {
  sessionLostListeners.add(cb);
  return () => sessionLostListeners.delete(cb);
}

const RETURN_KEY = 'fv.returnTo';
export function rememberLocation(): void {
  const here = window.location.pathname + window.location.search;
  if (!/^\/(login|signup|forgot|reset)\b/.test(window.location.pathname)) {
    try {
      sessionStorage.setItem(RETURN_KEY, here);
    } catch {
      /* storage disabled: the user lands on the overview instead */
    }
  }
}
export function forgetReturnLocation(): void {
  try {
    sessionStorage.removeItem(RETURN_KEY);
  } catch {
    /* ignore */
  }
}
export function takeReturnLocation(): string {
  try {
    const to = sessionStorage.getItem(RETURN_KEY);
    sessionStorage.removeItem(RETURN_KEY);
    // Only same-origin paths: never an open redirect.
    if (to && to.startsWith('/') && !to.startsWith('//')) return to;
  } catch {
    /* ignore */
  }
  return '/';
}

export interface RequestOptions {
  query?: QueryValues;
  body?: unknown;
  signal?: AbortSignal;
  /** Do not run the session-lost path on 401/410 (used for /me, login, signup). */
  quietAuth?: boolean;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Low-level: returns the Response on success, throws ApiError otherwise. */
export async function send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (UNSAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      credentials: 'include',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(syntheticProblem(0, 'Could not reach the server. Check your connection and try again.'));
  }
  if (res.ok) return res;

  const err = new ApiError(await problemOf(res), retryAfterOf(res));

  if (!opts.quietAuth && (res.status === 410 && err.slug === 'session-expired')) {
    signalSessionLost('expired');
  } else if (!opts.quietAuth && res.status === 401 && err.slug !== 'mfa-required' && csrfToken) {
    signalSessionLost('signed-out');
  }
  throw err;
}

function signalSessionLost(reason: SessionLostReason): void {
  rememberLocation();
  csrfToken = null;
  for (const cb of sessionLostListeners) cb(reason);
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(method, path, opts);
  if (res.status === 204) return undefined as T;
  const ct = res.headers.get('content-type') ?? '';
  if (ct.includes('json')) return (await res.json()) as T;
  return (await res.text()) as unknown as T;
}

/** Human message for an error of unknown shape. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 429 && err.retryAfter) return `${err.message} Try again in ${err.retryAfter} s.`;
    return err.message;
  }
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}
