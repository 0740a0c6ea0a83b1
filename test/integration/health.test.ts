/**
 * Issue 14 item 3: the public health check is shallow and cached (no AWS call on a cache hit,
 * Cache-Control for a few seconds); the deep dependency check needs a signed-in session and is
 * rate-limited (a burst: at most the limit run it, the rest 429 with Retry-After).
 */
import type { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDb } from '../../functions/aws/client-dynamodb';
import { kms } from '../../functions/aws/client-kms';
import { s3 } from '../../functions/aws/client-s3';
import { sqs } from '../../functions/aws/client-sqs';
import { DEEP_HEALTH_LIMIT, shallowHealth } from '../../functions/api/health';
import { PUBLIC_HEALTH_MAX_AGE_SECONDS } from '../../functions/contracts/system';
import { loadEnv } from '../../functions/platform/env';
import { call, signUpWithToken } from '../support/http';
import { localStackEnv } from '../setup/env';

/** Counts every command sent by the shared SDK clients (the ones the handlers use), by name. */
function countAwsCalls(): { total(): number; names: string[] } {
  const names: string[] = [];
  for (const client of [dynamoDb(), kms(), s3(), sqs()] as Array<{ middlewareStack: { add: Function } }>) {
    client.middlewareStack.add(
      (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
        names.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: `countCalls${Math.random()}` },
    );
  }
  return { total: () => names.length, names };
}

function directEvent(routeKey: string, path: string) {
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { 'x-origin-verify': localStackEnv().originVerifySecret },
    isBase64Encoded: false,
    requestContext: { requestId: 'direct', http: { method: 'GET', path, sourceIp: '203.0.113.9', userAgent: 'x', protocol: 'HTTP/1.1' } },
  } as never;
}
const lambdaContext = { awsRequestId: 'direct', functionName: 'system', getRemainingTimeInMillis: () => 10_000 } as never;

describe('GET /api/health (public, shallow)', () => {
  it('the handler makes at most one AWS call per TTL: none on a cache hit, even for a concurrent burst', async () => {
    const calls = countAwsCalls();
    const { handler } = await import('../../functions/api/system');
    const invoke = () => handler(directEvent('GET /api/health', '/api/health'), lambdaContext) as Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
    const first = await invoke();
    expect(first.statusCode).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ status: 'ok', stage: expect.any(String) });
    expect(calls.names).toEqual(['DescribeTableCommand']);
    const hits = await Promise.all(Array.from({ length: 50 }, invoke));
    expect(hits.every((r) => r.statusCode === 200 && r.headers['cache-control'] === `public, max-age=${PUBLIC_HEALTH_MAX_AGE_SECONDS}`)).toBe(true);
    expect(calls.total()).toBe(1);
  });

  it('refreshes after the TTL, and concurrent misses share one call', async () => {
    let sent = 0;
    let t = 0;
    const dynamo = { send: async (_: DescribeTableCommand) => void sent++ };
    const check = shallowHealth({ env: { ...loadEnv(['table']) }, dynamo, ttlMs: 5000, now: () => t });
    await Promise.all([check(), check(), check()]);
    expect(sent).toBe(1);
    t = 4999;
    await check();
    expect(sent).toBe(1);
    t = 5000;
    await Promise.all([check(), check()]);
    expect(sent).toBe(2);
  });

  it('through the stack: 200, Cache-Control public for a few seconds, no dependency detail', async () => {
    const r = await call('GET', '/api/health');
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe(`public, max-age=${PUBLIC_HEALTH_MAX_AGE_SECONDS}`);
    expect(PUBLIC_HEALTH_MAX_AGE_SECONDS).toBeLessThanOrEqual(10);
    expect(r.body).toEqual({ status: 'ok', stage: expect.any(String) });
  });
});

describe('GET /api/v1/system/health (deep, operators)', () => {
  it('refuses an anonymous caller (401) and an API key (403: a signed-in session is required)', async () => {
    expect((await call('GET', '/api/v1/system/health')).status).toBe(401);
    const { token } = await signUpWithToken();
    const key = await call('POST', '/api/v1/api-keys', { token, body: { name: 'health', scopes: ['account:read'] } });
    expect(key.status).toBe(201);
    const r = await call('GET', '/api/v1/system/health', { token: key.body.secret });
    expect(r.status).toBe(403);
  });

  it('a concurrent burst: at most the limit run the deep check, the rest get 429 with Retry-After', async () => {
    const { token } = await signUpWithToken();
    const burst = await Promise.all(Array.from({ length: 12 }, () => call('GET', '/api/v1/system/health', { token })));
    const ran = burst.filter((r) => r.status !== 429);
    const refused = burst.filter((r) => r.status === 429);
    expect(ran.length).toBeGreaterThanOrEqual(1);
    expect(ran.length).toBeLessThanOrEqual(DEEP_HEALTH_LIMIT.checks);
    for (const r of ran) {
      expect(r.status).toBe(200);
      expect(r.body.dependencies.map((d: { name: string }) => d.name).sort()).toEqual(['dynamodb', 'kms', 's3', 'sqs']);
      expect(r.body.dependencies.every((d: { ok: boolean }) => d.ok)).toBe(true);
    }
    expect(refused.length).toBe(12 - ran.length);
    for (const r of refused) {
      const retryAfter = Number(r.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(DEEP_HEALTH_LIMIT.windowSeconds);
      expect(r.body.type).toMatch(/rate-limited$/);
    }
  });
});
