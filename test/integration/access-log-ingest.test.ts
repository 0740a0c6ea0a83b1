/**
 * The API-access log off the request path (issue 14 item 2): an authenticated call makes no
 * access-log write while it is answered (its DynamoDB calls counted on the function's own client);
 * its one access line reaches the ingest through the local log subscription (this process's stdout
 * tapped, as the local stack does) and becomes the entry. The ingest is idempotent (a redelivered
 * event rewrites the same entries: still one each), skips and logs the lines it cannot read while
 * writing the good ones, drops an undecodable payload with a log line, and fails the invocation on a
 * failed write (Lambda then delivers the event again). The local delivery retries a failed
 * invocation and flushes on stop.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData, CloudWatchLogsLogEvent } from 'aws-lambda';
import { sealAccessLine } from '../../functions/access-log/access-line';
import { ingestAccessLines, type IngestReport } from '../../functions/access-log/ingest';
import { accessLogDeps } from '../../functions/access-log/deps';
import { createAccessEntryWriter } from '../../functions/access-log/store';
import { tableFromEnv } from '../../functions/aws/table';
import { listCloudflareAccounts } from '../../functions/contracts/cloudflare';
import { logger } from '../../functions/observability/logger';
import { ACCESS_LOG_LINE } from '../../functions/platform/names';
import { logSubscriptions } from '../../functions/platform/manifest';
import type { Principal } from '../../functions/tenancy/principal';
import { workspaceTenant } from '../../functions/tenancy/tenant';
import { invokeFunction, moduleHandlerResolver } from '../../lib/local/lambda';
import { startLogSubscriptions, subscriptionEvent } from '../../lib/local/log-subscriptions';
import { waitForAccessLog } from '../support/access-log';
import { signUpWithToken } from '../support/http';
import { inProcessFunction } from './in-process';
import { dataLayer } from './jobs-harness';

type User = Awaited<ReturnType<typeof signUpWithToken>>;

const resolver = moduleHandlerResolver();
const ingest = (event: unknown) => invokeFunction(resolver, 'accessLogIngest', event) as Promise<IngestReport | undefined>;

const principalOf = (u: User, credentialId: string): Principal => ({
  tenant: workspaceTenant(u.userId),
  role: 'OWNER',
  userId: u.userId,
  tier: 'free',
  credential: 'session',
  credentialId,
  scopes: 'all',
  viaCookie: false,
});

/** One access line as the API functions log it, for a call of `u` in their personal workspace. */
async function accessLine(u: User, credentialId: string, requestId = `req-${randomBytes(6).toString('hex')}`) {
  const line = await sealAccessLine(dataLayer().keyring, {
    principal: principalOf(u, credentialId),
    operationId: 'listCloudflareAccounts',
    method: 'GET',
    params: undefined,
    status: 200,
    latencyMs: 4,
    requestId,
    ip: '203.0.113.9',
    userAgent: 'ingest-test',
    startedAt: Date.now(),
  });
  return { line, json: JSON.stringify({ level: 'INFO', message: ACCESS_LOG_LINE, service: 'flarevault-cloudflare', access: line }) };
}

let seq = 0;
function batch(messages: string[]): { awslogs: { data: string } } {
  const logEvents: CloudWatchLogsLogEvent[] = messages.map((message) => ({ id: `${Date.now()}${seq++}`, timestamp: Date.now(), message }));
  const data: CloudWatchLogsDecodedData = {
    messageType: 'DATA_MESSAGE',
    owner: '000000000000',
    logGroup: '/aws/lambda/flarevault-test-cloudflare',
    logStream: 'test',
    subscriptionFilters: ['api-access-to-accessLogIngest'],
    logEvents,
  };
  return subscriptionEvent(data);
}

