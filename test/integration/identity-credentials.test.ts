/**
 * Credentials against DynamoDB Local and the local runtime: what ends an API
 * key, the 50-key cap under concurrent bursts, the paginated key list,
 * integrity of credential items (forged or moved items are refused), the
 * credential cache bounded by a key's expiry, and key names.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { getMe } from '../../functions/contracts/identity';
import { DomainError } from '../../functions/errors';
import { signup } from '../../functions/identity/accounts';
import { createApiKey, deleteApiKey, listApiKeys } from '../../functions/identity/api-keys';
import { createAuthenticator } from '../../functions/identity/authenticate';
import type { IdentityDeps, RequestContext } from '../../functions/identity/deps';
import { changePassword, requestPasswordReset, resetPassword } from '../../functions/identity/password-reset';
import { revokeAllSessions, revokeSession } from '../../functions/identity/sessions';
import { hashSecret, newId } from '../../functions/identity/tokens';
import { call, signUpWithToken, STRONG_PASSWORD, uniqueEmail } from '../support/http';
import { identityDeps, mainTable } from './data-fixtures';

const NEW_PASSWORD = 'copper-Meadow-orbit-58-window';

function deps(now: () => number = Date.now, mail: string[] = []): IdentityDeps {
  const d = identityDeps({ now });
  return { ...d, mailer: { send: async (m) => void mail.push(m.text) } };
}

const ctx = (): RequestContext => ({ requestId: `req-${randomBytes(4).toString('hex')}`, ip: `192.0.2.${randomBytes(1)[0]}-${randomBytes(4).toString('hex')}`, userAgent: 'jest' });

async function newUser(d: IdentityDeps) {
  const email = uniqueEmail('cred');
  const { user, session } = await signup(d, { email, password: STRONG_PASSWORD }, ctx());
  return { email, userId: user.id, actor: { userId: user.id, tier: user.tier }, sessionId: session.sessionId, sessionToken: session.token };
}

const bearer = (token: string) =>
  ({ headers: { authorization: `Bearer ${token}` }, requestContext: { http: { method: 'GET' } } }) as unknown as APIGatewayProxyEventV2;

/** 'ok' or the refusal's kind; a fresh authenticator (cold cache) unless one is given. */
async function outcome(d: IdentityDeps, token: string, auth = createAuthenticator(d)): Promise<string> {
  try {
    await auth(bearer(token), getMe);
    return 'ok';
  } catch (err) {
    if (err instanceof DomainError) return err.kind;
    throw err;
  }
}

async function allKeys(d: IdentityDeps, userId: string) {
  const out = [];
  let cursor: string | undefined;
  do {
    const page = await listApiKeys(d, userId, { limit: 100, cursor });
    out.push(...page.apiKeys);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

describe('what ends an API key', () => {
  const events: [string, (d: IdentityDeps, u: Awaited<ReturnType<typeof newUser>>, mail: string[]) => Promise<unknown>][] = [
    ['revoke-all', (d, u) => revokeAllSessions(d, u.userId, u.sessionId, ctx(), 'user-request')],
    ['password change', (d, u) => changePassword(d, u.userId, u.sessionId, { currentPassword: STRONG_PASSWORD, newPassword: NEW_PASSWORD }, ctx())],
    [
      'password reset',
      async (d, u, mail) => {
        await requestPasswordReset(d, u.email, ctx());
        const token = /Reset token: (\S+)/.exec(mail.at(-1)!)![1]!;
        await resetPassword(d, { token, newPassword: NEW_PASSWORD }, ctx());
      },
    ],
  ];

  it.each(events)('%s ends every API key of the user and removes them from the list', async (_name, end) => {
    const mail: string[] = [];
    const d = deps(Date.now, mail);
    const u = await newUser(d);
    const keys = await Promise.all(
      ['ci', 'backup'].map((name) => createApiKey(d, u.actor, { name, scopes: ['account:read'] }, ctx())),
    );
    for (const k of keys) expect(await outcome(d, k.secret)).toBe('ok');
    await end(d, u, mail);
    for (const k of keys) expect(await outcome(d, k.secret)).toBe('unauthenticated');
    expect(await allKeys(d, u.userId)).toEqual([]);
    // A key created afterwards works: the cap's slots were given back too.
    const fresh = await createApiKey(d, u.actor, { name: 'after', scopes: ['account:read'] }, ctx());
    expect(await outcome(d, fresh.secret)).toBe('ok');
  });
});

describe('the 50-key cap', () => {
  it('holds under a concurrent burst of 60 creates, and a deleted key frees exactly one slot', async () => {
    const d = deps();
    const u = await newUser(d);
    const burst = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => createApiKey(d, u.actor, { name: `k${i}`, scopes: ['account:read'] }, ctx())),
    );
    const created = burst.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = burst.flatMap((r) => (r.status === 'rejected' ? [r.reason as DomainError] : []));
    expect(created).toHaveLength(50);
    expect(refused.map((e) => [e.kind, e.options.code])).toEqual(Array(10).fill(['limit-exceeded', 'too-many-api-keys']));
    expect(new Set((await allKeys(d, u.userId)).map((k) => k.id))).toEqual(new Set(created.map((k) => k.apiKey.id)));

    await deleteApiKey(d, u.actor, created[0]!.apiKey.id, ctx());
    const again = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => createApiKey(d, u.actor, { name: `again${i}`, scopes: ['account:read'] }, ctx())),
    );
    expect(again.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await allKeys(d, u.userId)).toHaveLength(50);
  });
});

