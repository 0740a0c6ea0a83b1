/**
 * Tenant isolation on every route that names a resource: user B, holding
 * valid credentials, asks for user A's resources by id and gets exactly the
 * answer an absent id gets (404) — B is a member of another workspace (their
 * own), A's resources live in A's personal workspace, and A's resources are unchanged. A
 * completeness check makes a new route with path parameters fail here until
 * it has a probe. Sync device routes: B's device runs each of them with A's ids and sees
 * none of A's sync data, changes none of it.
 */
import { routes } from '../../functions/platform/manifest';
import { eventSkAfter } from '../../functions/sync/events';
import { planOverHttp } from '../support/jobs-http';
import { approvedUserCode, linkedDevice } from '../support/device-authorization';
import { registeredPasskey } from '../support/passkeys';
import { linkedIdentity } from '../support/oidc';
import { call, signUpWithToken } from '../support/http';
import { absent, deviceProbes, probed, probes, SELF_DEVICE_ROUTES, zone } from './route-probes';

interface Fixture {
  a: Awaited<ReturnType<typeof signUpWithToken>>;
  b: Awaited<ReturnType<typeof signUpWithToken>>;
  ids: Record<string, string>;
}

describe('tenant isolation', () => {
  const f = {} as Fixture;

  beforeAll(async () => {
    f.a = await signUpWithToken();
    f.b = await signUpWithToken();
    const second = await call('POST', '/api/v1/auth/login', { body: { email: f.a.email, password: f.a.password, client: 'token' } });
    const key = await call('POST', '/api/v1/api-keys', { token: f.a.token, body: { name: 'a-key', scopes: ['account:read'] } });
    const account = await call('POST', '/api/v1/cloudflare/accounts', { token: f.a.token, body: { name: 'A sandbox', sandbox: true } });
    if (account.status !== 201) throw new Error(`sandbox account: ${account.status} ${account.text}`);
    const zones = await call('GET', `/api/v1/cloudflare/accounts/${account.body.account.id}/zones`, { token: f.a.token });
    const zoneId = zones.body.zones[0].id as string;
    const records = await call('GET', `/api/v1/cloudflare/accounts/${account.body.account.id}/zones/${zoneId}/dns-records?perPage=5`, { token: f.a.token });
    const job = await planOverHttp(f.a.token, { kind: 'dns-replace', accountId: account.body.account.id, zones: [zoneId], params: { match: { types: ['TXT'] }, set: { ttl: 300 } } });
    if (job.status !== 201) throw new Error(`job: ${job.status} ${job.text}`);
    const invite = await call('POST', `/api/v1/workspaces/${f.a.userId}/invites`, { token: f.a.token, body: { email: `invitee-${f.a.userId}@example.com`, role: 'USER' } });
    const application = await call('POST', `/api/v1/workspaces/${f.a.userId}/applications`, { token: f.a.token, body: { name: 'A app' } });
    if (application.status !== 201) throw new Error(`application: ${application.status} ${application.text}`);
    const credential = await call('POST', `/api/v1/workspaces/${f.a.userId}/applications/${application.body.application.id}/credentials`, { token: f.a.token, body: { name: 'a-credential' } });
    if (credential.status !== 201) throw new Error(`credential: ${credential.status} ${credential.text}`);
    if ((await call('POST', '/api/v1/sessions/set/isolation', { token: credential.body.secret, body: 'a' })).status !== 200) throw new Error('vault value');
    f.ids = {
      appUser: credential.body.credential.appUserId,
      vaultKey: 'isolation',
      credential: credential.body.credential.id,
      job: job.body.job.id,
      session: second.body.session.id,
      apiKey: key.body.apiKey.id,
      account: account.body.account.id,
      zone: zoneId,
      record: records.body.records[0].id,
      // A's personal workspace (B is a member of another one: their own).
      workspace: f.a.userId,
      member: f.a.userId,
      application: application.body.application.id,
      invite: invite.body.invite.id,
      userCode: await approvedUserCode(f.a.token),
      device: (await linkedDevice(f.a.token)).deviceId,
      passkey: (await registeredPasskey(f.a.token)).passkey.id,
      identity: (await linkedIdentity(f.a.token, f.a.email)).id,
    };
  });

  it('has a probe for every route with path parameters', () => {
    const needing = routes.filter(probed).map((r) => r.operationId);
    expect(needing.filter((id) => !probes[id])).toEqual([]);
  });

  it.each(Object.keys(probes))('%s: another user gets the same 404 as an absent id', async (operationId) => {
    const probe = probes[operationId]!(f);
    const asB = await call(probe.method, probe.path, { token: f.b.token, body: probe.body });
    const missing = absent(f);
    const control = probes[operationId]!(missing);
    const asBMissing = await call(control.method, control.path, { token: f.b.token, body: control.body });
    expect(asB.status).toBe(404);
    expect(asBMissing.status).toBe(404);
    expect({ ...asB.body, requestId: undefined, detail: undefined }).toEqual({ ...asBMissing.body, requestId: undefined, detail: undefined });
  });

  it("A's resources are untouched and still A's", async () => {
    expect((await call('GET', '/api/v1/me', { token: f.a.token })).status).toBe(200);
    const keys = await call('GET', '/api/v1/api-keys', { token: f.a.token });
    expect(keys.body.apiKeys.map((k: { id: string }) => k.id)).toContain(f.ids.apiKey);
    const sessions = await call('GET', '/api/v1/auth/sessions', { token: f.a.token });
    expect(sessions.body.sessions.map((s: { id: string }) => s.id)).toContain(f.ids.session);
    const records = await call('GET', `${zone(f)}/dns-records?perPage=500`, { token: f.a.token });
    const record = records.body.records.find((r: { id: string }) => r.id === f.ids.record);
    expect(record.content).not.toBe('hijacked');
    expect(records.body.records.some((r: { name: string }) => r.name.startsWith('isolation.'))).toBe(false);
    const accounts = await call('GET', '/api/v1/cloudflare/accounts', { token: f.b.token });
    expect(accounts.body.accounts).toEqual([]);
    const invites = await call('GET', `/api/v1/workspaces/${f.ids.workspace}/invites`, { token: f.a.token });
    expect(invites.body.invites.map((i: { id: string; email: string }) => [i.id, i.email])).toEqual([[f.ids.invite, `invitee-${f.a.userId}@example.com`]]);
    const ws = await call('GET', `/api/v1/workspaces/${f.ids.workspace}`, { token: f.a.token });
    expect(ws.body.workspace).toMatchObject({ name: 'Personal', role: 'OWNER', twoPersonRule: false });
    const apps = await call('GET', `/api/v1/workspaces/${f.ids.workspace}/applications`, { token: f.a.token });
    expect(apps.body.applications.map((a: { id: string; name: string }) => [a.id, a.name])).toEqual([[f.ids.application, 'A app']]);
    const job = await call('GET', `/api/v1/jobs/${f.ids.job}`, { token: f.a.token });
    expect(job.body.job.status).toBe('planned');
    expect(job.body.job.approvedBy).toBeNull();
    expect((await call('GET', '/api/v1/jobs', { token: f.b.token })).body.jobs).toEqual([]);
    const devices = await call('GET', '/api/v1/devices', { token: f.a.token });
    expect(devices.body.devices.map((d: { id: string }) => d.id)).toEqual([f.ids.device]);
    expect((await call('GET', '/api/v1/devices', { token: f.b.token })).body.devices).toEqual([]);
    const passkeys = await call('GET', '/api/v1/auth/passkeys', { token: f.a.token });
    expect(passkeys.body.passkeys.map((p: { id: string; name: string }) => [p.id, p.name])).toEqual([[f.ids.passkey, 'Test key']]);
  });
});

