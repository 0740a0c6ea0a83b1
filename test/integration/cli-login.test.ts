/**
 * The CLI login (issue 18 part B) over HTTP through the local gateway: a device authorization
 * started with `scopes` ends in an API key (not a sync device token) bound to the workspace the
 * approver picked and holding exactly the scopes asked for; a burst of polls makes one key; the
 * 50-key cap holds; the key works on user routes of its workspace only, and is refused on device
 * and session routes; a non-member workspace is 404; the key logs itself out
 * (DELETE /api/v1/api-keys/current), a session cannot (400 not-an-api-key).
 */
import { randomUUID } from 'node:crypto';
import { createApiKey, MAX_API_KEYS } from '../../functions/identity/api-keys';
import { cliLogin, deviceAuthorizationPath as authorizePath, pollDeviceToken as pollToken, startDeviceAuthorization as init } from '../support/device-authorization';
import { planOverHttp } from '../support/jobs-http';
import { call, signUpWithToken } from '../support/http';
import { identityDeps } from './data-fixtures';

type User = Awaited<ReturnType<typeof signUpWithToken>>;
/** What the CLI asks for (design note, part C). */
const CLI_SCOPES = ['account:read', 'cloudflare:read', 'cloudflare:write', 'jobs:read', 'jobs:write'];
const ctx = { requestId: 'req-cli-login', ip: '203.0.113.9', userAgent: 'cli-login-test/1.0' };

async function apiKeysOf(token: string): Promise<{ id: string; name: string; scopes: string[]; workspaceId: string | null; expiresAt: string | null }[]> {
  const r = await call('GET', `/api/v1/api-keys?limit=${MAX_API_KEYS + 10}`, { token });
  expect(r.status).toBe(200);
  return r.body.apiKeys;
}

async function createdWorkspace(token: string, name: string): Promise<string> {
  const r = await call('POST', '/api/v1/workspaces', { token, body: { name } });
  if (r.status !== 201) throw new Error(`workspace: ${r.status} ${r.text}`);
  return r.body.workspace.id;
}

