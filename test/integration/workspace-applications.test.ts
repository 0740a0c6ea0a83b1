/**
 * Applications of a workspace over HTTP against the local runtime: register,
 * list, read, change, enable/disable, delete; input validation with field
 * detail (https or loopback http, origins are scheme+host+port, redirect URIs
 * without fragments); USER reads but cannot write (403), another workspace's
 * member gets 404; every change is in the workspace's audit chain; the name is
 * encrypted at rest.
 */
import { workspaceTenant, tenantPk } from '../../functions/tenancy/tenant';
import { MAX_APPLICATIONS } from '../../functions/applications/applications';
import { addMember } from '../../functions/workspaces/members';
import { memberActor } from '../../functions/workspaces/workspaces';
import type { WorkspaceDeps } from '../../functions/workspaces/deps';
import type { Role } from '../../functions/contracts/workspaces';
import { call, signUpWithToken } from '../support/http';
import { dataLayer } from './jobs-harness';
import { mainTable, partition } from './data-fixtures';

type User = Awaited<ReturnType<typeof signUpWithToken>>;

function wsDeps(): WorkspaceDeps {
  const d = dataLayer();
  return { repo: d.repo, keyring: d.keyring, audit: d.audit, now: Date.now };
}

async function join(owner: User, workspaceId: string, user: User, role: Role) {
  await addMember(wsDeps(), await memberActor(wsDeps(), owner.userId, workspaceId), user.userId, role);
}

const apps = (ws: string) => `/api/v1/workspaces/${ws}/applications`;
const valid = {
  name: 'Customer portal',
  allowedOrigins: ['https://portal.example.com', 'http://localhost:5173'],
  redirectUris: ['https://portal.example.com/auth/callback', 'http://127.0.0.1:8080/cb', 'http://[::1]:9000/cb'],
};

async function auditTypes(ws: string): Promise<Array<{ type: string; actor: string; metadata: Record<string, unknown> }>> {
  const page = await dataLayer().audit.list(workspaceTenant(ws), { limit: 100 });
  return page.items.map((e) => ({ type: e.type, actor: e.actor, metadata: e.metadata }));
}

