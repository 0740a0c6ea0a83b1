/**
 * The role matrix, generated from the manifest: every route with path
 * parameters (its request from route-probes.ts, shared with
 * tenant-isolation.test.ts) is run against one workspace's resources by
 *   - no credential                                  → 401
 *   - a revoked API key (its owner an OWNER)         → 401
 *   - a member of another workspace                  → 404
 *   - a removed member (session)                     → 404
 *   - a removed member's API key                     → 404
 *   - a member of each role below the route's minimum (the `permission` its
 *     contract declares, minimum role from functions/workspaces/permissions.ts)
 *                                                    → 403 `forbidden` naming action and required role
 *   - an API key of a member downgraded below the minimum
 *                                                    → 403 (`forbidden` on key routes;
 *                                                      `session-required` on session-only routes)
 * and afterwards the workspace's resources, read back by the owner, are
 * exactly as before. Then the minimum role itself runs each route and is not
 * refused (declaration = behaviour). Completeness: a route without a declared
 * permission decision, or with path parameters and no probe, fails here.
 */
import { ROLES, type Role } from '../../functions/contracts/workspaces';
import { SCOPES, type RouteDef } from '../../functions/contracts/route';
import { routes } from '../../functions/platform/manifest';
import { PERMISSIONS, atLeast } from '../../functions/workspaces/permissions';
import { addMember } from '../../functions/workspaces/members';
import { memberActor, setWorkspaceTier } from '../../functions/workspaces/workspaces';
import type { WorkspaceDeps } from '../../functions/workspaces/deps';
import { approvedUserCode, linkedDevice } from '../support/device-authorization';
import { registeredPasskey } from '../support/passkeys';
import { linkedIdentity } from '../support/oidc';
import { planOverHttp } from '../support/jobs-http';
import { call, signUpWithToken, type CallResult } from '../support/http';
import { dataLayer } from './jobs-harness';
import { probed, probes, zone, type ProbeFixture } from './route-probes';

type User = Awaited<ReturnType<typeof signUpWithToken>>;

function wsDeps(): WorkspaceDeps {
  const d = dataLayer();
  return { repo: d.repo, keyring: d.keyring, audit: d.audit, now: Date.now };
}

const minimumOf = (route: RouteDef): Role | null => (route.permission ? PERMISSIONS[route.permission] : null);
const rolesBelow = (min: Role): Role[] => ROLES.filter((r) => !atLeast(r, min));

interface Fixture extends ProbeFixture {
  owner: User;
  /** A member of each role (the OWNER is `owner`). */
  byRole: Record<Role, User>;
  other: User;
  removed: User;
  removedKey: string;
  revokedKey: string;
  /** Key of a member who was ADMIN when it was made and is USER now; all scopes. */
  downgradedKey: string;
}

const withParams = routes.filter(probed);

