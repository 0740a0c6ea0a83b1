/**
 * The local runtime (lib/local): the KMS endpoint with the real SDK, the
 * gateway's HTTP API v2 events, the SQS pollers, schedules, the env contract,
 * and process hygiene (no Java left behind).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { envVarNames } from '../../functions/platform/env';
import { outboxMailer } from '../../functions/mail/outbox';
import { functions, routes, type Need } from '../../functions/platform/manifest';
import type { RouteDef } from '../../functions/contracts/route';
import { clientIp } from '../../functions/http/origin';
import { VIEWER_IP_HEADER } from '../../functions/platform/names';
import { startDynamoDbLocal } from '../../lib/local/dynamodb';
import { SECURITY_HEADERS, startGateway, type Gateway } from '../../lib/local/gateway';
import { startKms, type LocalKms } from '../../lib/local/kms';
import { outboxLogLine, watchOutbox } from '../../lib/local/outbox-log';
import type { AnyHandler } from '../../lib/local/lambda';
import { startPollers } from '../../lib/local/pollers';
import { startSchedules } from '../../lib/local/schedules';
import { allNeeds, buildLocalEnv } from '../../lib/local/stack';
import { apiUrl, awsClientConfig, baseUrl, localStackEnv } from '../setup/env';
import { call, signUpWithToken } from '../support/http';
import { isAlive } from '../support/process';


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('local KMS endpoint (real @aws-sdk/client-kms)', () => {
  let kms: LocalKms;
  let client: KMSClient;
  beforeAll(async () => {
    kms = await startKms();
    client = new KMSClient({ endpoint: kms.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  });
  afterAll(async () => {
    client.destroy();
    await kms.stop();
  });

  it('GenerateDataKey → Decrypt round trip under the same EncryptionContext', async () => {
    const ctx = { tenant: 't-1', purpose: 'dek' };
    const dk = await client.send(new GenerateDataKeyCommand({ KeyId: kms.keyArn, KeySpec: 'AES_256', EncryptionContext: ctx }));
    expect(dk.Plaintext).toHaveLength(32);
    expect(dk.KeyId).toBe(kms.keyArn);
    // context key order does not matter (canonicalised)
    const out = await client.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { purpose: 'dek', tenant: 't-1' } }));
    expect(Buffer.from(out.Plaintext!).equals(Buffer.from(dk.Plaintext!))).toBe(true);
    expect(out.KeyId).toBe(kms.keyArn);
  });

  it('Decrypt with a different context fails with InvalidCiphertextException', async () => {
    const dk = await client.send(new GenerateDataKeyCommand({ KeyId: kms.keyId, NumberOfBytes: 16, EncryptionContext: { tenant: 'a' } }));
    expect(dk.Plaintext).toHaveLength(16);
    await expect(client.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { tenant: 'b' } }))).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(client.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }))).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    const tampered = Buffer.from(dk.CiphertextBlob!);
    tampered[tampered.length - 1]! ^= 1;
    await expect(client.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: { tenant: 'a' } }))).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
  });

  it('Encrypt/Decrypt, DescribeKey, alias, and NotFoundException for an unknown key', async () => {
    const enc = await client.send(new EncryptCommand({ KeyId: 'alias/flarevault-local', Plaintext: Buffer.from('hello'), EncryptionContext: { a: '1' } }));
    const dec = await client.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: '1' }, KeyId: kms.keyArn }));
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('hello');
    const d = await client.send(new DescribeKeyCommand({ KeyId: kms.keyArn }));
    expect(d.KeyMetadata).toMatchObject({ KeyId: kms.keyId, Arn: kms.keyArn, Enabled: true, KeyState: 'Enabled', KeyUsage: 'ENCRYPT_DECRYPT' });
    await expect(client.send(new GenerateDataKeyCommand({ KeyId: 'arn:aws:kms:us-east-1:000000000000:key/nope', KeySpec: 'AES_256' }))).rejects.toMatchObject({
      name: 'NotFoundException',
    });
  });

  it('a blob from another master key is refused', async () => {
    const other = await startKms();
    try {
      const c2 = new KMSClient({ endpoint: other.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
      const dk = await c2.send(new GenerateDataKeyCommand({ KeyId: other.keyArn, KeySpec: 'AES_256' }));
      c2.destroy();
      await expect(client.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }))).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    } finally {
      await other.stop();
    }
  });

  it('the global stack KMS is reached through AWS_ENDPOINT_URL_KMS with no endpoint in code', async () => {
    const c = new KMSClient(awsClientConfig());
    try {
      const dk = await c.send(new GenerateDataKeyCommand({ KeyId: process.env.KMS_KEY_ID, KeySpec: 'AES_256', EncryptionContext: { tenant: 'x' } }));
      const out = await c.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { tenant: 'x' } }));
      expect(Buffer.from(out.Plaintext!).equals(Buffer.from(dk.Plaintext!))).toBe(true);
    } finally {
      c.destroy();
    }
  });
});

describe('gateway (CloudFront + HTTP API v2)', () => {
  let gw: Gateway;
  let lastEvent: APIGatewayProxyEventV2 | undefined;
  const secret = 's'.repeat(40);
  const testRoutes: RouteDef[] = [
    { operationId: 'getJob', method: 'GET', path: '/api/v1/jobs/{id}', fn: 'system', auth: 'public', summary: '', tags: [] },
    { operationId: 'listJobs', method: 'GET', path: '/api/v1/jobs/latest', fn: 'system', auth: 'public', summary: '', tags: [] },
    { operationId: 'postBlob', method: 'POST', path: '/api/v1/blobs/{name}', fn: 'system', auth: 'public', summary: '', tags: [] },
    { operationId: 'boom', method: 'GET', path: '/api/v1/boom', fn: 'system', auth: 'public', summary: '', tags: [] },
    { operationId: 'plain', method: 'GET', path: '/api/v1/plain', fn: 'system', auth: 'public', summary: '', tags: [] },
  ];
  const echo: AnyHandler = async (event: APIGatewayProxyEventV2, context) => {
    lastEvent = event;
    if (event.rawPath === '/api/v1/boom') throw new Error('boom (expected in test)');
    if (event.rawPath === '/api/v1/plain') return { hello: 'world', skipped: undefined };
    return {
      statusCode: 201,
      headers: { 'content-type': 'application/octet-stream', 'x-fn': context.functionName, 'x-remaining': String(context.getRemainingTimeInMillis() > 0) },
      cookies: ['a=1; Path=/; HttpOnly', 'b=2; Path=/'],
      body: Buffer.from([0, 1, 2, 255]).toString('base64'),
      isBase64Encoded: true,
    };
  };
  let staticDir: string;

  beforeAll(async () => {
    staticDir = mkdtempSync(join(tmpdir(), 'fv-static-'));
    mkdirSync(join(staticDir, 'assets'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>spa</title>');
    writeFileSync(join(staticDir, 'assets', 'app-1234.js'), 'console.log(1)');
    gw = await startGateway({ port: 0, originVerifySecret: secret, routes: testRoutes, staticDir, resolveHandler: () => echo, onError: () => undefined, bodyLimitBytes: 1024 * 1024 });
  });
  afterAll(() => gw.stop());

  function raw(method: string, path: string, headers: Record<string, string | string[]>, body?: Buffer) {
    return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((res, rej) => {
      const req = request(`${gw.url}${path}`, { method }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c) => chunks.push(c));
        r.on('end', () => res({ status: r.statusCode!, headers: r.headers, body: Buffer.concat(chunks) }));
      });
      for (const [k, v] of Object.entries(headers)) req.setHeader(k, v);
      req.on('error', rej);
      req.end(body);
    });
  }

  it('sets the viewer-IP header from the socket, as the CloudFront function does (a client value is overwritten)', async () => {
    await raw('GET', '/api/v1/plain', { [VIEWER_IP_HEADER]: '203.0.113.9' });
    expect(lastEvent!.headers[VIEWER_IP_HEADER]).toBe('127.0.0.1');
    expect(clientIp(lastEvent!, secret)).toBe('127.0.0.1');
  });

  it('builds a payload v2.0 event and writes back the v2 result', async () => {
    const r = await raw('GET', '/api/v1/jobs/j%201?b=2&a=1&a=3&empty=', {
      'X-Multi': ['one', 'two'],
      Cookie: 'sid=abc; theme=dark',
      'User-Agent': 'jest-agent',
    });
    const e = lastEvent!;
    expect(e.version).toBe('2.0');
    expect(e.routeKey).toBe('GET /api/v1/jobs/{id}');
    expect(e.rawPath).toBe('/api/v1/jobs/j%201');
    expect(e.rawQueryString).toBe('b=2&a=1&a=3&empty=');
    expect(e.queryStringParameters).toEqual({ a: '1,3', b: '2', empty: '' });
    expect(e.pathParameters).toEqual({ id: 'j 1' });
    expect(e.cookies).toEqual(['sid=abc', 'theme=dark']);
    expect(e.headers['x-multi']).toBe('one,two');
    expect(e.headers.cookie).toBeUndefined();
    expect(e.headers['user-agent']).toBe('jest-agent');
    expect(e.headers['x-origin-verify']).toBe(secret);
    expect(Object.keys(e.headers).every((k) => k === k.toLowerCase())).toBe(true);
    expect(e.body).toBeUndefined();
    expect(e.isBase64Encoded).toBe(false);
    expect(e.requestContext).toMatchObject({
      accountId: '000000000000',
      domainName: '127.0.0.1',
      routeKey: 'GET /api/v1/jobs/{id}',
      stage: '$default',
      http: { method: 'GET', path: '/api/v1/jobs/j%201', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest-agent' },
    });
    expect(typeof e.requestContext.requestId).toBe('string');
    expect(e.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(e.requestContext.timeEpoch - Date.now())).toBeLessThan(10_000);

    expect(r.status).toBe(201);
    expect(r.headers['set-cookie']).toEqual(['a=1; Path=/; HttpOnly', 'b=2; Path=/']);
    expect(r.headers['x-fn']).toBe('flarevault-local-system');
    expect(r.headers['x-remaining']).toBe('true');
    expect(r.headers['apigw-requestid']).toBe(e.requestContext.requestId);
    expect([...r.body]).toEqual([0, 1, 2, 255]);
    // CloudFront response-headers policy
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['strict-transport-security']).toContain('max-age=');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['referrer-policy']).toBeDefined();
  });

  it('literal segments win over parameters', async () => {
    await raw('GET', '/api/v1/jobs/latest', {});
    expect(lastEvent!.routeKey).toBe('GET /api/v1/jobs/latest');
    expect(lastEvent!.pathParameters).toBeUndefined();
  });

  it('base64-encodes binary bodies and passes text bodies as text', async () => {
    await raw('POST', '/api/v1/blobs/x', { 'content-type': 'application/octet-stream' }, Buffer.from([1, 2, 3]));
    expect(lastEvent!.isBase64Encoded).toBe(true);
    expect(lastEvent!.body).toBe(Buffer.from([1, 2, 3]).toString('base64'));
    await raw('POST', '/api/v1/blobs/x', { 'content-type': 'application/json; charset=utf-8' }, Buffer.from('{"a":"é"}'));
    expect(lastEvent!.isBase64Encoded).toBe(false);
    expect(lastEvent!.body).toBe('{"a":"é"}');
  });

  it('infers 200 JSON for a result without statusCode (API Gateway rule)', async () => {
    const r = await fetch(`${gw.url}/api/v1/plain`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(await r.json()).toEqual({ hello: 'world' });
  });

  it('handler error → 500 {"message":"Internal Server Error"}', async () => {
    const r = await fetch(`${gw.url}/api/v1/boom`);
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('no route → 404 {"message":"Not Found"}; wrong method too', async () => {
    for (const [m, p] of [['GET', '/api/v1/nothing'], ['DELETE', '/api/v1/jobs/1'], ['GET', '/api']]) {
      const r = await fetch(`${gw.url}${p}`, { method: m });
      expect(r.status).toBe(404);
      expect(await r.json()).toEqual({ message: 'Not Found' });
    }
  });

  it('bodies over the limit → 413', async () => {
    const r = await raw('POST', '/api/v1/blobs/x', { 'content-type': 'application/octet-stream' }, Buffer.alloc(1024 * 1024 + 1));
    expect(r.status).toBe(413);
  });

  it('serves the SPA with index.html fallback and security headers', async () => {
    const a = await fetch(`${gw.url}/assets/app-1234.js`);
    expect(await a.text()).toBe('console.log(1)');
    expect(a.headers.get('content-type')).toContain('javascript');
    expect(a.headers.get('cache-control')).toContain('immutable');
    const deep = await fetch(`${gw.url}/settings/profile`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<title>spa</title>');
    expect(deep.headers.get('x-frame-options')).toBe('DENY');
    const trav = await fetch(`${gw.url}/..%2f..%2fetc%2fpasswd`);
    expect(await trav.text()).not.toContain('root:');
    expect((await fetch(`${gw.url}/assets/missing.js`)).status).toBe(404);
  });

  it('refuses a Host other than 127.0.0.1 or localhost on its own port (DNS rebinding): 421 problem+json, API and SPA', async () => {
    for (const path of ['/api/v1/plain', '/settings/profile', '/assets/app-1234.js']) {
      for (const host of [`evil.example:${gw.port}`, 'evil.example', `127.0.0.1:${gw.port + 1}`, `localhost.evil.example:${gw.port}`, '127.0.0.1']) {
        const r = await raw('GET', path, { host });
        expect([path, host, r.status]).toEqual([path, host, 421]);
        expect(r.headers['content-type']).toBe('application/problem+json');
        expect(JSON.parse(r.body.toString())).toMatchObject({ status: 421, title: 'Misdirected Request', detail: expect.stringContaining(`127.0.0.1:${gw.port}`) });
        expect(r.headers['x-frame-options']).toBe('DENY');
      }
      for (const host of [`127.0.0.1:${gw.port}`, `localhost:${gw.port}`, `LocalHost:${gw.port}`]) {
        expect([path, host, (await raw('GET', path, { host })).status]).toEqual([path, host, 200]);
      }
    }
  });

  it('sends the same security headers as the CloudFront policy in lib/edge.ts', async () => {
    const edge = await import('../../lib/edge');
    expect(SECURITY_HEADERS['content-security-policy']).toBe(edge.CONTENT_SECURITY_POLICY);
    expect(edge.ORIGIN_VERIFY_HEADER).toBe('x-origin-verify');
  });

  it('answers 503 once the integration timeout passes, as API Gateway does, even when the function may run longer', async () => {
    const slow: AnyHandler = () => new Promise((res) => setTimeout(() => res({ statusCode: 200, body: 'late' }), 400));
    const g = await startGateway({ port: 0, originVerifySecret: secret, routes: testRoutes, staticDir, resolveHandler: () => slow, onError: () => undefined, integrationTimeoutMs: 100 });
    try {
      const r = await fetch(`${g.url}/api/v1/plain`);
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({ message: 'Service Unavailable' });
    } finally {
      await g.stop();
    }
  });

  it('shows a placeholder page when no SPA is built', async () => {
    const g = await startGateway({ port: 0, originVerifySecret: secret, routes: [], staticDir: join(staticDir, 'nope') });
    try {
      const r = await fetch(g.url);
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('flarevault');
    } finally {
      await g.stop();
    }
  });
});

describe('every manifest route is served by the local stack gateway', () => {
  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', async (_key, route) => {
    const path = route.path.replace(/\{[^}]+\}/g, 'x');
    const r = await fetch(`${baseUrl()}${path}`, {
      method: route.method,
      ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: '{}', headers: { 'content-type': 'application/json' } }),
    });
    const text = await r.text();
    const gatewayNoRoute = r.status === 404 && text === '{"message":"Not Found"}';
    expect(gatewayNoRoute).toBe(false);
  });

  it('GET /api/health through the stack answers ok (the dependency report is test/integration/health.test.ts)', async () => {
    const r = await fetch(apiUrl('/api/health'));
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ok' });
  });
});

describe('the local mail outbox (GET /api/v1/dev/outbox)', () => {
  it('is not public: anonymous → 401, and the stack refuses a foreign Host before any handler', async () => {
    expect((await call('GET', '/api/v1/dev/outbox')).status).toBe(401);
    const port = new URL(baseUrl()).port;
    const rebound = await new Promise<number>((res, rej) => {
      const req = request(apiUrl('/api/v1/dev/outbox'), { headers: { host: `evil.example:${port}` } }, (r) => {
        r.resume();
        res(r.statusCode!);
      });
      req.on('error', rej);
      req.end();
    });
    expect(rebound).toBe(421);
  });

  it("shows a signed-in user their own mail only, never another user's reset token", async () => {
    const a = await signUpWithToken();
    const b = await signUpWithToken();
    for (const u of [a, b]) expect((await call('POST', '/api/v1/auth/password/reset-request', { body: { email: u.email } })).status).toBe(202);
    for (const [me, other] of [[a, b], [b, a]] as const) {
      const r = await call('GET', '/api/v1/dev/outbox', { token: me.token });
      expect(r.status).toBe(200);
      const to = r.body.messages.map((m: { to: string }) => m.to);
      expect(to).toContain(me.email);
      expect(new Set(to)).toEqual(new Set([me.email]));
      expect(r.text).not.toContain(other.email);
      expect(r.text).not.toContain(`fv_reset_${other.userId}`);
    }
  });

  it('the terminal of the local runtime prints each new mail (recipient, subject, links) for users who cannot sign in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fv-outbox-'));
    const mailer = outboxMailer(dir);
    await mailer.send({ to: 'old@example.com', subject: 'Sent before the start', text: 'http://127.0.0.1:1/old' });
    const lines: string[] = [];
    const watcher = watchOutbox(dir, (m) => lines.push(outboxLogLine(m)));
    try {
      const link = 'http://127.0.0.1:8787/reset-password#token=fv_reset_u.r.s';
      await mailer.send({ to: 'a@example.com', subject: 'Reset your flarevault password', text: `Open this link:\n${link}\n\nReset token: fv_reset_u.r.s` });
      await until(() => lines.length > 0, 5_000, 'the new mail printed');
      await sleep(200);
      expect(lines).toEqual([`  mail      to a@example.com: Reset your flarevault password  ${link}`]);
    } finally {
      watcher.stop();
    }
  });

  it('is for people signed in, not API keys (403)', async () => {
    const a = await signUpWithToken();
    const key = await call('POST', '/api/v1/api-keys', { token: a.token, body: { name: 'outbox', scopes: ['account:read'] } });
    expect(key.status).toBe(201);
    expect((await call('GET', '/api/v1/dev/outbox', { token: key.body.secret })).status).toBe(403);
  });
});

describe('SQS pollers (Lambda event source mapping)', () => {
  it('delivers batch events, honours batchItemFailures, concurrency and DLQ redrive', async () => {
    const sqs = new SQSClient({ ...awsClientConfig(), useQueueUrlAsEndpoint: false });
    const suffix = Date.now().toString(36);
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `poller-test-dlq-${suffix}` }));
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const q = await sqs.send(
      new CreateQueueCommand({
        QueueName: `poller-test-${suffix}`,
        Attributes: { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) },
      }),
    );
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;

    let inFlight = 0;
    let maxInFlight = 0;
    const seen = new Map<string, number>(); // body → times delivered
    const done = new Set<string>();
    const succeeded = new Map<string, number>(); // body → successful handlings
    const batchSizes: number[] = [];
    let firstEvent: SQSEvent | undefined;
    let threw = false;
    const worker: AnyHandler = async (event: SQSEvent) => {
      firstEvent ??= event;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      batchSizes.push(event.Records.length);
      try {
        for (const r of event.Records) seen.set(r.body, (seen.get(r.body) ?? 0) + 1);
        await sleep(150);
        if (event.Records.some((r) => r.body === 'throw-once') && !threw) {
          threw = true;
          throw new Error('worker crash mid-batch (expected in test)');
        }
        const failures: Array<{ itemIdentifier: string }> = [];
        for (const r of event.Records) {
          if (r.body === 'poison' || (r.body === 'fail-once' && r.attributes.ApproximateReceiveCount === '1')) failures.push({ itemIdentifier: r.messageId });
          else {
            succeeded.set(r.body, (succeeded.get(r.body) ?? 0) + 1);
            done.add(r.body);
          }
        }
        return { batchItemFailures: failures };
      } finally {
        inFlight--;
      }
    };

    const pollers = await startPollers({
      sqs,
      queueUrls: { free: q.QueueUrl!, base: q.QueueUrl!, pro: q.QueueUrl! },
      consumers: [{ tier: 'free', fn: 'worker', batchSize: 3, visibilityTimeoutSeconds: 1, maxReceiveCount: 2 }],
      concurrency: { free: 2 },
      resolveHandler: () => worker,
      waitTimeSeconds: 1,
      onError: () => undefined,
    });
    try {
      const bodies = [...Array.from({ length: 15 }, (_, i) => `m${i}`), 'fail-once', 'poison', 'throw-once'];
      for (let i = 0; i < bodies.length; i += 10) {
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: q.QueueUrl,
            Entries: bodies.slice(i, i + 10).map((b, j) => ({ Id: String(j), MessageBody: b, MessageAttributes: { kind: { DataType: 'String', StringValue: 'test' } } })),
          }),
        );
      }
      const expected = bodies.filter((b) => b !== 'poison');
      await until(() => expected.every((b) => done.has(b)), 20_000, 'all messages processed');
      // poison: failed on both receives → moved to the DLQ by the redrive policy
      await until(
        async () => {
          const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
          return Number(a.Attributes?.ApproximateNumberOfMessages) === 1;
        },
        10_000,
        'poison message in the DLQ',
      );
      const moved = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.QueueUrl, WaitTimeSeconds: 1 }));
      expect(moved.Messages?.[0]?.Body).toBe('poison');

      expect(maxInFlight).toBe(2);
      expect(Math.max(...batchSizes)).toBeLessThanOrEqual(3);
      expect(seen.get('fail-once')).toBe(2); // the failed item came back once, after the visibility timeout
      expect(seen.get('poison')).toBe(2); // maxReceiveCount 2, then the DLQ
      expect(seen.get('throw-once')).toBe(2); // a thrown batch is redelivered whole
      // successes (also those in partially failed batches) are deleted, never redelivered
      await sleep(1500);
      for (const [body, n] of succeeded) expect([body, n]).toEqual([body, 1]);
      expect(threw).toBe(true);

      const r = firstEvent!.Records[0]!;
      expect(r).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: queueArn, awsRegion: 'us-east-1' });
      expect(typeof r.messageId).toBe('string');
      expect(typeof r.receiptHandle).toBe('string');
      expect(r.attributes.ApproximateReceiveCount).toBe('1');
      expect(r.attributes.SentTimestamp).toMatch(/^\d+$/);
      expect(r.messageAttributes.kind).toMatchObject({ dataType: 'String', stringValue: 'test' });
    } finally {
      await pollers.stop();
      sqs.destroy();
    }
  });
});

describe('schedules', () => {
  it('invokes the function with an EventBridge scheduled event, scaled', async () => {
    const events: unknown[] = [];
    const s = startSchedules({
      schedules: [{ id: 'tick', fn: 'sweeper', everyMinutes: 1, description: 't' }],
      scale: 600, // 100 ms
      resolveHandler: () => async (e: unknown) => {
        events.push(e);
      },
      log: () => undefined,
    });
    try {
      await until(() => events.length >= 2, 5_000, 'two ticks');
      expect(events[0]).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {}, region: 'us-east-1' });
    } finally {
      await s.stop();
    }
  });
});

describe('env contract', () => {
  const dummy = buildLocalEnv({
    region: 'us-east-1',
    tableName: 't',
    kmsKeyId: 'k',
    queueUrls: { free: 'http://q/free', base: 'http://q/base', pro: 'http://q/pro' },
    backupBucket: 'bucket',
    syncBucket: 'sync-bucket',
    mailOutboxDir: '/tmp/outbox',
    originVerifySecret: 'x'.repeat(64),
    publicUrl: 'http://127.0.0.1:8787',
    endpoints: { dynamodb: 'http://d', sqs: 'http://s', s3: 'http://s', kms: 'http://k' },
    cloudflareSandbox: { url: 'http://127.0.0.1:1/client/v4', adminToken: 'a'.repeat(48) },
    turnstile: { siteverifyUrl: 'http://127.0.0.1:2/turnstile/v0/siteverify', scriptUrl: 'http://127.0.0.1:2/turnstile/v0/api.js', mode: false },
  });
  const everyNeed: Need[] = ['table', 'keys', 'jobQueues', 'backupBucket', 'syncBlobs', 'deviceTokens', 'oidc', 'mail', 'edge', 'health', 'cloudflare', 'turnstile'];

  it.each(Object.entries(functions))('env ⊇ envVarNames(needs) of %s', (_id, def) => {
    for (const name of envVarNames(def.needs)) expect(Object.keys(dummy)).toContain(name);
  });

  it('covers every need (mail included) and the running stack exports the same names', () => {
    for (const n of allNeeds()) expect(everyNeed).toContain(n);
    const names = envVarNames(everyNeed);
    for (const name of names) {
      expect(Object.keys(dummy)).toContain(name);
      expect(process.env[name]).toBeDefined();
    }
    for (const s of ['DYNAMODB', 'SQS', 'S3', 'KMS']) expect(process.env[`AWS_ENDPOINT_URL_${s}`]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.STAGE).toBe('local');
    expect(localStackEnv().originVerifySecret.length).toBeGreaterThanOrEqual(32);
  });

  it("the test stack's outbox is its own, not the developer's .flarevault/outbox (which npm start prints)", () => {
    expect(process.env.MAIL_OUTBOX_DIR!.startsWith(join(__dirname, '..', '..', '.flarevault'))).toBe(false);
  });
});

describe('process hygiene', () => {
  it('the global stack JVM is alive during the run', () => {
    console.log(`global setup: local stack ready in ${process.env.FLAREVAULT_STACK_STARTUP_MS} ms`);
    expect(isAlive(localStackEnv().dynamodbPid)).toBe(true);
  });

  it('a clear error when Java is missing', async () => {
    await expect(startDynamoDbLocal({ javaBin: '/nonexistent/java' })).rejects.toThrow(/needs Java 17\+/);
  });

  it('after stop(), no Java process is left (full stack in a child process, SIGTERM)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'setup', 'stack-process.ts')], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['pipe', 'pipe', 'ignore'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    const ready = await new Promise<{ dynamodbPid: number; url: string }>((res, rej) => {
      let buf = '';
      child.stdout!.on('data', (c: Buffer) => {
        buf += c.toString();
        const m = /FLAREVAULT_STACK_READY (.*)\n/.exec(buf);
        if (m) res(JSON.parse(m[1]!));
        if (buf.includes('FLAREVAULT_STACK_FAILED')) rej(new Error(buf));
      });
      child.once('exit', (code) => rej(new Error(`stack exited early (${code})`)));
    });
    expect(isAlive(ready.dynamodbPid)).toBe(true);
    expect((await fetch(`${ready.url}/api/nope`)).status).toBe(404);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    await until(() => !isAlive(ready.dynamodbPid), 5_000, 'JVM gone');
    expect(isAlive(ready.dynamodbPid)).toBe(false);
  });
});
