/**
 * Workspaces over HTTP against the local runtime (handlers in-process, so the
 * authenticator's credential cache is warm between requests): members share a
 * workspace's Cloudflare accounts and jobs; roles are checked per action (403
 * naming the role); a role change or removal is refused on the very next
 * request; an API key loses what its owner's role no longer allows; the last
 * OWNER stays; deleting a workspace shreds it. Members are added with the
 * domain function the invites issue will call (`addMember`).
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { cfAccountSk, CloudflareAccountEntity } from '../../functions/cloudflare/entities';
import { workspaceTenant } from '../../functions/tenancy/tenant';
import { addMember } from '../../functions/workspaces/members';
import { memberActor } from '../../functions/workspaces/workspaces';
import type { WorkspaceDeps } from '../../functions/workspaces/deps';
import type { Role } from '../../functions/contracts/workspaces';
import { call, signUpWithToken } from '../support/http';
import { dataLayer } from './jobs-harness';
import { layer } from './data-fixtures';

type User = Awaited<ReturnType<typeof signUpWithToken>>;
const ACCOUNTS = '/api/v1/cloudflare/accounts';

function wsDeps(): WorkspaceDeps {
  const d = dataLayer();
  return { repo: d.repo, keyring: d.keyring, audit: d.audit, now: Date.now };
}

async function newWorkspace(owner: User, name: string): Promise<string> {
  const r = await call('POST', '/api/v1/workspaces', { token: owner.token, body: { name } });
  expect(r.status).toBe(201);
  return r.body.workspace.id as string;
}

async function join(owner: User, workspaceId: string, user: User, role: Role) {
  await addMember(wsDeps(), await memberActor(wsDeps(), owner.userId, workspaceId), user.userId, role);
}

async function activate(u: User, workspaceId: string) {
  const r = await call('POST', `/api/v1/workspaces/${workspaceId}/activate`, { token: u.token });
  expect(r.status).toBe(200);
}

async function sandboxAccount(u: User): Promise<{ id: string; zoneId: string }> {
  const account = await call('POST', ACCOUNTS, { token: u.token, body: { name: 'Team sandbox', sandbox: true } });
  expect(account.status).toBe(201);
  const zones = await call('GET', `${ACCOUNTS}/${account.body.account.id}/zones`, { token: u.token });
  return { id: account.body.account.id, zoneId: zones.body.zones[0].id };
}

const planBody = (a: { id: string; zoneId: string }) => ({
  kind: 'dns-replace',
  accountId: a.id,
  zones: [a.zoneId],
  params: { match: { types: ['TXT'] }, set: { ttl: 300 } },
});

const setRole = (by: User, ws: string, target: User, role: Role) =>
  call('PATCH', `/api/v1/workspaces/${ws}/members/${target.userId}`, { token: by.token, body: { role } });

describe('workspaces', () => {
  it('signup makes a personal workspace (id = user id), OWNER, active; it cannot be deleted', async () => {
    const u = await signUpWithToken();
    const list = await call('GET', '/api/v1/workspaces', { token: u.token });
    expect(list.body.workspaces).toEqual([expect.objectContaining({ id: u.userId, personal: true, role: 'OWNER', active: true, tier: 'free' })]);
    const del = await call('DELETE', `/api/v1/workspaces/${u.userId}`, { token: u.token });
    expect(del.status).toBe(409);
    expect(del.body.type).toMatch(/personal-workspace$/);
  });

  it('a user from before workspaces gets the personal workspace on the next request', async () => {
    const u = await signUpWithToken();
    const table = dataLayer().table;
    for (const sk of ['WORKSPACE#profile', `MEMBER#${u.userId}`]) {
      await table.doc.send(new DeleteCommand({ TableName: table.name, Key: { pk: `T#workspace#${u.userId}`, sk } }));
    }
    expect((await call('GET', ACCOUNTS, { token: u.token })).status).toBe(200);
    const list = await call('GET', '/api/v1/workspaces', { token: u.token });
    expect(list.body.workspaces[0]).toMatchObject({ id: u.userId, role: 'OWNER' });
  });

  it('members share accounts and jobs; USER plans but cannot apply or cancel (403 naming ADMIN); ADMIN can', async () => {
    const owner = await signUpWithToken();
    const member = await signUpWithToken();
    const ws = await newWorkspace(owner, 'Agency');
    await activate(owner, ws);
    const account = await sandboxAccount(owner);
    await join(owner, ws, member, 'USER');
    await activate(member, ws);

    const seen = await call('GET', ACCOUNTS, { token: member.token });
    expect(seen.body.accounts.map((a: { id: string }) => a.id)).toEqual([account.id]);
    const job = await call('POST', '/api/v1/jobs', { token: member.token, body: planBody(account) });
    expect(job.status).toBe(201);
    expect((await call('GET', `/api/v1/jobs/${job.body.job.id}`, { token: owner.token })).status).toBe(200);

    const refused = await call('POST', `/api/v1/jobs/${job.body.job.id}/apply`, { token: member.token, body: {} });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ requiredRole: 'ADMIN', role: 'USER', action: 'jobs.apply' });
    expect((await call('DELETE', `${ACCOUNTS}/${account.id}`, { token: member.token })).status).toBe(403);

    expect((await call('POST', `/api/v1/jobs/${job.body.job.id}/cancel`, { token: member.token })).status).toBe(403);

    // As ADMIN the same member may apply, cancel, retry, revert (`jobs.apply`). Cancelling the planned
    // job shows it without running one: the shared test stack's sweeper test counts every active job.
    expect((await setRole(owner, ws, member, 'ADMIN')).status).toBe(200);
    const cancelled = await call('POST', `/api/v1/jobs/${job.body.job.id}/cancel`, { token: member.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.job.status).toBe('cancelled');

    // The member's own personal workspace does not see the team's account.
    await activate(member, member.userId);
    expect((await call('GET', ACCOUNTS, { token: member.token })).body.accounts).toEqual([]);
  });

  it('a lowered role or a removal is refused on the very next request (credential cache warm)', async () => {
    const owner = await signUpWithToken();
    const member = await signUpWithToken();
    const ws = await newWorkspace(owner, 'Warm');
    await activate(owner, ws);
    const account = await sandboxAccount(owner);
    await join(owner, ws, member, 'ADMIN');
    await activate(member, ws);
    // Warm the cache with an ADMIN action.
    expect((await call('POST', `${ACCOUNTS}/${account.id}/verify`, { token: member.token })).status).toBe(200);
    expect((await setRole(owner, ws, member, 'USER')).status).toBe(200);
    expect((await call('POST', `${ACCOUNTS}/${account.id}/verify`, { token: member.token })).status).toBe(403);
    expect((await call('GET', ACCOUNTS, { token: member.token })).status).toBe(200);

    expect((await call('DELETE', `/api/v1/workspaces/${ws}/members/${member.userId}`, { token: owner.token })).status).toBe(204);
    const gone = await call('GET', ACCOUNTS, { token: member.token });
    expect(gone.status).toBe(404);
    expect((await call('GET', `/api/v1/workspaces/${ws}`, { token: member.token })).status).toBe(404);
    // Their own items still work, and the workspace is no longer listed.
    const list = await call('GET', '/api/v1/workspaces', { token: member.token });
    expect(list.status).toBe(200);
    expect(list.body.workspaces.map((w: { id: string }) => w.id)).toEqual([member.userId]);
  });

  it("an API key can do what its scopes allow AND its owner's current role allows", async () => {
    const owner = await signUpWithToken();
    const member = await signUpWithToken();
    const ws = await newWorkspace(owner, 'Keys');
    await activate(owner, ws);
    const account = await sandboxAccount(owner);
    await join(owner, ws, member, 'ADMIN');
    await activate(member, ws);
    const key = await call('POST', '/api/v1/api-keys', { token: member.token, body: { name: 'automation', scopes: ['cloudflare:read', 'cloudflare:write'] } });
    expect(key.status).toBe(201);
    expect(key.body.apiKey.workspaceId).toBe(ws);
    const secret = key.body.secret as string;
    // The key acts on its workspace even after the session switches elsewhere.
    await activate(member, member.userId);
    expect((await call('POST', `${ACCOUNTS}/${account.id}/verify`, { token: secret })).status).toBe(200);
    expect((await setRole(owner, ws, member, 'USER')).status).toBe(200);
    expect((await call('POST', `${ACCOUNTS}/${account.id}/verify`, { token: secret })).status).toBe(403);
    expect((await call('GET', ACCOUNTS, { token: secret })).status).toBe(200);
    expect((await call('DELETE', `/api/v1/workspaces/${ws}/members/${member.userId}`, { token: owner.token })).status).toBe(204);
    expect((await call('GET', ACCOUNTS, { token: secret })).status).toBe(404);
  });

  it('the last OWNER can neither leave nor be demoted; an ADMIN cannot touch an OWNER', async () => {
    const owner = await signUpWithToken();
    const admin = await signUpWithToken();
    const ws = await newWorkspace(owner, 'Owners');
    await join(owner, ws, admin, 'ADMIN');
    const leave = await call('DELETE', `/api/v1/workspaces/${ws}/members/${owner.userId}`, { token: owner.token });
    expect(leave.status).toBe(409);
    expect(leave.body.type).toMatch(/last-owner$/);
    expect((await setRole(owner, ws, owner, 'ADMIN')).status).toBe(409);
    const byAdmin = await setRole(admin, ws, owner, 'USER');
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.requiredRole).toBe('OWNER');
    expect((await setRole(admin, ws, admin, 'OWNER')).status).toBe(403);
    // An ADMIN may leave.
    expect((await call('DELETE', `/api/v1/workspaces/${ws}/members/${admin.userId}`, { token: admin.token })).status).toBe(204);
  });

  it('concurrent demotions and departures never leave a workspace without an OWNER', async () => {
    for (let round = 0; round < 3; round++) {
      const a = await signUpWithToken();
      const b = await signUpWithToken();
      const ws = await newWorkspace(a, `Burst ${round}`);
      await join(a, ws, b, 'OWNER');
      const results = await Promise.all([
        setRole(a, ws, b, 'USER'),
        setRole(b, ws, a, 'USER'),
        call('DELETE', `/api/v1/workspaces/${ws}/members/${a.userId}`, { token: a.token }),
        call('DELETE', `/api/v1/workspaces/${ws}/members/${b.userId}`, { token: b.token }),
        setRole(a, ws, a, 'ADMIN'),
        setRole(b, ws, b, 'ADMIN'),
      ]);
      for (const r of results) expect([200, 204, 403, 404, 409]).toContain(r.status);
      const members = await dataLayer().repo.query(workspaceTenant(ws), { name: 'workspace-member', skPrefix: 'MEMBER#', encrypted: [] } as never, { consistent: true });
      const owners = (members.items as unknown as Array<{ role: string }>).filter((m) => m.role === 'OWNER');
      expect(owners.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('deleting a workspace shreds its data; its members get 404 on it', async () => {
    const owner = await signUpWithToken();
    const member = await signUpWithToken();
    const ws = await newWorkspace(owner, 'Doomed');
    await activate(owner, ws);
    const account = await sandboxAccount(owner);
    await join(owner, ws, member, 'ADMIN');
    await activate(member, ws);
    expect((await call('DELETE', `/api/v1/workspaces/${ws}`, { token: member.token })).status).toBe(403);
    expect((await call('DELETE', `/api/v1/workspaces/${ws}`, { token: owner.token })).status).toBe(204);

    // A cold container (no cached DEK) cannot read what the workspace held.
    await expect(layer().repo.get(workspaceTenant(ws), CloudflareAccountEntity, cfAccountSk(account.id))).rejects.toThrow();
    expect((await call('GET', ACCOUNTS, { token: member.token })).status).toBe(404);
    expect((await call('GET', ACCOUNTS, { token: owner.token })).status).toBe(404);
    expect((await call('GET', `/api/v1/workspaces/${ws}`, { token: owner.token })).status).toBe(404);
    const list = await call('GET', '/api/v1/workspaces', { token: owner.token });
    expect(list.body.workspaces.map((w: { id: string }) => w.id)).toEqual([owner.userId]);
  });
});
