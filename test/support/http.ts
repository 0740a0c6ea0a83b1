/** A small HTTP client for tests against the local runtime (FLAREVAULT_URL). */
import { randomInt } from 'node:crypto';
import { request } from 'node:http';
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
  /**
   * Source address of the connection (any 127.x.y.z reaches the loopback
   * gateway): the client IP the stack sees, as a distinct client would be.
   */
  readonly from?: string;
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
  const res = o.from ? await sendFrom(o.from, method, apiUrl(path), headers, body) : await fetch(apiUrl(path), { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** `fetch` has no source-address option; node:http has (`localAddress`). */
function sendFrom(localAddress: string, method: string, url: string, headers: Record<string, string>, body?: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) for (const one of [v ?? []].flat()) h.append(k, one);
        const status = res.statusCode!;
        resolve(new Response([204, 205, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers: h }));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A loopback address of its own: per-IP allowances (sign-ups) then count this client alone. */
export const freshLoopbackAddress = () => `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;

let counter = 0;
/** A unique email per call. */
export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${Date.now().toString(36)}-${process.pid}-${counter++}@example.com`;
}

export const STRONG_PASSWORD = 'violet-Harbor-quantum-92-lantern';

/**
 * Signs up a fresh user with a bearer token (client: 'token'), as a distinct client (the suite makes more users than one
 * address may), and verifies its email with the mailed link (the local outbox) unless `verified: false`: connecting
 * Cloudflare accounts, inviting and registering applications need a verified address.
 */
export async function signUpWithToken(email = uniqueEmail(), password = STRONG_PASSWORD, o: { verified?: boolean } = {}) {
  const r = await call('POST', '/api/v1/auth/signup', { body: { email, password, client: 'token' }, from: freshLoopbackAddress() });
  if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${r.text}`);
  const token = r.body.token as string;
  if (o.verified !== false) {
    const v = await call('POST', '/api/v1/auth/email/verify', { body: { token: await mailedToken(token, 'Verification token') }, from: freshLoopbackAddress() });
    if (v.status !== 200) throw new Error(`email verification failed: ${v.status} ${v.text}`);
  }
  return { email, password, token, userId: r.body.user.id as string, sessionId: r.body.session.id as string };
}

/** The newest token of `label` (e.g. `Verification token`) in the signed-in user's own local outbox mail. */
export async function mailedToken(sessionToken: string, label: string): Promise<string> {
  const r = await call('GET', '/api/v1/dev/outbox', { token: sessionToken });
  if (r.status !== 200) throw new Error(`outbox: ${r.status} ${r.text}`);
  const found = (r.body.messages as { text: string; sentAt: string }[])
    .map((m) => ({ at: m.sentAt, token: new RegExp(`${label}: (\\S+)`).exec(m.text)?.[1] }))
    .filter((m): m is { at: string; token: string } => Boolean(m.token))
    .sort((a, b) => a.at.localeCompare(b.at));
  if (!found.length) throw new Error(`no "${label}" in the outbox`);
  return found[found.length - 1]!.token;
}

/** Extracts `name=value` for a Set-Cookie header of the response. */
export function cookieFrom(headers: Headers, name: string): string | undefined {
  for (const c of headers.getSetCookie()) {
    const [pair] = c.split(';');
    if (pair!.startsWith(`${name}=`)) return pair;
  }
  return undefined;
}
