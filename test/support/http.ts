/** A small HTTP client for tests against the local runtime (FLAREVAULT_URL). */
import { apiUrl } from '../setup/env';

export interface CallOptions {
  /** Bearer credential (session token or API key). */
  readonly token?: string;
  /** Raw Cookie header value. */
  readonly cookie?: string;
  readonly csrf?: string;
  readonly body?: unknown;
  /** Sent as is (for malformed-JSON tests). */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

export interface CallResult<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

export async function call<T = any>(method: string, path: string, o: CallOptions = {}): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.cookie) headers.cookie = o.cookie;
  if (o.csrf) headers['x-csrf-token'] = o.csrf;
  let body: string | undefined = o.rawBody;
  if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers['content-type'] ??= 'application/json';
  } else if (o.rawBody !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(apiUrl(path), { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

let counter = 0;
/** A unique email per call. */
export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${Date.now().toString(36)}-${process.pid}-${counter++}@example.com`;
}

export const STRONG_PASSWORD = 'violet-Harbor-quantum-92-lantern';

/** Signs up a fresh user with a bearer token (client: 'token'). */
export async function signUpWithToken(email = uniqueEmail(), password = STRONG_PASSWORD) {
  const r = await call('POST', '/api/v1/auth/signup', { body: { email, password, client: 'token' } });
  if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${r.text}`);
  return { email, password, token: r.body.token as string, userId: r.body.user.id as string, sessionId: r.body.session.id as string };
}

/** Extracts `name=value` for a Set-Cookie header of the response. */
export function cookieFrom(headers: Headers, name: string): string | undefined {
  for (const c of headers.getSetCookie()) {
    const [pair] = c.split(';');
    if (pair!.startsWith(`${name}=`)) return pair;
  }
  return undefined;
}
