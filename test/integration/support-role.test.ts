/**
 * SUPPORT over HTTP against the local runtime (handlers in-process, so the authenticator's
 * credential cache is warm between requests): operator staff get read-only access to one
 * workspace only through the operator command (ops/admin.ts grant-support, time-limited,
 * revocable, both audited); with a grant they read the workspace, its members, its audit
 * chain and its API-access log — each read leaving a `support.read` audit event — and
 * nothing else (writes, applications, invites: 403 support-read-only; Cloudflare accounts,
 * DNS and jobs: the credential-named routes act on their own workspace, so 404; activating
 * the supported workspace: 403). No route makes a grant: the role route refuses SUPPORT (400).
 */
import type { AuditEvent } from '../../functions/audit/audit';
import { parseSupportArgs, runAdmin } from '../../functions/ops/admin';
import { workspaceTenant } from '../../functions/tenancy/tenant';
import type { WorkspaceDeps } from '../../functions/workspaces/deps';
import { addMember } from '../../functions/workspaces/members';
import { grantSupport } from '../../functions/workspaces/support';
import { memberActor } from '../../functions/workspaces/workspaces';
import { planOverHttp } from '../support/jobs-http';
import { call, signUpWithToken } from '../support/http';
import { dataLayer } from './jobs-harness';
import { waitForAccessLog } from '../support/access-log';

type User = Awaited<ReturnType<typeof signUpWithToken>>;
const ACCOUNTS = '/api/v1/cloudflare/accounts';
const WS = (id: string) => `/api/v1/workspaces/${id}`;

function wsDeps(): WorkspaceDeps {
  const d = dataLayer();
  return { repo: d.repo, keyring: d.keyring, audit: d.audit, now: Date.now };
}

async function events(ws: string): Promise<AuditEvent[]> {
  return (await dataLayer().audit.list(workspaceTenant(ws), { limit: 200 })).items;
}