describe('access log off the request path', () => {
  let owner: User;
  beforeAll(async () => {
    owner = await signUpWithToken();
  });

  it('an authenticated call makes no access-log write while answered; its line becomes the entry through the subscription', async () => {
    const fn = await inProcessFunction('cloudflare');
    const commands: string[] = [];
    fn.clients.dynamoDb().middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'accessLogTestCounter' },
    );
    // The real ingest, and a copy of every line it is given.
    const lines: string[] = [];
    const delivery = startLogSubscriptions({
      flushMs: 100,
      resolveHandler: async (fnId, def) => {
        const real = await resolver(fnId, def);
        return (event: { awslogs: { data: string } }, context) => {
          const data = JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8')) as CloudWatchLogsDecodedData;
          lines.push(...data.logEvents.map((e) => e.message));
          return real(event, context);
        };
      },
    });
    try {
      await fn.invoke(listCloudflareAccounts, { token: owner.token }); // warm: the workspace's DEK is cached from here on
      commands.length = 0;
      const res = await fn.invoke(listCloudflareAccounts, { token: owner.token });
      expect(res.statusCode).toBe(200);
      const requestId = String(res.headers!['x-request-id']);
      // Authentication (one BatchGetItem) and the list (one Query): nothing written.
      expect(commands.filter((c) => /Put|Write|Update|Delete|Transact/.test(c))).toEqual([]);
      expect(commands).toEqual(['BatchGetItemCommand', 'QueryCommand']);
      const entries = await waitForAccessLog(owner.token, owner.userId, (es) => es.some((e) => e.requestId === requestId), { ms: 5_000 });
      expect(entries.find((e) => e.requestId === requestId)).toMatchObject({
        operationId: 'listCloudflareAccounts',
        credentialKind: 'session',
        credentialId: owner.sessionId,
        userAgent: 'jest-in-process',
        status: 200,
      });
      expect(delivery.stats().delivered).toBeGreaterThanOrEqual(2);
      // The line carries ids, never the caller's IP or user agent in the clear (sealed for the workspace).
      const line = lines.find((l) => l.includes(requestId))!;
      expect(JSON.parse(line)).toMatchObject({ level: 'INFO', message: ACCESS_LOG_LINE, access: { requestId, operationId: 'listCloudflareAccounts', ip: expect.stringMatching(/^fv1\./), userAgent: expect.stringMatching(/^fv1\./) } });
      expect(line).not.toContain('jest-in-process');
      expect(line).not.toContain('127.0.0.1');
    } finally {
      await delivery.stop();
    }
  });

  it('a line delivered twice writes one entry', async () => {
    const credentialId = `dup-${randomBytes(4).toString('hex')}`;
    const { json } = await accessLine(owner, credentialId);
    const event = batch([json]);
    expect(await ingest(event)).toEqual({ lines: 1, written: 1, skipped: 0 });
    expect(await ingest(event)).toEqual({ lines: 1, written: 1, skipped: 0 }); // the same key: rewritten
    // Twice in one delivery, too.
    expect(await ingest(batch([json, json]))).toEqual({ lines: 2, written: 2, skipped: 0 });
    const entries = await waitForAccessLog(owner.token, owner.userId, (es) => es.length > 0, { query: `credentialId=${credentialId}` });
    expect(entries).toHaveLength(1);
  });

  it('lines it cannot read are logged and skipped; the good lines of the batch are written', async () => {
    const credentialId = `mixed-${randomBytes(4).toString('hex')}`;
    const good = await accessLine(owner, credentialId);
    const other = await accessLine(owner, credentialId);
    // A sealed IP moved from another line fails authentication (the AAD names the request id).
    const moved = JSON.stringify({ message: ACCESS_LOG_LINE, access: { ...other.line, ip: good.line.ip } });
    const incomplete = JSON.stringify({ message: ACCESS_LOG_LINE, access: { ...other.line, status: undefined } });
    const warn = jest.spyOn(logger, 'warn');
    try {
      const report = await ingest(batch(['START RequestId: not json', moved, good.json, incomplete]));
      expect(report).toEqual({ lines: 4, written: 1, skipped: 3 });
      const skipped = warn.mock.calls.filter(([m]) => String(m).endsWith('skipped'));
      expect(skipped).toHaveLength(3);
      for (const [, extra] of skipped) expect(extra).toMatchObject({ logGroup: '/aws/lambda/flarevault-test-cloudflare', logEventId: expect.any(String) });
      // The log never carries the sealed values.
      expect(JSON.stringify(skipped)).not.toContain(good.line.ip);
    } finally {
      warn.mockRestore();
    }
    const entries = await waitForAccessLog(owner.token, owner.userId, (es) => es.length > 0, { query: `credentialId=${credentialId}` });
    expect(entries.map((e) => e.requestId)).toEqual([good.line.requestId]);
    expect(entries[0]).toMatchObject({ ip: '203.0.113.9', userAgent: 'ingest-test' });
  });

  it('an undecodable payload is logged and dropped; a control message is ignored', async () => {
    const error = jest.spyOn(logger, 'error');
    try {
      expect(await ingest({ awslogs: { data: Buffer.from('not gzip').toString('base64') } })).toBeUndefined();
      expect(await ingest({ something: 'else' })).toBeUndefined();
      expect(error.mock.calls.map(([m]) => m)).toEqual(['log subscription payload dropped', 'log subscription payload dropped']);
    } finally {
      error.mockRestore();
    }
    const control = subscriptionEvent({ messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [{ id: '', timestamp: Date.now(), message: 'CWL CONTROL MESSAGE: Checking health of destination Lambda.' }] });
    expect(await ingest(control)).toBeUndefined();
  });

  it('a failed write fails the invocation (so the event is delivered again); the redelivery writes every entry once', async () => {
    const credentialId = `flaky-${randomBytes(4).toString('hex')}`;
    const [a, b] = [await accessLine(owner, credentialId), await accessLine(owner, credentialId)];
    const data = dataLayer();
    const writer = createAccessEntryWriter(tableFromEnv(), data.keyring);
    const deps = { keyring: data.keyring, tierOf: accessLogDeps(data.repo).tierOf, write: writer };
    const decoded = (messages: string[]): CloudWatchLogsDecodedData => ({ messageType: 'DATA_MESSAGE', owner: '0', logGroup: 'g', logStream: 's', subscriptionFilters: [], logEvents: messages.map((m, i) => ({ id: String(i), timestamp: Date.now(), message: m })) });
    // The first delivery writes `a`, then DynamoDB throttles.
    let writes = 0;
    const flaky: typeof writer = async (entries) => {
      if (writes++ > 0) throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
      await writer(entries.slice(0, 1));
      throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    };
    await expect(ingestAccessLines({ ...deps, write: flaky }, decoded([a.json, b.json]))).rejects.toThrow('throttled');
    // Lambda's retry: the same event, both written, `a` rewritten in place.
    expect(await ingestAccessLines(deps, decoded([a.json, b.json]))).toEqual({ lines: 2, written: 2, skipped: 0 });
    const entries = await waitForAccessLog(owner.token, owner.userId, (es) => es.length >= 2, { query: `credentialId=${credentialId}` });
    expect(entries.map((e) => e.requestId).sort()).toEqual([a.line.requestId, b.line.requestId].sort());
  });

  it('an entry goes to the workspace the path names, with that workspace\'s retention (its tier read once per batch)', async () => {
    const credentialId = `path-${randomBytes(4).toString('hex')}`;
    const other = await signUpWithToken();
    const data = dataLayer();
    const lines = await Promise.all([0, 1, 2].map(async () => {
      const requestId = `req-${randomBytes(6).toString('hex')}`;
      const line = await sealAccessLine(data.keyring, {
        principal: principalOf(owner, credentialId), operationId: 'getWorkspace', method: 'GET', params: { workspaceId: other.userId },
        status: 200, latencyMs: 1, requestId, ip: '203.0.113.10', userAgent: 'path-test', startedAt: Date.now(),
      });
      return JSON.stringify({ message: ACCESS_LOG_LINE, access: line });
    }));
    let lookups = 0;
    const real = accessLogDeps(data.repo).tierOf;
    const deps = { keyring: data.keyring, tierOf: (id: string) => (lookups++, real(id)), write: createAccessEntryWriter(tableFromEnv(), data.keyring) };
    const decoded: CloudWatchLogsDecodedData = { messageType: 'DATA_MESSAGE', owner: '0', logGroup: 'g', logStream: 's', subscriptionFilters: [], logEvents: lines.map((m, i) => ({ id: String(i), timestamp: Date.now(), message: m })) };
    expect(await ingestAccessLines(deps, decoded)).toEqual({ lines: 3, written: 3, skipped: 0 });
    expect(lookups).toBe(1);
    const entries = await waitForAccessLog(other.token, other.userId, (es) => es.length >= 3, { query: `credentialId=${credentialId}` });
    expect(entries).toHaveLength(3);
    expect((await waitForAccessLog(owner.token, owner.userId, () => true, { query: `credentialId=${credentialId}` }))).toEqual([]);
  });
});