describe('CLI login (device authorization minting an API key)', () => {
  let owner: User;
  let other: User;
  let team: string;
  beforeAll(async () => {
    [owner, other] = await Promise.all([signUpWithToken(), signUpWithToken()]);
    team = await createdWorkspace(owner.token, 'CLI team');
  });

  it('the approver sees the scopes and their workspaces; a burst of 12 polls after approval makes exactly one API key', async () => {
    const s = await init('flarevault CLI on build-01', 'cli', CLI_SCOPES);
    const seen = await call('GET', authorizePath(s.user_code), { token: owner.token });
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ deviceName: 'flarevault CLI on build-01', platform: 'cli', scopes: CLI_SCOPES });
    const choices = seen.body.workspaces as { id: string; name: string; active: boolean; role: string }[];
    expect(choices.map((w) => w.id).sort()).toEqual([owner.userId, team].sort());
    expect(choices.find((w) => w.active)?.id).toBe(owner.userId);
    expect(choices.find((w) => w.id === team)).toMatchObject({ name: 'CLI team', role: 'OWNER', active: false });

    const before = (await apiKeysOf(owner.token)).length;
    expect((await call('POST', authorizePath(s.user_code, '/approve'), { token: owner.token, body: { workspaceId: team } })).status).toBe(204);
    const results = await Promise.all(Array.from({ length: 12 }, () => pollToken(s.device_code)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.error).toBe('invalid_grant');
    const issued = ok[0]!.body;
    expect(issued).toEqual({
      access_token: expect.stringMatching(/^fv_key_/),
      token_type: 'Bearer',
      expires_in: 90 * 86_400,
      scope: CLI_SCOPES.join(' '),
      api_key_id: expect.any(String),
      workspace_id: team,
    });
    const keys = await apiKeysOf(owner.token);
    expect(keys).toHaveLength(before + 1);
    const key = keys.find((k) => k.id === issued.api_key_id)!;
    expect(key).toMatchObject({ name: 'CLI: flarevault CLI on build-01', scopes: CLI_SCOPES, workspaceId: team });
    expect(Math.abs(Date.parse(key.expiresAt!) - (Date.now() + 90 * 86_400_000))).toBeLessThan(120_000);

    const audit = await call('GET', '/api/v1/audit-events', { token: owner.token });
    const events = audit.body.events as { type: string; metadata: Record<string, unknown> }[];
    expect(events.find((e) => e.type === 'auth.cli-login.approved')?.metadata).toMatchObject({ workspaceId: team, scopes: CLI_SCOPES });
    expect(events.filter((e) => e.type === 'auth.api-key.created' && e.metadata.apiKeyId === issued.api_key_id)).toHaveLength(1);
  });

  it('the key acts on the chosen workspace with exactly the asked scopes; refused on device and session routes', async () => {
    // A second session of the owner works in the team workspace and connects a sandbox account there.
    const second = await call('POST', '/api/v1/auth/login', { body: { email: owner.email, password: owner.password, client: 'token' } });
    const teamSession = second.body.token as string;
    expect((await call('POST', `/api/v1/workspaces/${team}/activate`, { token: teamSession })).status).toBe(200);
    const account = await call('POST', '/api/v1/cloudflare/accounts', { token: teamSession, body: { name: 'CLI sandbox', sandbox: true } });
    expect(account.status).toBe(201);
    const accountId = account.body.account.id as string;

    const key = await cliLogin(owner.token, CLI_SCOPES, { workspaceId: team });
    const asKey = { token: key.access_token };
    const workspaces = await call('GET', '/api/v1/workspaces', asKey);
    expect(workspaces.status).toBe(200);
    expect(workspaces.body.workspaces.find((w: { active: boolean }) => w.active).id).toBe(team);
    const accounts = await call('GET', '/api/v1/cloudflare/accounts', asKey);
    expect(accounts.status).toBe(200);
    expect(accounts.body.accounts.map((a: { id: string }) => a.id)).toEqual([accountId]);
    // The personal workspace (the owner's first session) does not see the team's account.
    expect((await call('GET', '/api/v1/cloudflare/accounts', { token: owner.token })).body.accounts).toEqual([]);

    const zones = await call('GET', `/api/v1/cloudflare/accounts/${accountId}/zones`, asKey);
    expect(zones.status).toBe(200);
    const job = await planOverHttp(key.access_token, { kind: 'dns-replace', accountId, zones: [zones.body.zones[0].id], params: { match: { types: ['TXT'] }, set: { ttl: 300 } } });
    expect(job.status).toBe(201);
    const jobId = job.body.job.id as string;
    expect((await call('GET', `/api/v1/jobs/${jobId}`, { token: teamSession })).status).toBe(200);
    expect((await call('GET', `/api/v1/jobs/${jobId}`, { token: owner.token })).status).toBe(404);
    expect((await call('GET', '/api/v1/jobs', asKey)).body.jobs.map((j: { id: string }) => j.id)).toContain(jobId);

    // A scope it did not ask for: refused.
    const audit = await call('GET', '/api/v1/audit-events', asKey);
    expect(audit.status).toBe(403);
    expect(audit.body).toMatchObject({ scope: 'audit:read' });
    // Device routes take device tokens only; session routes no API key.
    expect((await call('GET', '/api/v1/sync/devices', asKey)).status).toBe(401);
    const sessionOnly = await call('GET', '/api/v1/api-keys', asKey);
    expect(sessionOnly.status).toBe(403);
    expect(sessionOnly.body.type).toMatch(/session-required$/);
    // An API key cannot approve another login (approval needs a session).
    const next = await init('flarevault CLI on other', 'cli', ['jobs:read']);
    expect((await call('POST', authorizePath(next.user_code, '/approve'), asKey)).status).toBe(403);
  });

  it('without workspaceId the key acts on the approver’s active workspace, with only the scopes asked for', async () => {
    const key = await cliLogin(owner.token, ['account:read', 'jobs:read']);
    expect(key.workspace_id).toBe(owner.userId);
    expect(key.scope).toBe('account:read jobs:read');
    const asKey = { token: key.access_token };
    const r = await call('GET', '/api/v1/workspaces', asKey);
    expect(r.body.workspaces.find((w: { active: boolean }) => w.active).id).toBe(owner.userId);
    expect((await call('GET', '/api/v1/jobs', asKey)).status).toBe(200);
    for (const [method, path, body, missing] of [
      ['POST', '/api/v1/jobs', { kind: 'dns-replace', accountId: 'a'.repeat(16), zones: ['z'.repeat(16)], params: { match: {}, set: { ttl: 300 } } }, ['jobs:write', 'cloudflare:write']],
      ['GET', '/api/v1/cloudflare/accounts', undefined, ['cloudflare:read']],
    ] as const) {
      const refused = await call(method, path, { ...asKey, body });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ missing });
    }
  });

  it("a workspace the approver is not a member of: 404, and the login stays pending; naming one for a sync device: 400", async () => {
    const s = await init('flarevault CLI on laptop', 'cli', ['jobs:read']);
    const foreign = await call('POST', authorizePath(s.user_code, '/approve'), { token: owner.token, body: { workspaceId: other.userId } });
    expect(foreign.status).toBe(404);
    const unknown = await call('POST', authorizePath(s.user_code, '/approve'), { token: owner.token, body: { workspaceId: randomUUID().replace(/-/g, '') } });
    expect(unknown.status).toBe(404);
    expect((await pollToken(s.device_code)).body.error).toBe('authorization_pending');
    expect((await call('GET', authorizePath(s.user_code), { token: owner.token })).status).toBe(200);

    const device = await init('Sync laptop', 'linux');
    const r = await call('POST', authorizePath(device.user_code, '/approve'), { token: owner.token, body: { workspaceId: team } });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([expect.objectContaining({ in: 'body', field: 'workspaceId' })]);
    const sync = await call('GET', authorizePath(device.user_code), { token: owner.token });
    expect(sync.body).toMatchObject({ scopes: null, workspaces: null });
  });

  it('a revoke-all between approval and the claim ends the login: access_denied and no key', async () => {
    const u = await signUpWithToken();
    const s = await init('flarevault CLI on stolen-laptop', 'cli', ['jobs:read']);
    expect((await call('POST', authorizePath(s.user_code, '/approve'), { token: u.token })).status).toBe(204);
    expect((await call('POST', '/api/v1/auth/sessions/revoke-all', { token: u.token })).status).toBe(200);
    const r = await pollToken(s.device_code);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('access_denied');
    expect(await apiKeysOf(u.token)).toEqual([]);
    expect((await pollToken(s.device_code)).body.error).toBe('invalid_grant');
  });

  it('bad scopes at init: 400 with field detail', async () => {
    for (const scopes of [[], ['dns:everything'], 'jobs:read']) {
      const r = await call('POST', '/api/v1/sync/init', { body: { deviceName: 'CLI', platform: 'cli', scopes } });
      expect(r.status).toBe(400);
      expect(r.body.errors.map((f: { field: string }) => f.field.split('.')[0])).toContain('scopes');
    }
  });

  it('a denied CLI login gets access_denied; audited as a CLI login', async () => {
    const s = await init('flarevault CLI on kiosk', 'cli', ['jobs:read']);
    expect((await call('POST', authorizePath(s.user_code, '/deny'), { token: owner.token })).status).toBe(204);
    expect((await pollToken(s.device_code)).body.error).toBe('access_denied');
    const audit = await call('GET', '/api/v1/audit-events', { token: owner.token });
    expect(audit.body.events.map((e: { type: string }) => e.type)).toContain('auth.cli-login.denied');
  });

  it('logout: the key deletes itself (204, then 401, its slot freed, audited); a session gets 400 not-an-api-key', async () => {
    const key = await cliLogin(owner.token, ['account:read', 'jobs:read'], { deviceName: 'flarevault CLI on leaving-host' });
    expect((await apiKeysOf(owner.token)).map((k) => k.id)).toContain(key.api_key_id);
    expect((await call('DELETE', '/api/v1/api-keys/current', { token: key.access_token })).status).toBe(204);
    expect((await call('GET', '/api/v1/workspaces', { token: key.access_token })).status).toBe(401);
    expect((await call('DELETE', '/api/v1/api-keys/current', { token: key.access_token })).status).toBe(401);
    expect((await apiKeysOf(owner.token)).map((k) => k.id)).not.toContain(key.api_key_id);
    const audit = await call('GET', '/api/v1/audit-events', { token: owner.token });
    expect(audit.body.events.find((e: { type: string; metadata: { apiKeyId?: string } }) => e.type === 'auth.api-key.deleted' && e.metadata.apiKeyId === key.api_key_id)).toBeDefined();

    const session = await call('DELETE', '/api/v1/api-keys/current', { token: owner.token });
    expect(session.status).toBe(400);
    expect(session.body.type).toMatch(/not-an-api-key$/);
    expect((await call('DELETE', '/api/v1/api-keys/current')).status).toBe(401);
  });

  it('logout under a burst: 8 at once with one key → exactly one 204 and one audit event, the others 401/404, never 5xx', async () => {
    const key = await cliLogin(owner.token, ['account:read'], { deviceName: 'flarevault CLI on burst-host' });
    const statuses = (await Promise.all(Array.from({ length: 8 }, () => call('DELETE', '/api/v1/api-keys/current', { token: key.access_token })))).map((r) => r.status);
    expect(statuses.filter((s) => s === 204)).toHaveLength(1);
    expect(statuses.every((s) => s === 204 || s === 401 || s === 404)).toBe(true);
    expect((await apiKeysOf(owner.token)).map((k) => k.id)).not.toContain(key.api_key_id);
    const audit = await call('GET', '/api/v1/audit-events?limit=100', { token: owner.token });
    const deleted = audit.body.events.filter((e: { type: string; metadata: { apiKeyId?: string } }) => e.type === 'auth.api-key.deleted' && e.metadata.apiKeyId === key.api_key_id);
    expect(deleted).toHaveLength(1);
  });

  it('the 50-key cap holds: at 49 keys a burst of polls makes the 50th; a login approved meanwhile gets 429 at its poll; at 50 the approval is 429', async () => {
    const full = await signUpWithToken();
    const deps = identityDeps();
    const actor = { userId: full.userId, tier: 'free' as const };
    for (let i = 0; i < MAX_API_KEYS - 1; i += 7) {
      await Promise.all(Array.from({ length: Math.min(7, MAX_API_KEYS - 1 - i) }, (_, j) => createApiKey(deps, actor, { name: `k${i + j}`, scopes: ['jobs:read'] }, ctx)));
    }
    expect(await apiKeysOf(full.token)).toHaveLength(MAX_API_KEYS - 1);

    // Two logins approved while there is room for one more key.
    const [first, second] = await Promise.all([init('flarevault CLI on the 50th', 'cli', ['jobs:read']), init('flarevault CLI on the 51st', 'cli', ['jobs:read'])]);
    for (const s of [first, second]) expect((await call('POST', authorizePath(s.user_code, '/approve'), { token: full.token })).status).toBe(204);
    const burst = await Promise.all(Array.from({ length: 12 }, () => pollToken(first.device_code)));
    expect(burst.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await apiKeysOf(full.token)).toHaveLength(MAX_API_KEYS);
    // The create takes its slot atomically: the second login's claim finds no room.
    const refused = await pollToken(second.device_code);
    expect(refused.status).toBe(429);
    expect(refused.body.type).toMatch(/too-many-api-keys$/);
    expect(await apiKeysOf(full.token)).toHaveLength(MAX_API_KEYS);

    // At the cap the approver is told (429) and the login stays pending.
    const third = await init('flarevault CLI on the 52nd', 'cli', ['jobs:read']);
    const atCap = await call('POST', authorizePath(third.user_code, '/approve'), { token: full.token });
    expect(atCap.status).toBe(429);
    expect(atCap.body.type).toMatch(/too-many-api-keys$/);
    expect((await pollToken(third.device_code)).body.error).toBe('authorization_pending');
    expect(await apiKeysOf(full.token)).toHaveLength(MAX_API_KEYS);
  });
});
