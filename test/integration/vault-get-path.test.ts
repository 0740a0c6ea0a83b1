/**
 * The Session API's get path, in a real `sessions` container in this process: the vault's two
 * reads ride in the authenticator's BatchGetItem (one DynamoDB call per warm get, hit or miss),
 * and what that batch read for a token that does not pass (forged secret, revoked) never
 * reaches the answer (401, no value).
 */
import * as s from '../../functions/contracts/sessions';
import { call } from '../support/http';
import { appSessionToken, signedInAppFixture } from '../support/hosted-login';
import { inProcessFunction, type InProcessFunction } from './in-process';

const get = (key: string) => ({ path: `/api/v1/sessions/get/${key}`, pathParameters: { key } });

describe('Session API get: one round trip', () => {
  const f = signedInAppFixture();
  let fn: InProcessFunction;
  let commands: string[] = [];

  beforeAll(async () => {
    const secret = `secret-${Date.now()}`;
    expect((await call('POST', '/api/v1/sessions/set/profile', { token: f.token, body: { secret } })).status).toBe(200);
    fn = await inProcessFunction('sessions');
    fn.clients.dynamoDb().middlewareStack.add(
      (next: any, context: { commandName?: string }) => async (args: any) => {
        commands.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'vault-get-path-counter' },
    );
    // Warm: the workspace DEK and the blind-index key are cached from here on.
    expect((await fn.invoke(s.getSessionValue, { ...get('profile'), token: f.token })).statusCode).toBe(200);
  });

  it('a warm get (hit or miss) makes one BatchGetItem and nothing else that reads', async () => {
    for (const [key, status] of [
      ['profile', 200],
      ['absent', 404],
    ] as const) {
      commands = [];
      const r = await fn.invoke(s.getSessionValue, { ...get(key), token: f.token });
      expect(r.statusCode).toBe(status);
      // Writes the authenticator may make now and then (the per-minute allowance, last seen) are not reads of the get.
      expect(commands.filter((c) => c !== 'UpdateItemCommand')).toEqual(['BatchGetItemCommand']);
    }
  });

  it('a forged or revoked token naming the same user reads in that batch but gets 401 and no value', async () => {
    const [head] = f.token.split(/\.(?=[^.]+$)/); // everything but the secret
    const forged = `${head}.${'A'.repeat(43)}`;
    const refused = await fn.invoke(s.getSessionValue, { ...get('profile'), token: forged });
    expect(refused.statusCode).toBe(401);
    expect(refused.body).not.toContain('secret-');
    const other = await appSessionToken(f.app, f.cookie);
    expect((await call('POST', '/api/v1/sessions/revoke', { token: other })).status).toBe(204);
    const revoked = await fn.invoke(s.getSessionValue, { ...get('profile'), token: f.token });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.body).not.toContain('secret-');
  });

  it('an invalid key is refused by validation (no prefetch), 400 with field detail', async () => {
    const r = await fn.invoke(s.getSessionValue, { ...get('a%20b'), token: await appSessionToken(f.app, f.cookie) });
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body!).errors).toEqual([expect.objectContaining({ in: 'path', field: 'key' })]);
  });
});