describe('local log subscription delivery', () => {
  const subscription = logSubscriptions[0]!;
  const line = (n: number) => JSON.stringify({ [subscription.match.field]: subscription.match.equals, n });

  /** A stream like process.stdout whose printed text is kept. */
  function fakeStdout() {
    const printed: string[] = [];
    const stream = { write: (chunk: string | Uint8Array) => (printed.push(String(chunk)), true) } as unknown as NodeJS.WriteStream;
    return { stream, printed };
  }

  it('delivers the matching lines in the documented event format, prints the others, and flushes on stop', async () => {
    const { stream, printed } = fakeStdout();
    const events: CloudWatchLogsDecodedData[] = [];
    const decode = (e: { awslogs: { data: string } }) => JSON.parse(gunzipSync(Buffer.from(e.awslogs.data, 'base64')).toString('utf8')) as CloudWatchLogsDecodedData;
    const delivery = startLogSubscriptions({ stream, flushMs: 60_000, resolveHandler: () => async (event: { awslogs: { data: string } }) => void events.push(decode(event)) });
    stream.write(`${line(1)}\n`);
    stream.write('plain text line\n');
    stream.write(`${line(2)}\n${line(3)}\n`);
    expect(events).toEqual([]); // the timer has not fired (60 s)
    await delivery.stop();
    expect(printed).toEqual(['plain text line\n']);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ messageType: 'DATA_MESSAGE', subscriptionFilters: [`${subscription.id}-to-${subscription.fn}`] });
    expect(events[0]!.logEvents.map((e) => JSON.parse(e.message).n)).toEqual([1, 2, 3]);
    // Stopped: the stream is untouched again.
    stream.write(`${line(4)}\n`);
    expect(printed).toEqual(['plain text line\n', `${line(4)}\n`]);
  });

  it('the local stack delivers the lines of its last requests when it stops', () => {
    // In a child process: the local stack cannot start inside jest (fauxqs is ESM).
    const out = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'stop-flush-stack.ts')], { encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' }, timeout: 60_000 });
    const report = out.stdout.split('\n').find((l) => l.startsWith('DELIVERED '));
    expect({ report: !!report, stderr: report ? '' : out.stderr }).toEqual({ report: true, stderr: '' });
    const { status, before, delivered } = JSON.parse(report!.slice('DELIVERED '.length)) as { status: number; before: number; delivered: string[] };
    expect({ status, before }).toEqual({ status: 200, before: 0 });
    expect(delivered.map((m) => JSON.parse(m).n)).toEqual([42]);
  }, 70_000);

  it('retries a failed delivery (as Lambda retries an asynchronous invocation), within ~1 s', async () => {
    const { stream } = fakeStdout();
    let calls = 0;
    const delivery = startLogSubscriptions({
      stream,
      flushMs: 20,
      retryDelaysMs: [50, 50],
      resolveHandler: () => async () => {
        if (++calls === 1) throw new Error('DynamoDB unavailable');
      },
    });
    const t0 = Date.now();
    stream.write(`${line(1)}\n`);
    while (delivery.stats().delivered === 0 && Date.now() - t0 < 2_000) await new Promise((r) => setTimeout(r, 10));
    await delivery.stop();
    expect(calls).toBe(2);
    expect(delivery.stats()).toEqual({ delivered: 1, failed: 0 });
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});