/** An owner's workspace with a member, a sandbox Cloudflare account and a planned job. */
async function team() {
  const owner = await signUpWithToken();
  const member = await signUpWithToken();
  const r = await call('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'Customer' } });
  expect(r.status).toBe(201);
  const ws = r.body.workspace.id as string;
  expect((await call('POST', `${WS(ws)}/activate`, { token: owner.token })).status).toBe(200);
  await addMember(wsDeps(), await memberActor(wsDeps(), owner.userId, ws), member.userId, 'USER');
  const account = await call('POST', ACCOUNTS, { token: owner.token, body: { name: 'Customer sandbox', sandbox: true } });
  expect(account.status).toBe(201);
  const accountId = account.body.account.id as string;
  const zones = await call('GET', `${ACCOUNTS}/${accountId}/zones`, { token: owner.token });
  const zoneId = zones.body.zones[0].id as string;
  const job = await planOverHttp(owner.token, { kind: 'dns-replace', accountId, zones: [zoneId], params: { match: { types: ['TXT'] }, set: { ttl: 300 } } });
  expect(job.status).toBe(201);
  return { owner, member, ws, accountId, zoneId, jobId: job.body.job.id as string };
}

const grant = (staff: User, ws: string, ...flags: string[]) => runAdmin(['grant-support', staff.email, ws, '--operator', 'ops-alice', ...flags]);
const revoke = (staff: User, ws: string) => runAdmin(['revoke-support', staff.email, ws, '--operator', 'ops-alice']);

/** The four reads SUPPORT holds, with their operations. */
const READS = [
  ['getWorkspace', 'workspace.read', (ws: string) => WS(ws)],
  ['listMembers', 'members.read', (ws: string) => `${WS(ws)}/members`],
  ['listWorkspaceAuditEvents', 'logs.read', (ws: string) => `${WS(ws)}/audit-events`],
  ['verifyWorkspaceAuditChain', 'logs.read', (ws: string) => `${WS(ws)}/audit-events/verify`],
  ['listAccessLog', 'logs.read', (ws: string) => `${WS(ws)}/access-log`],
] as const;

describe('SUPPORT role', () => {
  it('without a grant every workspace route is 404; the grant and revoke are operator commands, audited', async () => {
    const { ws, member } = await team();
    const staff = await signUpWithToken();
    for (const [, , path] of READS) expect((await call('GET', path(ws), { token: staff.token })).status).toBe(404);

    const out = await grant(staff, ws, '--hours', '2');
    expect(out).toMatch(/read-only SUPPORT access/);
    const granted = (await events(ws)).find((e) => e.type === 'support.granted');
    expect(granted).toMatchObject({ actor: 'operator#ops-alice', metadata: { supportUser: staff.userId, hours: 2 } });
    const hours = (Date.parse(String(granted!.metadata!.expiresAt)) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(1.9);
    expect(hours).toBeLessThanOrEqual(2);

    await revoke(staff, ws);
    expect((await events(ws)).find((e) => e.type === 'support.revoked')).toMatchObject({ actor: 'operator#ops-alice', metadata: { supportUser: staff.userId, existed: true } });

    // The command refuses what it cannot mean: too long a grant, a member, no operator.
    await expect(grant(staff, ws, '--hours', '1000')).rejects.toThrow(/at most 168/);
    await expect(runAdmin(['grant-support', member.email, ws, '--operator', 'ops-alice'])).rejects.toThrow(/member of the workspace/);
    await expect(runAdmin(['grant-support', 'not-an-email', ws])).rejects.toThrow(/usage/);
    expect(parseSupportArgs(['grant-support', staff.email, ws], { USER: 'bob' })).toMatchObject({ operator: 'bob', hours: undefined });
    expect(() => parseSupportArgs(['grant-support', staff.email, ws], {})).toThrow(/--operator/);
    expect(() => parseSupportArgs(['revoke-support', staff.email, ws, '--hours', '2'], { USER: 'bob' })).toThrow(/usage/);
  });

  it('with a grant: reads the workspace, members, audit events and access log — each audited as support.read', async () => {
    const { ws, owner } = await team();
    const staff = await signUpWithToken();
    await grant(staff, ws);

    for (const [operation, action, path] of READS) {
      const before = (await events(ws)).length;
      const r = await call('GET', path(ws), { token: staff.token });
      expect({ operation, status: r.status }).toEqual({ operation, status: 200 });
      const after = await events(ws);
      const read = after.filter((e) => e.type === 'support.read' && e.metadata?.operation === operation);
      expect(read.length).toBeGreaterThanOrEqual(1);
      expect(read[0]).toMatchObject({ actor: `support#${staff.userId}`, metadata: { action, supportUser: staff.userId, grantedBy: 'ops-alice' } });
      expect(after.length).toBeGreaterThan(before);
    }
    const got = await call('GET', WS(ws), { token: staff.token });
    expect(got.body.workspace).toMatchObject({ id: ws, name: 'Customer', role: 'SUPPORT', active: false });
    const members = await call('GET', `${WS(ws)}/members`, { token: staff.token });
    expect(members.body.members.map((m: { userId: string }) => m.userId)).toContain(owner.userId);
    expect(members.body.members.map((m: { userId: string }) => m.userId)).not.toContain(staff.userId);
    // The support user's reads are in the workspace's API-access log too (written after the answer: wait for it).
    const log = await waitForAccessLog(owner.token, ws, (entries) => entries.some((e) => e.operationId === 'getWorkspace'));
    expect(JSON.stringify(log)).toContain('getWorkspace');
    // The chain still verifies with the support events in it.
    expect((await call('GET', `${WS(ws)}/audit-events/verify`, { token: owner.token })).body.valid).toBe(true);
    // Not in the staff's own workspace list.
    const mine = await call('GET', '/api/v1/workspaces', { token: staff.token });
    expect(mine.body.workspaces.map((w: { id: string }) => w.id)).toEqual([staff.userId]);
  });

  it('with a grant: every write and every secret-bearing read is refused (403 / 404), and leaves nothing behind', async () => {
    const { ws, member, accountId, zoneId, jobId } = await team();
    const staff = await signUpWithToken();
    await grant(staff, ws);
    const t = { token: staff.token };
    const forbidden: Array<[string, string, unknown?]> = [
      ['PATCH', WS(ws), { name: 'Taken over' }],
      ['DELETE', WS(ws)],
      ['PATCH', `${WS(ws)}/settings`, { twoPersonRule: true }],
      ['PATCH', `${WS(ws)}/members/${member.userId}`, { role: 'ADMIN' }],
      ['DELETE', `${WS(ws)}/members/${member.userId}`],
      ['POST', `${WS(ws)}/invites`, { email: 'new-person@example.com', role: 'USER' }],
      ['GET', `${WS(ws)}/invites`],
      ['POST', `${WS(ws)}/applications`, { name: 'Evil app', allowedOrigins: ['https://evil.example'], redirectUris: ['https://evil.example/cb'] }],
      ['GET', `${WS(ws)}/applications`],
      ['POST', `${WS(ws)}/activate`],
    ];
    for (const [method, path, body] of forbidden) {
      const r = await call(method, path, { ...t, body });
      expect({ method, path, status: r.status, type: r.body?.type }).toEqual({ method, path, status: 403, type: expect.stringMatching(/support-read-only$/) });
    }
    // Credential-named routes act on the staff's own (active, personal) workspace: the customer's
    // Cloudflare account, its DNS and its jobs are not there.
    const absent: Array<[string, string, unknown?]> = [
      ['GET', `${ACCOUNTS}/${accountId}/zones`],
      ['GET', `${ACCOUNTS}/${accountId}/zones/${zoneId}/dns-records`],
      ['GET', `/api/v1/jobs/${jobId}`],
      ['GET', `/api/v1/jobs/${jobId}/items`],
      ['POST', `/api/v1/jobs/${jobId}/apply`, {}],
    ];
    for (const [method, path, body] of absent) {
      const r = await call(method, path, { ...t, body });
      expect({ method, path, status: r.status }).toEqual({ method, path, status: 404 });
    }
    expect((await call('GET', ACCOUNTS, t)).body.accounts).toEqual([]);
    // Nothing changed, nothing recorded as a support read.
    const w = await call('GET', WS(ws), { token: member.token });
    expect(w.body.workspace).toMatchObject({ name: 'Customer', twoPersonRule: false });
    expect((await events(ws)).filter((e) => e.type === 'support.read')).toEqual([]);
  });

  it('no route grants SUPPORT: the member-role route refuses it (400)', async () => {
    const { ws, owner, member } = await team();
    const r = await call('PATCH', `${WS(ws)}/members/${member.userId}`, { token: owner.token, body: { role: 'SUPPORT' } });
    expect(r.status).toBe(400);
    const inv = await call('POST', `${WS(ws)}/invites`, { token: owner.token, body: { email: 'staff@example.com', role: 'SUPPORT' } });
    expect(inv.status).toBe(400);
  });

  it('an expired grant and a revoked grant are refused on the next request (credential cache warm)', async () => {
    const { ws } = await team();
    const staff = await signUpWithToken();
    // A grant that ends in ~2 s (granted "a day ago" for 24 h + 2 s).
    const d = wsDeps();
    await grantSupport({ ...d, now: () => Date.now() - 24 * 3_600_000 + 2_000 }, { workspaceId: ws, userId: staff.userId, operator: 'ops-alice', hours: 24 });
    expect((await call('GET', WS(ws), { token: staff.token })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_200));
    expect((await call('GET', WS(ws), { token: staff.token })).status).toBe(404);

    await grant(staff, ws);
    expect((await call('GET', `${WS(ws)}/members`, { token: staff.token })).status).toBe(200);
    await revoke(staff, ws);
    expect((await call('GET', `${WS(ws)}/members`, { token: staff.token })).status).toBe(404);
    expect((await call('GET', `${WS(ws)}/access-log`, { token: staff.token })).status).toBe(404);
    // A write after the revoke: 404 like any non-member (no longer 403).
    expect((await call('PATCH', WS(ws), { token: staff.token, body: { name: 'x' } })).status).toBe(404);
  });
});