describe('the API key list', () => {
  it('pages with a cursor until every key is listed', async () => {
    const a = await signUpWithToken();
    const made = await Promise.all(
      Array.from({ length: 23 }, (_, i) => call('POST', '/api/v1/api-keys', { token: a.token, body: { name: `page-${i}`, scopes: ['jobs:read'] } })),
    );
    expect(made.map((r) => r.status)).toEqual(Array(23).fill(201));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const qs: string = `?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await call('GET', `/api/v1/api-keys${qs}`, { token: a.token });
      expect(page.status).toBe(200);
      expect(page.body.apiKeys.length).toBeLessThanOrEqual(10);
      seen.push(...page.body.apiKeys.map((k: { id: string }) => k.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(new Set(seen)).toEqual(new Set(made.map((r) => r.body.apiKey.id)));
    expect(seen).toHaveLength(23);
  });
});

describe('integrity of credential items', () => {
  const table = mainTable();
  const rawGet = async (pk: string, sk: string) =>
    (await table.doc.send(new GetCommand({ TableName: table.name, Key: { pk, sk }, ConsistentRead: true }))).Item!;
  const rawPut = (item: Record<string, unknown>) => table.doc.send(new PutCommand({ TableName: table.name, Item: item }));

  it('refuses an API key item written raw into the table (401)', async () => {
    const a = await signUpWithToken();
    const user = await rawGet(`T#user#${a.userId}`, 'USER#profile');
    const id = newId();
    const secret = randomBytes(32).toString('base64url');
    await rawPut({
      pk: `T#user#${a.userId}`,
      sk: `APIKEY#${id}`,
      _e: 'api-key',
      version: 1,
      prefix: 'fv_key_…forged',
      secretHash: hashSecret(secret),
      scopes: ['account:read', 'account:write', 'cloudflare:read', 'cloudflare:write', 'jobs:read', 'jobs:write', 'audit:read'],
      revision: user.tokenRevision,
      createdAt: new Date().toISOString(),
      keyExpiresAt: null,
      lastUsedAt: null,
    });
    const forged = await call('GET', '/api/v1/me', { token: `fv_key_${a.userId}.${id}.${secret}` });
    expect(forged.status).toBe(401);
  });

  it('refuses a session item written raw into the table (401)', async () => {
    const a = await signUpWithToken();
    const user = await rawGet(`T#user#${a.userId}`, 'USER#profile');
    const id = newId();
    const secret = randomBytes(32).toString('base64url');
    const now = Date.now();
    await rawPut({
      pk: `T#user#${a.userId}`,
      sk: `SESSION#${id}`,
      _e: 'session',
      version: 1,
      secretHash: hashSecret(secret),
      revision: user.tokenRevision,
      createdAt: new Date(now).toISOString(),
      lastSeenAt: new Date(now).toISOString(),
      absoluteExpiry: now + 3600_000,
      idleMs: 3600_000,
    });
    const forged = await call('GET', '/api/v1/me', { token: `fv_sess_${a.userId}.${id}.${secret}` });
    expect(forged.status).toBe(401);
  });

  it('refuses a real API key item copied to another key id or another user (401)', async () => {
    const a = await signUpWithToken();
    const b = await signUpWithToken();
    const created = await call('POST', '/api/v1/api-keys', { token: a.token, body: { name: 'moved', scopes: ['account:read'] } });
    const keyId = created.body.apiKey.id as string;
    const secret = (created.body.secret as string).split('.').pop()!;
    expect((await call('GET', '/api/v1/me', { token: created.body.secret })).status).toBe(200);
    const real = await rawGet(`T#user#${a.userId}`, `APIKEY#${keyId}`);

    const otherId = newId();
    await rawPut({ ...real, sk: `APIKEY#${otherId}` });
    expect((await call('GET', '/api/v1/me', { token: `fv_key_${a.userId}.${otherId}.${secret}` })).status).toBe(401);

    const userB = await rawGet(`T#user#${b.userId}`, 'USER#profile');
    await rawPut({ ...real, pk: `T#user#${b.userId}`, revision: userB.tokenRevision });
    expect((await call('GET', '/api/v1/me', { token: `fv_key_${b.userId}.${keyId}.${secret}` })).status).toBe(401);
  });

  it('refuses a real session item copied to another user (401)', async () => {
    const a = await signUpWithToken();
    const b = await signUpWithToken();
    const real = await rawGet(`T#user#${a.userId}`, `SESSION#${a.sessionId}`);
    const userB = await rawGet(`T#user#${b.userId}`, 'USER#profile');
    await rawPut({ ...real, pk: `T#user#${b.userId}`, revision: userB.tokenRevision });
    const secret = a.token.split('.').pop()!;
    expect((await call('GET', '/api/v1/me', { token: `fv_sess_${b.userId}.${a.sessionId}.${secret}` })).status).toBe(401);
  });

  it('refuses an API key item whose scopes were edited in the table (401)', async () => {
    const a = await signUpWithToken();
    const created = await call('POST', '/api/v1/api-keys', { token: a.token, body: { name: 'narrow', scopes: ['account:read'] } });
    const real = await rawGet(`T#user#${a.userId}`, `APIKEY#${created.body.apiKey.id}`);
    await rawPut({ ...real, scopes: ['account:read', 'audit:read'] });
    expect((await call('GET', '/api/v1/me', { token: created.body.secret })).status).toBe(401);
  });

  it('refuses a password-reset item written raw into the table', async () => {
    const d = deps();
    const u = await newUser(d);
    const id = newId();
    const secret = randomBytes(32).toString('base64url');
    await rawPut({
      pk: `T#user#${u.userId}`,
      sk: `RESET#${id}`,
      _e: 'password-reset',
      version: 1,
      secretHash: hashSecret(secret),
      createdAt: new Date().toISOString(),
    });
    const err = await resetPassword(d, { token: `fv_reset_${u.userId}.${id}.${secret}`, newPassword: NEW_PASSWORD }, ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).options.code).toBe('invalid-reset-token');
  });
});

