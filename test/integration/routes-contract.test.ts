/**
 * Properties every manifest route must have, checked over HTTP against the
 * local runtime: bad input is a 400 problem with field detail (never a 500),
 * protected routes refuse a missing credential, the OpenAPI document lists
 * every route, and nothing answers without the edge's origin header.
 */
import { request } from 'node:http';
import { routes } from '../../functions/platform/manifest';
import type { RouteDef } from '../../functions/contracts/route';
import { baseUrl } from '../setup/env';
import { linkedDevice } from '../support/device-authorization';
import { call, signUpWithToken } from '../support/http';

/** A concrete path for a route: params filled with syntactically valid ids. */
function concretePath(route: RouteDef): string {
  return route.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
    name === 'zoneId' || name === 'recordId' ? 'a'.repeat(32) : name === 'provider' ? 'local' : name === 'n' ? '0' : name === 'type' ? 'secret' : name === 'userCode' ? 'BCDF-GHJK' : 'AAAAAAAAAAAAAAAAAAAAAA',
  );
}

/** Routes a user's token or a sync device's token reaches (the Session API's bodies are checked with an app credential in session-vault-auth.test.ts). */
const withBody = routes.filter((r) => r.body && r.auth !== 'app');
const isProblem = (r: { status: number; headers: Headers }) => (r.headers.get('content-type') ?? '').startsWith('application/problem+json');

describe('every route with a body', () => {
  let userToken: string;
  let deviceToken: string;
  const tokenFor = (route: RouteDef) => (route.auth === 'device' ? deviceToken : userToken);
  beforeAll(async () => {
    userToken = (await signUpWithToken()).token;
    deviceToken = (await linkedDevice(userToken)).deviceToken;
  });

  it.each(withBody.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: malformed JSON → 400 problem', async (_k, route) => {
    const r = await call(route.method, concretePath(route), { token: tokenFor(route), rawBody: '{"broken": ' });
    expect(r.status).toBe(400);
    expect(isProblem(r)).toBe(true);
    expect(r.body.type).toMatch(/invalid-json$/);
    expect(r.body.requestId).toBeTruthy();
  });

  it.each(withBody.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: wrong shape → 400 with field detail', async (_k, route) => {
    const r = await call(route.method, concretePath(route), { token: tokenFor(route), body: { unexpected: ['x'], email: 42 } });
    expect(r.status).toBe(400);
    expect(isProblem(r)).toBe(true);
    expect(r.body.errors.length).toBeGreaterThan(0);
    for (const e of r.body.errors) expect(e).toMatchObject({ in: 'body', field: expect.any(String), message: expect.any(String) });
  });

  it.each(withBody.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: non-JSON content type → 415', async (_k, route) => {
    const r = await call(route.method, concretePath(route), { token: tokenFor(route), rawBody: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).toBe(415);
    expect(isProblem(r)).toBe(true);
  });
});

describe('every protected route', () => {
  const protectedRoutes = routes.filter((r) => r.auth !== 'public');
  it.each(protectedRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: no credential → 401 problem', async (_k, route) => {
    const r = await call(route.method, concretePath(route));
    expect(r.status).toBe(401);
    expect(isProblem(r)).toBe(true);
  });

  // Authentication comes before validation: an anonymous caller learns nothing about the schema.
  it.each(protectedRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: no credential and bad input → 401 without field detail', async (_k, route) => {
    const path = route.path.replace(/\{\w+\}/g, '%21%21') + (route.query ? '?limit=not-a-number' : '');
    const r = await call(route.method, path, route.body ? { body: { unexpected: ['x'], email: 42 } } : {});
    expect(r.status).toBe(401);
    expect(isProblem(r)).toBe(true);
    expect(r.body.errors).toBeUndefined();
  });
});

describe('OpenAPI', () => {
  it('documents every manifest route with its operationId', async () => {
    const r = await call('GET', '/api/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    for (const route of routes) {
      const op = r.body.paths[route.path]?.[route.method.toLowerCase()];
      expect(op?.operationId).toBe(route.operationId);
      if (route.body) expect(op.requestBody.content['application/json'].schema).toBeTruthy();
    }
  });
});

describe('the edge', () => {
  it('a request that skipped the edge (no origin header) is refused by the handler itself', async () => {
    // Invoke the handler directly with an API Gateway v2 event lacking x-origin-verify.
    const { handler } = await import('../../functions/api/system');
    const res = (await handler(
      {
        version: '2.0',
        routeKey: 'GET /api/health',
        rawPath: '/api/health',
        rawQueryString: '',
        headers: {},
        isBase64Encoded: false,
        requestContext: { requestId: 'direct', http: { method: 'GET', path: '/api/health', sourceIp: '203.0.113.9', userAgent: 'x', protocol: 'HTTP/1.1' } },
      } as never,
      { awsRequestId: 'direct', functionName: 'system', getRemainingTimeInMillis: () => 10_000 } as never,
    )) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(res.body).type).toMatch(/edge-required$/);
  });

  it('answers an unknown API path with 404 and never serves the SPA for it', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      request(`${baseUrl()}/api/v1/does-not-exist`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(404);
  });
});