describe('workspace applications', () => {
  let owner: User;
  let ws: string;

  beforeAll(async () => {
    owner = await signUpWithToken();
    const r = await call('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'Apps team' } });
    expect(r.status).toBe(201);
    ws = r.body.workspace.id;
  });

  it('registers, lists, reads, changes, disables and deletes an application; every change is audited', async () => {
    const created = await call('POST', apps(ws), { token: owner.token, body: valid });
    expect(created.status).toBe(201);
    const app = created.body.application;
    expect(app).toMatchObject({ name: 'Customer portal', enabled: true, allowedOrigins: valid.allowedOrigins, redirectUris: valid.redirectUris });
    expect(app.clientId).toMatch(/^fv_app_[A-Za-z0-9_-]{20,}$/);

    const second = await call('POST', apps(ws), { token: owner.token, body: { name: 'CLI', enabled: false } });
    expect(second.status).toBe(201);
    expect(second.body.application).toMatchObject({ allowedOrigins: [], redirectUris: [], enabled: false });

    // Newest first, with a cursor.
    const page1 = await call('GET', `${apps(ws)}?limit=1`, { token: owner.token });
    expect(page1.status).toBe(200);
    expect(page1.body.applications.map((a: { id: string }) => a.id)).toEqual([second.body.application.id]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await call('GET', `${apps(ws)}?limit=1&cursor=${encodeURIComponent(page1.body.nextCursor)}`, { token: owner.token });
    expect(page2.body.applications.map((a: { id: string }) => a.id)).toEqual([app.id]);

    const read = await call('GET', `${apps(ws)}/${app.id}`, { token: owner.token });
    expect(read.status).toBe(200);
    expect(read.body.application).toEqual(app);

    const renamed = await call('PATCH', `${apps(ws)}/${app.id}`, {
      token: owner.token,
      body: { name: 'Portal', redirectUris: ['https://portal.example.com/v2/callback?x=1'] },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.application).toMatchObject({ name: 'Portal', redirectUris: ['https://portal.example.com/v2/callback?x=1'], clientId: app.clientId });

    const disabled = await call('PATCH', `${apps(ws)}/${app.id}`, { token: owner.token, body: { enabled: false } });
    expect(disabled.body.application.enabled).toBe(false);

    // The name is encrypted at rest.
    const raw = (await partition(mainTable(), tenantPk(workspaceTenant(ws)))).filter((i) => String(i.sk).startsWith('APP#'));
    expect(raw).toHaveLength(2);
    for (const item of raw) expect(String(item.name)).toMatch(/^fv1\./);
    expect(JSON.stringify(raw)).not.toMatch(/Portal|CLI/);

    const del = await call('DELETE', `${apps(ws)}/${app.id}`, { token: owner.token });
    expect(del.status).toBe(204);
    expect((await call('GET', `${apps(ws)}/${app.id}`, { token: owner.token })).status).toBe(404);
    expect((await call('DELETE', `${apps(ws)}/${app.id}`, { token: owner.token })).status).toBe(404);

    const events = await auditTypes(ws);
    const mine = events.filter((e) => e.type.startsWith('application.'));
    expect(mine.map((e) => e.type)).toEqual(
      expect.arrayContaining(['application.created', 'application.created', 'application.updated', 'application.disabled', 'application.deleted']),
    );
    expect(mine.every((e) => e.actor === `user#${owner.userId}`)).toBe(true);
    expect(mine.find((e) => e.type === 'application.deleted')?.metadata).toMatchObject({ applicationId: app.id, clientId: app.clientId });
  });

  it.each([
    ['http redirect URI on a non-loopback host', { redirectUris: ['http://portal.example.com/cb'] }, 'redirectUris.0', /loopback/],
    ['redirect URI with a fragment', { redirectUris: ['https://portal.example.com/cb#frag'] }, 'redirectUris.0', /fragment/],
    ['origin with a path', { allowedOrigins: ['https://portal.example.com/app'] }, 'allowedOrigins.0', /scheme, host and port/],
    ['http origin on a non-loopback host', { allowedOrigins: ['http://portal.example.com'] }, 'allowedOrigins.0', /loopback/],
    ['origin that is not a URL', { allowedOrigins: ['portal.example.com'] }, 'allowedOrigins.0', /origin/],
    ['javascript: redirect URI', { redirectUris: ['javascript:alert(1)'] }, 'redirectUris.0', /https/],
    ['repeated origin', { allowedOrigins: ['https://a.example.com', 'https://a.example.com'] }, 'allowedOrigins', /repeat/],
    ['too many redirect URIs', { redirectUris: Array.from({ length: 21 }, (_, i) => `https://a.example.com/${i}`) }, 'redirectUris', /.+/],
    ['empty name', { name: ' ' }, 'name', /.+/],
  ])('400 with field detail: %s', async (_label, change, field, message) => {
    const r = await call('POST', apps(ws), { token: owner.token, body: { ...valid, ...change } });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'body', field, message: expect.stringMatching(message) })]));
  });

  it('a change with an invalid value is refused too, and the application is unchanged', async () => {
    const app = (await call('POST', apps(ws), { token: owner.token, body: valid })).body.application;
    const r = await call('PATCH', `${apps(ws)}/${app.id}`, { token: owner.token, body: { redirectUris: ['http://evil.example.com/cb'] } });
    expect(r.status).toBe(400);
    expect((await call('GET', `${apps(ws)}/${app.id}`, { token: owner.token })).body.application).toEqual(app);
  });

  it('a USER reads applications but gets 403 on every write; ADMIN may write', async () => {
    const user = await signUpWithToken();
    const admin = await signUpWithToken();
    await join(owner, ws, user, 'USER');
    await join(owner, ws, admin, 'ADMIN');
    const app = (await call('POST', apps(ws), { token: admin.token, body: valid })).body.application;
    expect(app.id).toEqual(expect.any(String));

    expect((await call('GET', apps(ws), { token: user.token })).status).toBe(200);
    expect((await call('GET', `${apps(ws)}/${app.id}`, { token: user.token })).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', apps(ws), valid],
      ['PATCH', `${apps(ws)}/${app.id}`, { enabled: false }],
      ['DELETE', `${apps(ws)}/${app.id}`, undefined],
    ] as const) {
      const r = await call(method, path, { token: user.token, body });
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ action: 'applications.manage', requiredRole: 'ADMIN', role: 'USER' });
    }
    expect((await call('GET', `${apps(ws)}/${app.id}`, { token: owner.token })).body.application).toEqual(app);
  });

  it("another workspace's member gets 404 for the workspace's applications, like an absent id", async () => {
    const app = (await call('POST', apps(ws), { token: owner.token, body: valid })).body.application;
    const stranger = await signUpWithToken();
    for (const [method, path, body] of [
      ['GET', apps(ws), undefined],
      ['POST', apps(ws), valid],
      ['GET', `${apps(ws)}/${app.id}`, undefined],
      ['PATCH', `${apps(ws)}/${app.id}`, { enabled: false }],
      ['DELETE', `${apps(ws)}/${app.id}`, undefined],
    ] as const) {
      expect((await call(method, path, { token: stranger.token, body })).status).toBe(404);
    }
    // An application id of one workspace is absent in another (even to its OWNER).
    expect((await call('GET', `${apps(stranger.userId)}/${app.id}`, { token: stranger.token })).status).toBe(404);
    expect((await call('GET', `${apps(ws)}/${app.id}`, { token: owner.token })).body.application).toEqual(app);
  });
});

describe('the application cap', () => {
  it('holds under a concurrent burst: a workspace never passes MAX_APPLICATIONS (429 application-limit past it)', async () => {
    const owner = await signUpWithToken();
    const r = await call('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'Cap team' } });
    const capWs: string = r.body.workspace.id;
    const create = (i: number) => call('POST', apps(capWs), { token: owner.token, body: { name: `app ${i}` } });
    // Fill to 5 below the cap, then 15 at once: exactly 5 more get in.
    for (let i = 0; i < MAX_APPLICATIONS - 5; i += 15) {
      const batch = await Promise.all(Array.from({ length: Math.min(15, MAX_APPLICATIONS - 5 - i) }, (_, k) => create(i + k)));
      expect(batch.map((b) => b.status).every((s) => s === 201)).toBe(true);
    }
    const burst = await Promise.all(Array.from({ length: 15 }, (_, k) => create(1000 + k)));
    const statuses = burst.map((b) => b.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    expect(burst.find((b) => b.status === 429)!.body).toMatchObject({ limit: MAX_APPLICATIONS });
    const rows = (await partition(mainTable(), tenantPk(workspaceTenant(capWs)))).filter((i) => String(i.sk).startsWith('APP#'));
    expect(rows).toHaveLength(MAX_APPLICATIONS);
  }, 60_000);
});
