/**
 * @flarevault/sdk (frontend/sdk) against an injected fetch, location, history,
 * sessionStorage and Node's WebCrypto: the PKCE login and its callback, the
 * Session API calls and their typed errors, 410 → the hosted login and back to
 * the same page, logout as a top-level navigation, and the token kept in
 * memory only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import { OPERATIONS } from '../../frontend/core/operations.gen';
import { operationPath } from '../../frontend/core/operation-path';
import {
  ApiError,
  createVault,
  LoginError,
  NotSignedInError,
  SessionExpiredError,
  TooManyRequestsError,
  ValueTooLargeError,
  VersionConflictError,
  type SessionVault,
  type VaultOptions,
} from '../../frontend/sdk/src';
import { SDK_OPERATIONS } from '../../frontend/sdk/src/operations';
import { s256Challenge } from '../../frontend/sdk/src/pkce';

const API = 'https://vault.example.com';
const APP = 'https://app.example.com';
const CLIENT_ID = 'fv_app_test1';
const REDIRECT_URI = `${APP}/callback`;
const TOKEN = 'fv_vs_user1.sess1.secret-that-is-opaque';

const pathOf = (op: keyof typeof SDK_OPERATIONS, params?: Record<string, string>) => operationPath(SDK_OPERATIONS[op], params);
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json', ...headers } });
const problem = (status: number, slug: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  json(status, { type: `https://flarevault.dev/problems/${slug}`, title: slug, status, detail: `${slug} detail`, requestId: 'r1', ...extra }, headers);

interface Sent {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
  init: RequestInit;
}

/** A browser made of plain objects: what the SDK did is in `navigations`, `sent` and `storage`. */
function fakeBrowser(start = `${APP}/notes?tab=2#top`) {
  const storage = new Map<string, string>();
  const navigations: string[] = [];
  const sent: Sent[] = [];
  let answer: (req: Sent) => Response | Promise<Response> = () => problem(500, 'unexpected');
  const location = {
    href: start,
    assign: (url: string) => {
      navigations.push(url);
    },
  };
  const browser = {
    location,
    history: {
      replaceState: (_: unknown, __: string, url?: string | URL | null) => {
        if (url) location.href = new URL(String(url), location.href).href;
      },
    },
    sessionStorage: {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
      removeItem: (k: string) => void storage.delete(k),
    },
    crypto: webcrypto as unknown as Crypto,
    fetch: (async (input: string, init: RequestInit = {}) => {
      const req: Sent = {
        method: init.method ?? 'GET',
        url: new URL(input),
        headers: init.headers as Record<string, string>,
        body: init.body === undefined ? undefined : JSON.parse(String(init.body)),
        init,
      };
      sent.push(req);
      return answer(req);
    }) as typeof fetch,
  };
  return {
    browser,
    location,
    storage,
    navigations,
    sent,
    answer(fn: typeof answer) {
      answer = fn;
    },
  };
}

function vaultIn(b: ReturnType<typeof fakeBrowser>, options: Partial<VaultOptions> = {}): SessionVault {
  return createVault({ apiUrl: `${API}/`, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, browser: b.browser, ...options });
}

/** login() → the hosted login's redirect back with a code → handleCallback(): a signed-in vault. */
async function signedIn(b: ReturnType<typeof fakeBrowser>, options: Partial<VaultOptions> = {}): Promise<SessionVault> {
  const vault = vaultIn(b, options);
  void vault.login();
  await until(() => b.navigations.length === 1);
  const authorize = new URL(b.navigations[0]!);
  b.location.href = `${REDIRECT_URI}?code=code-1&state=${authorize.searchParams.get('state')}`;
  b.answer(() => json(200, { sessionToken: TOKEN, expiresAt: '2030-01-01T00:00:00.000Z', tokenType: 'Bearer' }));
  await expect(vaultIn(b, options).handleCallback()).resolves.toBe(true); // a fresh page load: a new SessionVault
  return vault;
}