describe('the credential cache', () => {
  it('never outlives an API key expiry: a key expiring in 2 s is refused at its expiry though a decision is cached', async () => {
    let t = Date.now();
    const d = deps(() => t);
    const u = await newUser(d);
    const key = await createApiKey(d, u.actor, { name: 'short', scopes: ['account:read'], expiresAt: new Date(t + 2_000).toISOString() }, ctx());
    const auth = createAuthenticator(d);
    expect(await outcome(d, key.secret, auth)).toBe('ok'); // read on every request: nothing outlives the expiry
    t += 1_999;
    expect(await outcome(d, key.secret, auth)).toBe('ok');
    t += 1;
    expect(await outcome(d, key.secret, auth)).toBe('unauthenticated');
  });
});

describe('revocation across containers', () => {
  it('refuses a revoked session and API key on the very next request in a container that just accepted them', async () => {
    const d = deps();
    const u = await newUser(d);
    const key = await createApiKey(d, u.actor, { name: 'k', scopes: ['account:read'] }, ctx());
    const other = await signup(d, { email: uniqueEmail('cred'), password: STRONG_PASSWORD }, ctx());
    const containerA = createAuthenticator(d);
    expect(await outcome(d, u.sessionToken, containerA)).toBe('ok');
    expect(await outcome(d, key.secret, containerA)).toBe('ok');
    expect(await outcome(d, other.session.token, containerA)).toBe('ok');
    // Revoked through other containers (their own deps), not through A.
    await revokeSession(deps(), { userId: other.user.id, tier: 'free' }, other.session.sessionId, ctx());
    await revokeAllSessions(deps(), u.userId, undefined, ctx(), 'test');
    expect(await outcome(d, u.sessionToken, containerA)).toBe('unauthenticated');
    expect(await outcome(d, key.secret, containerA)).toBe('unauthenticated');
    expect(await outcome(d, other.session.token, containerA)).toBe('unauthenticated');
  });
});

describe('API key names', () => {
  it.each([
    ['a bidi override', 'invoice\u202Efdp.exe'],
    ['a bidi isolate', 'ci\u2066key'],
    ['a control character', 'ci\u0007key'],
    ['a line break', 'ci\nkey'],
    ['a C1 control', 'ci\u0085key'],
  ])('refuses %s with field detail (400)', async (_what, name) => {
    const a = await signUpWithToken();
    const r = await call('POST', '/api/v1/api-keys', { token: a.token, body: { name, scopes: ['account:read'] } });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([expect.objectContaining({ in: 'body', field: 'name' })]);
  });

  it('accepts letters of any script, spaces and emoji', async () => {
    const a = await signUpWithToken();
    const r = await call('POST', '/api/v1/api-keys', { token: a.token, body: { name: 'déploiement – שלום 🚀', scopes: ['account:read'] } });
    expect(r.status).toBe(201);
  });
});