describe('tenant isolation: sync device routes', () => {
  const blobOf = (tag: string) => Buffer.from(`isolation secret ${tag} ${Date.now()}`).toString('base64');
  let a: { token: string; deviceId: string };
  let b: { token: string; deviceId: string };
  const ids: Record<string, string> = {};
  const secrets: string[] = [];

  /** What A's device reads back: every sync route's answer that holds A's data. */
  const aView = async () => {
    const paths = ['/api/v1/sync/key', '/api/v1/sync/key/versions', '/api/v1/sync/config', '/api/v1/sync/history', `/api/v1/sync/history/${a.deviceId}`];
    for (const type of ['environment', 'secret', 'collection', 'setting']) paths.push(`/api/v1/sync/data/${type}`);
    return Promise.all(paths.map(async (path) => [path, (await call('GET', path, { token: a.token })).body]));
  };

  beforeAll(async () => {
    const [ua, ub] = await Promise.all([signUpWithToken(), signUpWithToken()]);
    const [la, lb] = await Promise.all([linkedDevice(ua.token, 'A laptop'), linkedDevice(ub.token, 'B laptop')]);
    a = { token: la.deviceToken, deviceId: la.deviceId };
    b = { token: lb.deviceToken, deviceId: lb.deviceId };
    ids.syncItem = 'shared.name';
    ids.device = a.deviceId;
    ids.eventsCursor = Buffer.from(eventSkAfter(Date.now() - 60_000)).toString('base64url');
    const put = async (path: string, method: string, body: object) => {
      const r = await call(method, path, { token: a.token, body });
      if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    };
    const key = blobOf('key');
    secrets.push(key);
    await put('/api/v1/sync/key', 'PUT', { blob: key, expectedVersion: 0 });
    for (const type of ['environment', 'secret', 'collection', 'setting']) {
      const x = blobOf(type);
      secrets.push(x);
      await put(`/api/v1/sync/data/${type}/${ids.syncItem}`, 'PUT', { blob: x });
    }
    const records = [0, 1, 2].map((idx) => ({ idx, blob: blobOf(`history ${idx}`) }));
    secrets.push(...records.map((r) => r.blob));
    await put('/api/v1/sync/history', 'POST', { records });
  });

  it('has a probe for every device route', () => {
    const needing = routes.filter((r) => r.auth === 'device' && !SELF_DEVICE_ROUTES.includes(r.operationId)).map((r) => r.operationId);
    expect(needing.filter((id) => !deviceProbes[id]).sort()).toEqual([]);
    expect(Object.keys(deviceProbes).sort()).toEqual(needing.sort());
  });

  it("B's device, with A's ids, sees none of A's data and changes none of it", async () => {
    const before = await aView();
    expect(JSON.stringify(before)).toContain(secrets[1]);
    const failures: string[] = [];
    for (const [operationId, probe] of Object.entries(deviceProbes)) {
      const req = probe({ ids });
      const r = await call(req.method, req.path, { token: b.token, body: req.body });
      if (r.status >= 500 || [401, 403].includes(r.status)) failures.push(`${operationId}: ${r.status} ${r.text.slice(0, 200)}`);
      const leaked = [...secrets, a.deviceId].filter((x) => r.text.includes(x));
      if (leaked.length) failures.push(`${operationId} shows A's data: ${r.text.slice(0, 200)}`);
      if (operationId === 'getSyncSnapshot' && r.status !== 404) failures.push(`${operationId}: ${r.status}, not 404`);
      if (operationId === 'getSyncKey' && r.status !== 404) failures.push(`${operationId}: ${r.status}, not 404`);
    }
    expect(failures).toEqual([]);
    expect(await aView()).toEqual(before);
  });
});