async function until(probe: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !probe(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(probe()).toBe(true);
}

/** Settles with 'pending' when `p` has not settled after a few turns of the event loop. */
async function settled(p: Promise<unknown>): Promise<unknown> {
  return Promise.race([p.then((v) => ({ value: v }), (e: unknown) => ({ error: e })), new Promise((r) => setTimeout(() => r('pending'), 30))]);
}

test('the SDK operations exist in the shared generated table', () => {
  for (const op of Object.values(SDK_OPERATIONS)) expect(OPERATIONS[op]).toBeDefined();
});

test('S256 is the RFC 7636 appendix B vector', async () => {
  await expect(s256Challenge(webcrypto as unknown as Crypto, 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).resolves.toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
});

/** A vault signed in on this page (handleCallback ran on it). */
async function pageVault(options: Partial<VaultOptions> = {}) {
  const b = fakeBrowser();
  const vault = vaultIn(b, options);
  void vaultIn(b, options).login();
  await until(() => b.navigations.length === 1);
  const back = b.location.href;
  b.location.href = `${REDIRECT_URI}?code=c&state=${new URL(b.navigations[0]!).searchParams.get('state')}`;
  b.answer(() => json(200, { sessionToken: TOKEN, expiresAt: '2030-01-01T00:00:00.000Z', tokenType: 'Bearer' }));
  await vault.handleCallback();
  expect(b.location.href).toBe(back);
  b.sent.length = 0;
  b.navigations.length = 0;
  return { b, vault };
}

describe('login and the callback', () => {
  test('login() navigates top-level to authorize with client id, exact redirect URI, state and an S256 challenge of the stored verifier', async () => {
    const b = fakeBrowser();
    void vaultIn(b).login();
    await until(() => b.navigations.length === 1);
    const url = new URL(b.navigations[0]!);
    expect(url.origin + url.pathname).toBe(API + pathOf('authorize'));
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const pending = JSON.parse([...b.storage.values()][0]!) as { state: string; verifier: string; returnTo: string };
    expect([...b.storage.keys()]).toEqual([`flarevault.login.${CLIENT_ID}`]);
    expect(pending.state).toBe(url.searchParams.get('state'));
    expect(pending.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pending.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pending.verifier).not.toBe(pending.state);
    expect(url.searchParams.get('code_challenge')).toBe(await s256Challenge(webcrypto as unknown as Crypto, pending.verifier));
    expect(url.searchParams.has('code_verifier')).toBe(false);
    expect(pending.returnTo).toBe(`${APP}/notes?tab=2#top`);
    expect(b.sent).toEqual([]);
  });

  test('handleCallback() exchanges the code with the verifier, keeps the token in memory only and returns to the page the login started from', async () => {
    const b = fakeBrowser();
    const vault = await signedIn(b);
    const exchange = b.sent[0]!;
    expect(exchange.method).toBe('POST');
    expect(exchange.url.href).toBe(API + pathOf('callback'));
    expect(exchange.init.credentials).toBe('omit');
    expect(exchange.body).toEqual({ client_id: CLIENT_ID, code: 'code-1', code_verifier: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), redirect_uri: REDIRECT_URI });
    expect(b.location.href).toBe(`${APP}/notes?tab=2#top`);
    expect(b.storage.size).toBe(0); // verifier and state gone; the token was never stored
    expect(vault.signedIn).toBe(false); // the vault of the page before the redirect never learns the token
  });

  test('the vault that handled the callback sends the token as a bearer; a page load later it is gone', async () => {
    const { b, vault } = await pageVault();
    expect(vault.signedIn).toBe(true);
    expect(vault.expiresAt).toBe('2030-01-01T00:00:00.000Z');
    b.answer(() => json(200, { key: 'k', value: 1, version: 1, updatedAt: 'now' }));
    await vault.get('k');
    expect(b.sent[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(b.sent[0]!.init.credentials).toBe('omit');
    expect(b.storage.size).toBe(0);
    expect(vaultIn(b).signedIn).toBe(false); // a reload: memory only
  });

  test.each([
    ['a state this page did not start', (state: string) => `code=c1&state=${state}x`, 'state-mismatch'],
    ['an error from the hosted login', (state: string) => `error=access_denied&error_description=nope&state=${state}`, 'access_denied'],
  ])('handleCallback() refuses %s without any request, and removes the answer from the address bar', async (_name, query, code) => {
    const b = fakeBrowser();
    void vaultIn(b).login();
    await until(() => b.navigations.length === 1);
    const state = new URL(b.navigations[0]!).searchParams.get('state')!;
    b.location.href = `${REDIRECT_URI}?${query(state)}&keep=1`;
    const err = await vaultIn(b).handleCallback().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoginError);
    expect((err as LoginError).code).toBe(code);
    expect(b.sent).toEqual([]);
    expect(b.location.href).toBe(`${REDIRECT_URI}?keep=1`);
    expect(b.storage.size).toBe(0);
  });

  test('handleCallback() without a pending login refuses the answer (a code injected from elsewhere)', async () => {
    const b = fakeBrowser(`${REDIRECT_URI}?code=c1&state=s1`);
    await expect(vaultIn(b).handleCallback()).rejects.toMatchObject({ name: 'LoginError', code: 'state-mismatch' });
    expect(b.sent).toEqual([]);
  });

  test('handleCallback() is false on an ordinary page load', async () => {
    const b = fakeBrowser(`${APP}/?code=only-code`);
    await expect(vaultIn(b).handleCallback()).resolves.toBe(false);
    expect(b.location.href).toBe(`${APP}/?code=only-code`);
  });

  test('a code the server refuses (invalid-grant) surfaces as an ApiError; no token', async () => {
    const b = fakeBrowser();
    void vaultIn(b).login();
    await until(() => b.navigations.length === 1);
    b.location.href = `${REDIRECT_URI}?code=used&state=${new URL(b.navigations[0]!).searchParams.get('state')}`;
    b.answer(() => problem(400, 'invalid-grant'));
    const vault = vaultIn(b);
    await expect(vault.handleCallback()).rejects.toMatchObject({ status: 400, slug: 'invalid-grant' });
    expect(vault.signedIn).toBe(false);
  });
});

describe('the Session API', () => {
  test('get / set / delete / list call their operations, the key as one encoded path segment', async () => {
    const { b, vault } = await pageVault();
    const entry = { key: 'a/b c', value: { n: 1 }, version: 3, updatedAt: '2026-01-01T00:00:00.000Z' };
    b.answer((req) => {
      if (req.method === 'GET' && req.url.pathname.includes('/get/')) return json(200, entry, { etag: '"3"' });
      if (req.method === 'POST') return json(200, { key: 'a/b c', version: 4, size: 8, updatedAt: 'now' });
      if (req.method === 'DELETE') return new Response(null, { status: 204 });
      return json(200, { keys: [{ key: 'a/b c', size: 8, version: 4, createdAt: 'then', updatedAt: 'now' }] });
    });
    await expect(vault.get('a/b c')).resolves.toEqual(entry);
    await expect(vault.set('a/b c', { n: 2 }, { ifVersion: 3 })).resolves.toMatchObject({ version: 4 });
    await expect(vault.delete('a/b c')).resolves.toBe(true);
    await expect(vault.list()).resolves.toEqual([expect.objectContaining({ key: 'a/b c', size: 8 })]);
    expect(b.sent.map((s) => `${s.method} ${s.url.pathname}`)).toEqual([
      `${OPERATIONS[SDK_OPERATIONS.get].method} ${pathOf('get', { key: 'a/b c' })}`,
      `${OPERATIONS[SDK_OPERATIONS.set].method} ${pathOf('set', { key: 'a/b c' })}`,
      `${OPERATIONS[SDK_OPERATIONS.delete].method} ${pathOf('delete', { key: 'a/b c' })}`,
      `${OPERATIONS[SDK_OPERATIONS.list].method} ${pathOf('list')}`,
    ]);
    expect(pathOf('get', { key: 'a/b c' })).toContain('/a%2Fb%20c');
    expect(b.sent[1]!.body).toEqual({ n: 2 });
    expect(b.sent[1]!.headers['if-match']).toBe('"3"');
    expect(b.sent[1]!.headers['content-type']).toBe('application/json');
    expect(b.sent.every((s) => s.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  test('an absent key: get → null, delete → false', async () => {
    const { b, vault } = await pageVault();
    b.answer(() => problem(404, 'value-not-found'));
    await expect(vault.get('nope')).resolves.toBeNull();
    await expect(vault.delete('nope')).resolves.toBe(false);
    expect(vault.signedIn).toBe(true);
  });

  test('set(undefined) is refused before any request', async () => {
    const { b, vault } = await pageVault();
    await expect(vault.set('k', undefined)).rejects.toThrow(TypeError);
    expect(b.sent).toEqual([]);
  });

  test('413 → ValueTooLargeError with the limit; 429 → TooManyRequestsError with Retry-After and the limit; 412 → VersionConflictError', async () => {
    const { b, vault } = await pageVault();
    b.answer(() => problem(413, 'value-too-large', { limit: 16384 }));
    const big = await vault.set('k', 'x'.repeat(20_000)).catch((e: unknown) => e);
    expect(big).toBeInstanceOf(ValueTooLargeError);
    expect(big).toMatchObject({ status: 413, slug: 'value-too-large', limit: 16384 });

    b.answer(() => problem(429, 'rate-limited', { limit: 600 }, { 'retry-after': '17' }));
    const many = await vault.get('k').catch((e: unknown) => e);
    expect(many).toBeInstanceOf(TooManyRequestsError);
    expect(many).toMatchObject({ status: 429, slug: 'rate-limited', retryAfter: 17, limit: 600 });

    b.answer(() => problem(412, 'precondition-failed'));
    await expect(vault.set('k', 1, { ifVersion: 1 })).rejects.toBeInstanceOf(VersionConflictError);
    expect(vault.signedIn).toBe(true);
  });

  test('429 too-many-sessions on the code exchange surfaces with Retry-After', async () => {
    const b = fakeBrowser();
    void vaultIn(b).login();
    await until(() => b.navigations.length === 1);
    b.location.href = `${REDIRECT_URI}?code=c&state=${new URL(b.navigations[0]!).searchParams.get('state')}`;
    b.answer(() => problem(429, 'too-many-sessions', {}, { 'retry-after': '120' }));
    await expect(vaultIn(b).handleCallback()).rejects.toMatchObject({ name: 'TooManyRequestsError', retryAfter: 120, limit: undefined });
  });

  test('401 (revoked) → NotSignedInError and the token is forgotten; without a token nothing is sent', async () => {
    const { b, vault } = await pageVault();
    b.answer(() => problem(401, 'unauthenticated'));
    await expect(vault.get('k')).rejects.toBeInstanceOf(NotSignedInError);
    expect(vault.signedIn).toBe(false);
    b.sent.length = 0;
    await expect(vault.list()).rejects.toBeInstanceOf(NotSignedInError);
    expect(b.sent).toEqual([]);
  });

  test('other failures keep their status and slug; a network failure is status 0', async () => {
    const { b, vault } = await pageVault();
    b.answer(() => problem(400, 'validation-failed', { errors: [{ in: 'path', field: 'key', message: 'bad key' }] }));
    const bad = (await vault.get('bad key!').catch((e: unknown) => e)) as ApiError;
    expect(bad).toBeInstanceOf(ApiError);
    expect(bad.fieldError('key')).toBe('bad key');
    b.answer(() => Promise.reject(new TypeError('Failed to fetch')));
    await expect(vault.list()).rejects.toMatchObject({ status: 0, slug: 'network-error' });
  });

  test('revokeAll() ends every session and forgets the token', async () => {
    const { b, vault } = await pageVault();
    b.answer(() => new Response(null, { status: 204 }));
    await vault.revokeAll();
    expect(b.sent[0]!.url.pathname).toBe(pathOf('revoke'));
    expect(vault.signedIn).toBe(false);
  });
});

describe('410 session-expired', () => {
  test('sends the user through the hosted login once (concurrent calls too) and back to the same page; the calls never settle', async () => {
    const { b, vault } = await pageVault();
    b.location.href = `${APP}/notes?tab=2`;
    b.answer(() => problem(410, 'session-expired'));
    const calls = [vault.get('a'), vault.set('b', 1), vault.list()];
    await until(() => b.navigations.length === 1);
    for (const c of calls) expect(await settled(c)).toBe('pending');
    expect(b.navigations).toHaveLength(1);
    expect(new URL(b.navigations[0]!).pathname).toBe(pathOf('authorize'));
    expect(vault.signedIn).toBe(false);
    expect(JSON.parse([...b.storage.values()][0]!)).toMatchObject({ returnTo: `${APP}/notes?tab=2` });
  });

  test("with onSessionExpired: 'throw' it throws SessionExpiredError instead", async () => {
    const { b, vault } = await pageVault({ onSessionExpired: 'throw' });
    b.answer(() => problem(410, 'session-expired'));
    await expect(vault.get('a')).rejects.toBeInstanceOf(SessionExpiredError);
    expect(b.navigations).toEqual([]);
    expect(vault.signedIn).toBe(false);
  });
});

test('logout() forgets the token and leaves through the hosted logout as a top-level navigation, never a fetch', async () => {
  const { b, vault } = await pageVault();
  void vault.logout({ returnTo: `${APP}/bye` });
  expect(vault.signedIn).toBe(false);
  expect(b.sent).toEqual([]);
  const url = new URL(b.navigations[0]!);
  expect(url.origin + url.pathname).toBe(API + pathOf('logout'));
  expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: CLIENT_ID, post_logout_redirect_uri: `${APP}/bye` });
});

test('options are required', () => {
  expect(() => createVault({ apiUrl: API, clientId: '', redirectUri: REDIRECT_URI })).toThrow('clientId is required');
});

test('the SDK and the shared core never touch localStorage or cookies, and never decode the token', () => {
  const dirs = [join(__dirname, '..', '..', 'frontend', 'sdk', 'src'), join(__dirname, '..', '..', 'frontend', 'core')];
  const code = (f: string) => readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$|\s\/\/\s.*$/gm, '');
  const text = dirs.flatMap((d) => readdirSync(d).map((f) => code(join(d, f)))).join('\n');
  expect(text).toContain('sessionStorage'); // the scan sees code
  expect(text).not.toMatch(/localStorage|document\.cookie|indexedDB|atob\(|jwt/i);
});

test("the dashboard's quick start snippet calls what the SDK has, with the app's client id and redirect URI", async () => {
  const { quickStartSnippet } = await import('../../frontend/src/pages/applications/quick-start-snippet');
  const snippet = quickStartSnippet({ clientId: 'fv_app_quick123', redirectUris: ['https://app.example.com/cb'] }, API);
  expect(snippet).toContain("clientId: 'fv_app_quick123'");
  expect(snippet).toContain("redirectUri: 'https://app.example.com/cb'");
  expect(snippet).toContain(`apiUrl: '${API}'`);
  const sdk = await import('../../frontend/sdk/src');
  for (const [, name] of snippet.matchAll(/import \{ (\w+) \} from '@flarevault\/sdk'/g)) expect(sdk).toHaveProperty(name!);
  const vault = createVault({ apiUrl: API, clientId: 'fv_app_quick123', redirectUri: REDIRECT_URI, browser: fakeBrowser().browser });
  const used = [...snippet.matchAll(/(?<![\w/.])vault\.(\w+)/g)].map((m) => m[1]!);
  expect(used).toEqual(expect.arrayContaining(['handleCallback', 'signedIn', 'login', 'set', 'get']));
  for (const member of used) expect(member in vault).toBe(true);
});
