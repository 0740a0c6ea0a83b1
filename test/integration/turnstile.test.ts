/**
 * Bot protection (issue 17 item 4) over HTTP: the auth function's real handler in-process, verifying
 * against the local Turnstile endpoint (lib/local/turnstile/) with Cloudflare's test secrets, and
 * against a siteverify that is down (connection refused, 502) for the 503 + Retry-After path.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as c from '../../functions/contracts/identity';
import { requestMagicLink } from '../../functions/contracts/email-auth';
import { DUMMY_TOKEN, TEST_SECRET_KEYS, TEST_SITE_KEYS, localTurnstileEnv, siteverify, startLocalTurnstile, type LocalTurnstile } from '../../lib/local/turnstile';
import { STRONG_PASSWORD, uniqueEmail } from '../support/http';
import { inProcessFunction } from './in-process';

const json = (r: { body?: string }) => JSON.parse(r.body ?? '{}') as Record<string, unknown> & { errors?: Array<Record<string, unknown>> };
const signupBody = (extra: Record<string, unknown> = {}) => ({ email: uniqueEmail('turnstile'), password: STRONG_PASSWORD, client: 'token', ...extra });

let local: LocalTurnstile;
beforeAll(async () => {
  local = await startLocalTurnstile();
});
afterAll(async () => {
  await local?.close();
});

describe('Turnstile off (the default)', () => {
  it('needs no token: signup, a reset request and a magic-link request pass, and the dashboard is told it is off', async () => {
    const auth = await inProcessFunction('auth');
    expect((await auth.invoke(c.signup, { body: signupBody() })).statusCode).toBe(201);
    expect((await auth.invoke(c.requestPasswordReset, { body: { email: uniqueEmail('nobody') } })).statusCode).toBe(202);
    expect((await auth.invoke(requestMagicLink, { body: { email: uniqueEmail('nobody') } })).statusCode).toBe(202);
    const config = await auth.invoke(c.getBotProtection);
    expect(config.statusCode).toBe(200);
    expect(json(config)).toEqual({ turnstile: null });
  });
});

describe('Turnstile on, against the local siteverify with the test secrets', () => {
  it('pass: the dummy token passes signup, a reset request and a magic-link request; siteverify got secret, response, remoteip and a UUID idempotency key', async () => {
    const auth = await inProcessFunction('auth', localTurnstileEnv(local, 'pass'));
    const before = local.calls.length;
    expect((await auth.invoke(c.signup, { body: signupBody({ turnstileToken: DUMMY_TOKEN }) })).statusCode).toBe(201);
    expect((await auth.invoke(c.requestPasswordReset, { body: { email: uniqueEmail('nobody'), turnstileToken: DUMMY_TOKEN } })).statusCode).toBe(202);
    expect((await auth.invoke(requestMagicLink, { body: { email: uniqueEmail('nobody'), turnstileToken: DUMMY_TOKEN } })).statusCode).toBe(202);
    const calls = local.calls.slice(before);
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call).toMatchObject({ success: true, params: { secret: TEST_SECRET_KEYS.pass, response: DUMMY_TOKEN, remoteip: '127.0.0.1' } });
      expect(call.params.idempotency_key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    const config = await auth.invoke(c.getBotProtection);
    expect(json(config)).toEqual({ turnstile: { siteKey: TEST_SITE_KEYS.pass, scriptUrl: local.scriptUrl } });
  });

  it('missing token: 400 naming the field turnstileToken, before siteverify is called', async () => {
    const auth = await inProcessFunction('auth', localTurnstileEnv(local, 'pass'));
    const before = local.calls.length;
    for (const res of [
      await auth.invoke(c.signup, { body: signupBody() }),
      await auth.invoke(c.requestPasswordReset, { body: { email: uniqueEmail() } }),
      await auth.invoke(requestMagicLink, { body: { email: uniqueEmail() } }),
    ]) {
      expect(res.statusCode).toBe(400);
      expect(json(res)).toMatchObject({
        type: expect.stringMatching(/turnstile-required$/),
        errors: [{ in: 'body', field: 'turnstileToken', code: 'missing-input-response' }],
      });
    }
    expect(local.calls.length).toBe(before);
  });

  it('a token the test secret does not accept (not the dummy token) is refused: 403 invalid-input-response', async () => {
    const auth = await inProcessFunction('auth', localTurnstileEnv(local, 'pass'));
    const res = await auth.invoke(c.signup, { body: signupBody({ turnstileToken: 'a-forged-token' }) });
    expect(res.statusCode).toBe(403);
    expect(json(res)).toMatchObject({ type: expect.stringMatching(/turnstile-failed$/), errors: [{ field: 'turnstileToken', code: 'invalid-input-response' }] });
  });

  it('fail: the always-failing secret refuses the dummy token: 403 with the field and the error code, no account made', async () => {
    const auth = await inProcessFunction('auth', localTurnstileEnv(local, 'fail'));
    const body = signupBody({ turnstileToken: DUMMY_TOKEN });
    const res = await auth.invoke(c.signup, { body });
    expect(res.statusCode).toBe(403);
    expect(json(res)).toMatchObject({ type: expect.stringMatching(/turnstile-failed$/), errors: [{ in: 'body', field: 'turnstileToken', code: 'invalid-input-response' }] });
    // A refused magic-link request sets no browser-binding cookie.
    const magic = await auth.invoke(requestMagicLink, { body: { email: body.email, turnstileToken: DUMMY_TOKEN } });
    expect(magic.statusCode).toBe(403);
    expect(magic.cookies ?? []).toEqual([]);
    // The account was not created: the same email signs up once Turnstile passes.
    const passing = await inProcessFunction('auth', localTurnstileEnv(local, 'pass'));
    expect((await passing.invoke(c.signup, { body })).statusCode).toBe(201);
  });

  it('spent: "token already spent" (timeout-or-duplicate) is refused, not passed: 403 turnstile-expired', async () => {
    const auth = await inProcessFunction('auth', localTurnstileEnv(local, 'spent'));
    for (const res of [
      await auth.invoke(c.signup, { body: signupBody({ turnstileToken: DUMMY_TOKEN }) }),
      await auth.invoke(c.requestPasswordReset, { body: { email: uniqueEmail(), turnstileToken: DUMMY_TOKEN } }),
      await auth.invoke(requestMagicLink, { body: { email: uniqueEmail(), turnstileToken: DUMMY_TOKEN } }),
    ]) {
      expect(res.statusCode).toBe(403);
      expect(json(res)).toMatchObject({ type: expect.stringMatching(/turnstile-expired$/), errors: [{ field: 'turnstileToken', code: 'timeout-or-duplicate' }] });
    }
  });

  it('a production secret against the local endpoint is refused (invalid-input-secret): 503 misconfigured, never a pass', async () => {
    const env = { ...localTurnstileEnv(local, 'pass'), TURNSTILE_SECRET_KEY: '0x4AAAAAAAproductionSecretNotATestKey' };
    const auth = await inProcessFunction('auth', env);
    const res = await auth.invoke(c.signup, { body: signupBody({ turnstileToken: DUMMY_TOKEN }) });
    expect(res.statusCode).toBe(503);
    expect(json(res)).toMatchObject({ type: expect.stringMatching(/turnstile-misconfigured$/) });
    expect(local.calls.at(-1)).toMatchObject({ success: false, errorCodes: ['invalid-input-secret'] });
  });
});

describe('siteverify down', () => {
  let down: Server;
  const seen: Array<Record<string, string>> = [];
  beforeAll(async () => {
    down = createServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => {
        seen.push(JSON.parse(raw) as Record<string, string>);
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>Bad gateway</html>');
      });
    });
    await new Promise<void>((ok) => down.listen(0, '127.0.0.1', ok));
  });
  afterAll(async () => {
    await new Promise((ok) => down.close(ok));
  });

  it('a 502 twice (one retry, same idempotency key): 503 + Retry-After, not 500, not a pass', async () => {
    const env = { ...localTurnstileEnv(local, 'pass'), TURNSTILE_SITEVERIFY_URL: `http://127.0.0.1:${(down.address() as AddressInfo).port}/turnstile/v0/siteverify` };
    const auth = await inProcessFunction('auth', env);
    const res = await auth.invoke(c.signup, { body: signupBody({ turnstileToken: DUMMY_TOKEN }) });
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('5');
    expect(json(res)).toMatchObject({ type: expect.stringMatching(/turnstile-unavailable$/) });
    expect(seen).toHaveLength(2);
    expect(seen[0]!.idempotency_key).toBeDefined();
    expect(seen[1]!.idempotency_key).toBe(seen[0]!.idempotency_key);
  });

  it('connection refused: 503 + Retry-After on a reset request too', async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((ok) => closed.close(ok));
    const auth = await inProcessFunction('auth', { ...localTurnstileEnv(local, 'pass'), TURNSTILE_SITEVERIFY_URL: `http://127.0.0.1:${port}/siteverify` });
    const res = await auth.invoke(c.requestPasswordReset, { body: { email: uniqueEmail(), turnstileToken: DUMMY_TOKEN } });
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('5');
  });
});

describe('the local siteverify, as Cloudflare documents its test keys', () => {
  const post = async (body: string, type: string) => {
    const res = await fetch(local.siteverifyUrl, { method: 'POST', headers: { 'content-type': type }, body });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('answers form-encoded and JSON requests alike, with the documented error codes', async () => {
    const form = await post(new URLSearchParams({ secret: TEST_SECRET_KEYS.pass, response: DUMMY_TOKEN }).toString(), 'application/x-www-form-urlencoded');
    expect(form).toMatchObject({ status: 200, body: { success: true, 'error-codes': [] } });
    expect((await post(JSON.stringify({ secret: TEST_SECRET_KEYS.pass }), 'application/json')).body).toEqual({ success: false, 'error-codes': ['missing-input-response'] });
    expect((await post(JSON.stringify({ response: DUMMY_TOKEN }), 'application/json')).body).toEqual({ success: false, 'error-codes': ['missing-input-secret'] });
    expect((await post('not json', 'application/json')).body).toEqual({ success: false, 'error-codes': ['bad-request'] });
  });

  it('is never kinder than Cloudflare: unknown secrets, real-looking tokens, long tokens and bad idempotency keys fail', () => {
    expect(siteverify({ secret: '0x4AAAAAAAA-real-secret', response: DUMMY_TOKEN })['error-codes']).toEqual(['invalid-input-secret']);
    expect(siteverify({ secret: TEST_SECRET_KEYS.pass, response: '0.real-token' })['error-codes']).toEqual(['invalid-input-response']);
    expect(siteverify({ secret: TEST_SECRET_KEYS.pass, response: 'x'.repeat(2049) })['error-codes']).toEqual(['invalid-input-response']);
    expect(siteverify({ secret: TEST_SECRET_KEYS.pass, response: DUMMY_TOKEN, idempotency_key: 'not-a-uuid' })['error-codes']).toEqual(['bad-request']);
    expect(siteverify({ secret: TEST_SECRET_KEYS.fail, response: DUMMY_TOKEN })).toEqual({ success: false, 'error-codes': ['invalid-input-response'] });
    expect(siteverify({ secret: TEST_SECRET_KEYS.spent, response: DUMMY_TOKEN })).toEqual({ success: false, 'error-codes': ['timeout-or-duplicate'] });
  });
});
