/**
 * A stalled or refusing AWS dependency: the real auth handler, run in-process
 * with DynamoDB or KMS pointed at a loopback server that accepts connections
 * and never answers (or at a closed port), answers 503 problem+json with
 * Retry-After within a few seconds, not a 500 when the function times out.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { login } from '../../functions/contracts/identity';
import { inProcessFunction } from './in-process';
import { STRONG_PASSWORD, uniqueEmail } from '../support/http';

/** Well under the function's 10 s timeout; the clients give up after ≈ 4 s (2 attempts × 2 s), plus slack for a loaded machine. */
const FAST_MS = 6_000;

let stalled: Server;
const held = new Set<Socket>();
let stalledUrl: string;
let refusedUrl: string;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return (server.address() as { port: number }).port;
}

beforeAll(async () => {
  stalled = createServer((socket) => {
    held.add(socket);
    socket.on('close', () => held.delete(socket));
  });
  stalledUrl = `http://127.0.0.1:${await listen(stalled)}`;
  const closed = createServer();
  refusedUrl = `http://127.0.0.1:${await listen(closed)}`;
  await new Promise((res) => closed.close(res));
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((res) => stalled.close(res));
});

async function loginWith(env: Record<string, string>) {
  const fn = await inProcessFunction(login.fn, env);
  const t0 = Date.now();
  const res = await fn.invoke(login, { body: { email: uniqueEmail('fault'), password: STRONG_PASSWORD, client: 'token' } });
  return { res, ms: Date.now() - t0 };
}

function expectUnavailable({ res, ms }: Awaited<ReturnType<typeof loginWith>>) {
  expect(res.statusCode).toBe(503);
  expect(res.headers!['content-type']).toBe('application/problem+json');
  expect(Number(res.headers!['retry-after'])).toBeGreaterThanOrEqual(1);
  const body = JSON.parse(res.body!);
  expect(body).toMatchObject({ status: 503, type: expect.stringMatching(/\/unavailable$/), requestId: expect.any(String) });
  expect(body.detail).not.toMatch(/127\.0\.0\.1|ECONN|Timeout|dynamo|kms/i);
  expect(ms).toBeLessThan(FAST_MS);
}

describe('AWS faults become 503 with Retry-After, fast', () => {
  it('a stalled DynamoDB', async () => {
    expectUnavailable(await loginWith({ AWS_ENDPOINT_URL_DYNAMODB: stalledUrl }));
  }, 20_000);

  it('a refused DynamoDB connection', async () => {
    expectUnavailable(await loginWith({ AWS_ENDPOINT_URL_DYNAMODB: refusedUrl }));
  }, 20_000);

  it('a stalled KMS (DynamoDB answering)', async () => {
    expectUnavailable(await loginWith({ AWS_ENDPOINT_URL_KMS: stalledUrl }));
  }, 20_000);
});