/** Concurrency-bounded map: the suite runs on 2 cores next to other test files. */
async function inBatches<T, R>(items: readonly T[], size: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/** What the owner sees of the workspace's resources (compared before/after the refusals). */
async function snapshot(f: Fixture) {
  const t = { token: f.owner.token };
  const ws = `/api/v1/workspaces/${f.ids.workspace}`;
  const [workspace, members, invites, applications, accounts, job, items, records, keys, sessions] = await Promise.all([
    call('GET', ws, t),
    call('GET', `${ws}/members`, t),
    call('GET', `${ws}/invites`, t),
    call('GET', `${ws}/applications`, t),
    call('GET', '/api/v1/cloudflare/accounts', t),
    call('GET', `/api/v1/jobs/${f.ids.job}`, t),
    call('GET', `/api/v1/jobs/${f.ids.job}/items`, t),
    call('GET', `${zone(f)}/dns-records?perPage=500`, t),
    call('GET', '/api/v1/api-keys', t),
    call('GET', '/api/v1/auth/sessions', t),
  ]);
  for (const r of [workspace, members, invites, applications, accounts, job, items, records, keys, sessions]) expect(r.status).toBe(200);
  return {
    workspace: workspace.body.workspace,
    members: members.body.members,
    invites: invites.body.invites,
    applications: applications.body.applications,
    accounts: accounts.body.accounts,
    job: job.body.job,
    items: items.body,
    records: records.body.records,
    // last-used times move with every call the owner makes; the set of credentials must not.
    keys: keys.body.apiKeys.map((k: { id: string }) => k.id).sort(),
    sessions: sessions.body.sessions.map((s: { id: string }) => s.id).sort(),
  };
}

interface Case {
  who: string;
  token?: string;
  expect: (r: CallResult) => void;
}

const status = (n: number) => (r: CallResult) => expect(r.status).toBe(n);

function casesFor(route: RouteDef, f: Fixture): Case[] {
  const cases: Case[] = [
    { who: 'no credential', expect: status(401) },
    { who: 'a revoked API key', token: f.revokedKey, expect: status(401) },
    { who: 'a member of another workspace', token: f.other.token, expect: status(404) },
    { who: 'a removed member', token: f.removed.token, expect: status(404) },
    {
      who: "a removed member's API key",
      token: f.removedKey,
      // A session-only route refuses any API key first (403 session-required): the key reaches nothing.
      expect: (r) => expect(r.status).toBe(route.auth === 'session' ? 403 : 404),
    },
  ];
  const min = minimumOf(route);
  if (!min) return cases;
  for (const role of rolesBelow(min)) {
    cases.push({
      who: `a member with role ${role}`,
      token: f.byRole[role].token,
      expect: (r) => {
        expect(r.status).toBe(403);
        expect(r.body.type).toMatch(/forbidden$/);
        expect(r.body).toMatchObject({ action: route.permission, requiredRole: min, role });
      },
    });
  }
  if (rolesBelow(min).length > 0) {
    cases.push({
      who: 'an API key of a member downgraded below the minimum',
      token: f.downgradedKey,
      expect: (r) => {
        expect(r.status).toBe(403);
        if (route.auth === 'session') expect(r.body.type).toMatch(/session-required$/);
        else expect(r.body).toMatchObject({ action: route.permission, requiredRole: min, role: 'USER' });
      },
    });
  }
  return cases;
}

describe('role matrix (generated from the manifest)', () => {
  const f = {} as Fixture;

  beforeAll(async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => signUpWithToken()));
    const [owner, admin, user, removed, downgraded, other] = users as [User, User, User, User, User, User];
    Object.assign(f, { owner, other, removed, byRole: { OWNER: owner, ADMIN: admin, USER: user } });
    const created = await call('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'Matrix' } });
    if (created.status !== 201) throw new Error(`workspace: ${created.status} ${created.text}`);
    const ws = created.body.workspace.id as string;
    // Five members and an invite: above the free tier's member cap.
    await setWorkspaceTier(wsDeps(), ws, 'base');
    const ownerActor = await memberActor(wsDeps(), owner.userId, ws);
    await addMember(wsDeps(), ownerActor, admin.userId, 'ADMIN');
    await addMember(wsDeps(), ownerActor, user.userId, 'USER');
    await addMember(wsDeps(), ownerActor, removed.userId, 'ADMIN');
    await addMember(wsDeps(), ownerActor, downgraded.userId, 'ADMIN');
    for (const u of [owner, admin, user, removed, downgraded]) {
      const r = await call('POST', `/api/v1/workspaces/${ws}/activate`, { token: u.token });
      if (r.status !== 200) throw new Error(`activate: ${r.status} ${r.text}`);
    }
    const allScopes = { name: 'matrix', scopes: [...SCOPES] };
    const key = async (u: User) => {
      const r = await call('POST', '/api/v1/api-keys', { token: u.token, body: allScopes });
      if (r.status !== 201) throw new Error(`api key: ${r.status} ${r.text}`);
      return r.body as { apiKey: { id: string }; secret: string };
    };
    const [ownerKey, revoked, removedKey, downgradedKey] = await Promise.all([key(owner), key(owner), key(removed), key(downgraded)]);
    f.removedKey = removedKey.secret;
    f.downgradedKey = downgradedKey.secret;
    f.revokedKey = revoked.secret;
    expect((await call('DELETE', `/api/v1/api-keys/${revoked.apiKey.id}`, { token: owner.token })).status).toBe(204);
    expect((await call('DELETE', `/api/v1/workspaces/${ws}/members/${removed.userId}`, { token: owner.token })).status).toBe(204);
    expect((await call('PATCH', `/api/v1/workspaces/${ws}/members/${downgraded.userId}`, { token: owner.token, body: { role: 'USER' } })).status).toBe(200);

    const second = await call('POST', '/api/v1/auth/login', { body: { email: owner.email, password: owner.password, client: 'token' } });
    const account = await call('POST', '/api/v1/cloudflare/accounts', { token: owner.token, body: { name: 'Matrix sandbox', sandbox: true } });
    if (account.status !== 201) throw new Error(`sandbox account: ${account.status} ${account.text}`);
    const accountId = account.body.account.id as string;
    const zones = await call('GET', `/api/v1/cloudflare/accounts/${accountId}/zones`, { token: owner.token });
    const zoneId = zones.body.zones[0].id as string;
    const records = await call('GET', `/api/v1/cloudflare/accounts/${accountId}/zones/${zoneId}/dns-records?perPage=5`, { token: owner.token });
    const [job, invite, application] = await Promise.all([
      // Planned (the plan is the tier worker's): the probes then see a job that no longer changes by itself.
      planOverHttp(owner.token, { kind: 'dns-replace', accountId, zones: [zoneId], params: { match: { types: ['TXT'] }, set: { ttl: 300 } } }),
      call('POST', `/api/v1/workspaces/${ws}/invites`, { token: owner.token, body: { email: `invitee-${ws}@example.com`, role: 'USER' } }),
      call('POST', `/api/v1/workspaces/${ws}/applications`, { token: owner.token, body: { name: 'Matrix app' } }),
    ]);
    for (const r of [job, invite, application]) if (r.status !== 201) throw new Error(`fixture: ${r.status} ${r.text}`);
    // A user of the application holding a vault value (the admin's vault routes): an automation credential's service user.
    const appPath = `/api/v1/workspaces/${ws}/applications/${application.body.application.id}`;
    const credential = await call('POST', `${appPath}/credentials`, { token: owner.token, body: { name: 'matrix' } });
    if (credential.status !== 201) throw new Error(`credential: ${credential.status} ${credential.text}`);
    const value = await call('POST', '/api/v1/sessions/set/matrix', { token: credential.body.secret, body: { kept: true } });
    if (value.status !== 200) throw new Error(`value: ${value.status} ${value.text}`);
    f.ids = {
      appUser: credential.body.credential.appUserId,
      vaultKey: 'matrix',
      credential: credential.body.credential.id,
      workspace: ws,
      account: accountId,
      zone: zoneId,
      record: records.body.records[0].id,
      job: job.body.job.id,
      invite: invite.body.invite.id,
      application: application.body.application.id,
      // The member the member routes act on: the ADMIN (a USER changing or removing them is refused).
      member: admin.userId,
      session: second.body.session.id,
      apiKey: ownerKey.apiKey.id,
      userCode: await approvedUserCode(owner.token),
      device: (await linkedDevice(owner.token)).deviceId,
      passkey: (await registeredPasskey(owner.token)).passkey.id,
      identity: (await linkedIdentity(owner.token, owner.email)).id,
    };
  });

  it('every protected route declares its permission decision, and every route with path parameters has a probe', () => {
    const undeclared = routes.filter((r) => r.auth !== 'public' && r.permission === undefined).map((r) => r.operationId);
    expect({ 'routes without `permission` (an action, or null for none)': undeclared }).toEqual({ 'routes without `permission` (an action, or null for none)': [] });
    const unprobed = withParams.filter((r) => !probes[r.operationId]).map((r) => r.operationId);
    expect({ 'routes with path parameters and no probe in route-probes.ts': unprobed }).toEqual({ 'routes with path parameters and no probe in route-probes.ts': [] });
    // Every action a route needs is in the matrix (a typo cannot pass as "no permission").
    for (const r of routes) if (r.permission) expect(PERMISSIONS).toHaveProperty([r.permission]);
  });

  it('refuses every route with path parameters to everyone not allowed: only the documented 401/403/404', async () => {
    const runs = withParams.flatMap((route) => casesFor(route, f).map((c) => ({ route, c })));
    const before = await snapshot(f);
    const results = await inBatches(runs, 12, async ({ route, c }) => {
      const probe = probes[route.operationId]!(f);
      return { route, c, r: await call(probe.method, probe.path, { token: c.token, body: probe.body }) };
    });
    const failures: string[] = [];
    for (const { route, c, r } of results) {
      try {
        c.expect(r);
      } catch {
        failures.push(`${route.operationId} as ${c.who}: ${r.status} ${r.text.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(results.length).toBeGreaterThan(withParams.length * 5);
    expect(await snapshot(f)).toEqual(before);
  });

  /**
   * The minimum role itself is not refused, on the fixture's real resources. GET routes must
   * succeed; the others must pass the role gate: any answer but 401/403/404 or a 5xx (a state
   * conflict such as 409, or Cloudflare rejecting the probe's DNS content with 400, comes after
   * `assertCan`). They run one by one in an order that keeps the fixture usable: the job is
   * cancelled before it is applied (409, so no job runs), and the destructive routes run last
   * (deleteApplication, after the routes of its users and values; deleteDnsRecord, deleteCloudflareAccount, removeMember, deleteWorkspace).
   */
  it('lets the minimum role through on every route that declares one', async () => {
    const gated = withParams.filter((r) => r.permission);
    const last = ['applyJob', 'deleteApplication', 'deleteDnsRecord', 'deleteCloudflareAccount', 'removeMember', 'deleteWorkspace'];
    const order = [...gated.filter((r) => !last.includes(r.operationId)), ...last.map((id) => gated.find((r) => r.operationId === id)!)];
    const failures: string[] = [];
    const reads = order.filter((r) => r.method === 'GET');
    await inBatches(reads, 8, async (route) => {
      const probe = probes[route.operationId]!(f);
      const r = await call(probe.method, probe.path, { token: f.byRole[minimumOf(route)!].token });
      if (r.status !== 200) failures.push(`${route.operationId} as ${minimumOf(route)}: ${r.status} ${r.text.slice(0, 200)}`);
    });
    for (const route of order.filter((r) => r.method !== 'GET')) {
      const min = minimumOf(route)!;
      // The member routes' minimum is ADMIN: the ADMIN changes and then removes the USER (not themselves).
      const ids = { ...f.ids };
      if (route.operationId === 'changeMemberRole' || route.operationId === 'removeMember') ids.member = f.byRole.USER.userId;
      const probe = probes[route.operationId]!({ ids });
      const r = await call(probe.method, probe.path, { token: f.byRole[min].token, body: probe.body });
      const ok = route.operationId === 'deleteWorkspace' ? r.status === 204 : ![401, 403, 404].includes(r.status) && r.status < 500;
      if (!ok) failures.push(`${route.operationId} as ${min}: ${r.status} ${r.text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  });
});
