/**
 * The dashboard's fetch wrapper (frontend/src/api/client.ts), in Node with a
 * stubbed fetch: CSRF header on unsafe methods only, problem+json → ApiError
 * with field errors matched to input names, Retry-After, and the session-lost
 * path on 410 session-expired.
 */
import { ApiError, onSessionLost, request, setCsrfToken } from '../../frontend/src/api/client';

type Call = { url: string; init: RequestInit };
let calls: Call[] = [];
let next: () => Response;
const store = new Map<string, string>();

beforeAll(() => {
  (globalThis as { window?: unknown }).window = { location: { pathname: '/jobs/abc', search: '?x=1' } };
  (globalThis as { sessionStorage?: unknown }).sessionStorage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => store.set(k, v),
    removeItem: (k: string) => store.delete(k),
  };
});

beforeEach(() => {
  calls = [];
  store.clear();
  globalThis.fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return next();
  }) as typeof fetch;
});

const problem = (status: number, slug: string, more: object = {}, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ type: `https://flarevault.dev/problems/${slug}`, title: 't', status, detail: `${slug} detail`, requestId: 'r1', ...more }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });

test('CSRF token only on unsafe methods; same-origin credentials; query built without empties', async () => {
  setCsrfToken('tok');
  next = () => new Response('{"ok":true}', { status: 200, headers: { 'content-type': 'application/json' } });
  await request('GET', '/api/v1/jobs', { query: { limit: 5, cursor: undefined, search: '' } });
  await request('POST', '/api/v1/jobs', { body: { a: 1 } });
  expect(calls[0]!.url).toBe('/api/v1/jobs?limit=5');
  expect((calls[0]!.init.headers as Record<string, string>)['x-csrf-token']).toBeUndefined();
  expect(calls[0]!.init.credentials).toBe('include');
  expect((calls[1]!.init.headers as Record<string, string>)['x-csrf-token']).toBe('tok');
  expect(calls[1]!.init.body).toBe('{"a":1}');
});

test('problem+json becomes an ApiError; field errors match input names', async () => {
  next = () =>
    problem(400, 'validation-failed', {
      errors: [
        { in: 'body', field: 'params.match.content.value', message: 'too long', code: 'too_big' },
        { in: 'body', field: 'zones', message: 'give exactly one of zones, zoneFilter' },
      ],
    });
  const err = await request('POST', '/api/v1/jobs', { body: {} }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  const e = err as ApiError;
  expect(e.status).toBe(400);
  expect(e.slug).toBe('validation-failed');
  expect(e.fieldError('params.match.content.value')).toBe('too long');
  expect(e.fieldError('params.match.content')).toBe('too long');
  expect(e.fieldError('zones')).toBe('give exactly one of zones, zoneFilter');
  expect(e.fieldError('params.set')).toBeUndefined();
  expect(e.unmatchedFieldErrors(['zones']).map((f) => f.field)).toEqual(['params.match.content.value']);
});

test('429 carries Retry-After', async () => {
  next = () => problem(429, 'rate-limited', {}, { 'retry-after': '7' });
  const e = (await request('GET', '/api/v1/jobs').catch((x: unknown) => x)) as ApiError;
  expect(e.retryAfter).toBe(7);
});

test('410 session-expired remembers the location and signals session lost; quietAuth does not', async () => {
  setCsrfToken('tok');
  const seen: string[] = [];
  const off = onSessionLost((r) => seen.push(r));
  next = () => problem(410, 'session-expired');
  await request('GET', '/api/v1/me', { quietAuth: true }).catch(() => undefined);
  expect(seen).toEqual([]);
  await request('GET', '/api/v1/jobs').catch(() => undefined);
  expect(seen).toEqual(['expired']);
  expect(store.get('fv.returnTo')).toBe('/jobs/abc?x=1');
  off();
});

test('a network failure is an ApiError with status 0', async () => {
  globalThis.fetch = (async () => {
    throw new TypeError('fetch failed');
  }) as typeof fetch;
  const e = (await request('GET', '/api/v1/jobs').catch((x: unknown) => x)) as ApiError;
  expect(e).toBeInstanceOf(ApiError);
  expect(e.status).toBe(0);
});
