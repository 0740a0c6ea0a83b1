/**
 * The two-person rule and the workspace audit log over HTTP against the local
 * runtime (jobs run by the real tier queue and workers on the Cloudflare
 * sandbox). Rule off: the planner's ADMIN applies as before. Rule on (OWNER
 * setting; concurrent changes each whole or 409, each audited): the planner cannot approve their own job (403 `self-approval`),
 * apply and browser chunks refuse an unapproved job (409 `approval-required`),
 * another ADMIN approves and the job runs to done; the approval is in the job,
 * its events and the workspace audit log; a burst of approvals makes exactly
 * one; a revert needs its own approval. The audit log: ADMIN lists (cursor)
 * and verifies it, a USER gets 403, a non-member 404.
 */
import { addMember } from '../../functions/workspaces/members';
import { memberActor } from '../../functions/workspaces/workspaces';
import type { WorkspaceDeps } from '../../functions/workspaces/deps';
import type { Role } from '../../functions/contracts/workspaces';
import { call, signUpWithToken } from '../support/http';
import { planOverHttp, waitForJob as waitFor } from '../support/jobs-http';
import { dataLayer } from './jobs-harness';

jest.setTimeout(120_000);

type User = Awaited<ReturnType<typeof signUpWithToken>>;
const ACCOUNTS = '/api/v1/cloudflare/accounts';

function wsDeps(): WorkspaceDeps {
  const d = dataLayer();
  return { repo: d.repo, keyring: d.keyring, audit: d.audit, now: Date.now };
}

async function member(owner: User, ws: string, role: Role): Promise<User> {
  const u = await signUpWithToken();
  await addMember(wsDeps(), await memberActor(wsDeps(), owner.userId, ws), u.userId, role);
  expect((await call('POST', `/api/v1/workspaces/${ws}/activate`, { token: u.token })).status).toBe(200);
  return u;
}

interface Team {
  ws: string;
  owner: User;
  admin: User;
  admin2: User;
  user: User;
  account: { id: string; zoneIds: string[] };
}

async function team(): Promise<Team> {
  const owner = await signUpWithToken();
  const created = await call('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'Approvals' } });
  expect(created.status).toBe(201);
  const ws = created.body.workspace.id as string;
  expect((await call('POST', `/api/v1/workspaces/${ws}/activate`, { token: owner.token })).status).toBe(200);
  const acct = await call('POST', ACCOUNTS, { token: owner.token, body: { name: 'Team sandbox', sandbox: true } });
  expect(acct.status).toBe(201);
  const zones = await call('GET', `${ACCOUNTS}/${acct.body.account.id}/zones`, { token: owner.token });
  const [admin, admin2, user] = await Promise.all([member(owner, ws, 'ADMIN'), member(owner, ws, 'ADMIN'), member(owner, ws, 'USER')]);
  return { ws, owner, admin, admin2, user, account: { id: acct.body.account.id, zoneIds: zones.body.zones.map((z: { id: string }) => z.id) } };
}

/** A small plan: the TXT records of one zone get a new TTL (each call a different TTL, so a job always changes something). */
let ttl = 300;
async function plan(t: Team, by: User, zone = 0): Promise<any> {
  const r = await planOverHttp(by.token, { kind: 'dns-replace', accountId: t.account.id, zones: [t.account.zoneIds[zone]], params: { match: { types: ['TXT'] }, set: { ttl: ttl++ } } });
  expect([r.status, r.body.job.status]).toEqual([201, 'planned']);
  return r.body.job;
}

const setRule = (by: User, ws: string, on: boolean) => call('PATCH', `/api/v1/workspaces/${ws}/settings`, { token: by.token, body: { twoPersonRule: on } });
const approve = (by: User, jobId: string) => call('POST', `/api/v1/jobs/${jobId}/approve`, { token: by.token });
const apply = (by: User, jobId: string, mode = 'server') => call('POST', `/api/v1/jobs/${jobId}/apply`, { token: by.token, body: { force: true, mode } });
const auditOf = (by: User, ws: string, q = '') => call('GET', `/api/v1/workspaces/${ws}/audit-events${q}`, { token: by.token });

async function allAudit(by: User, ws: string): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const r: any = await auditOf(by, ws, `?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(r.status).toBe(200);
    out.push(...r.body.events);
    cursor = r.body.nextCursor;
  } while (cursor);
  return out;
}

describe('two-person rule', () => {
  let t: Team;
  beforeAll(async () => {
    t = await team();
  });

  it('off (the default): the planning ADMIN applies at once; jobs name their planner', async () => {
    const job = await plan(t, t.admin, 0);
    expect(job).toMatchObject({ plannedBy: t.admin.userId, approvedBy: null, approvedAt: null });
    expect((await apply(t.admin, job.id)).status).toBe(202);
    await waitFor(t.admin.token, job.id, (j) => j.status === 'done');
  });

  it('only an OWNER changes the setting; it is audited', async () => {
    const byAdmin = await setRule(t.admin, t.ws, true);
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.requiredRole).toBe('OWNER');
    expect((await call('PATCH', `/api/v1/workspaces/${t.ws}/settings`, { token: t.owner.token, body: {} })).status).toBe(400);
    const on = await setRule(t.owner, t.ws, true);
    expect(on.status).toBe(200);
    expect(on.body.settings).toEqual({ twoPersonRule: true });
    expect((await call('GET', `/api/v1/workspaces/${t.ws}`, { token: t.user.token })).body.workspace.twoPersonRule).toBe(true);
    const events = await allAudit(t.owner, t.ws);
    expect(events.find((e) => e.type === 'workspace.settings.changed')).toMatchObject({
      actor: `user#${t.owner.userId}`,
      metadata: { before: { twoPersonRule: false }, after: { twoPersonRule: true } },
    });
  });

  it('concurrent setting changes: each is applied whole or refused (409), one audit event per change', async () => {
    const burst = await Promise.all([true, false, true, false, true, true].map((on) => setRule(t.owner, t.ws, on)));
    const ok = burst.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(burst.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    const changes = (await allAudit(t.owner, t.ws)).filter((e) => e.type === 'workspace.settings.changed');
    expect(changes).toHaveLength(1 + ok.length); // the earlier test's change, and each accepted one
    // Leave it on for the tests below.
    expect((await setRule(t.owner, t.ws, true)).status).toBe(200);
    expect((await call('GET', `/api/v1/workspaces/${t.ws}`, { token: t.owner.token })).body.workspace.twoPersonRule).toBe(true);
  });

  it('on: no self-approval, no apply before approval, another ADMIN approves and the job runs to done', async () => {
    const job = await plan(t, t.admin, 1);
    const self = await approve(t.admin, job.id);
    expect(self.status).toBe(403);
    expect(self.body.type).toMatch(/self-approval$/);
    const byUser = await approve(t.user, job.id);
    expect(byUser.status).toBe(403);
    expect(byUser.body.requiredRole).toBe('ADMIN');

    const early = await apply(t.admin, job.id);
    expect(early.status).toBe(409);
    expect(early.body.type).toMatch(/approval-required$/);
    const chunk = await call('POST', `/api/v1/jobs/${job.id}/chunks/0/apply`, { token: t.admin.token });
    expect(chunk.status).toBe(409);
    expect(chunk.body.type).toMatch(/approval-required$/);
    const browser = await apply(t.owner, job.id, 'browser');
    expect(browser.status).toBe(409);

    const ok = await approve(t.admin2, job.id);
    expect(ok.status).toBe(200);
    expect(ok.body.job).toMatchObject({ status: 'planned', plannedBy: t.admin.userId, approvedBy: t.admin2.userId });
    expect(Date.parse(ok.body.job.approvedAt)).toBeGreaterThan(0);
    const again = await approve(t.owner, job.id);
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/job-approved$/);

    // The planner (an ADMIN) may apply once someone else approved.
    expect((await apply(t.admin, job.id)).status).toBe(202);
    const done = await waitFor(t.admin.token, job.id, (j) => j.status === 'done');
    expect(done.approvedBy).toBe(t.admin2.userId);

    const events = await call('GET', `/api/v1/jobs/${job.id}/events`, { token: t.user.token });
    const types = events.body.events.map((e: any) => e.type);
    expect(types.indexOf('approved')).toBeGreaterThan(types.indexOf('planned'));
    expect(types.indexOf('queued')).toBeGreaterThan(types.indexOf('approved'));
    expect(events.body.events.find((e: any) => e.type === 'approved').message).toContain(t.admin2.userId);

    const audit = (await allAudit(t.admin, t.ws)).filter((e) => e.type === 'job.approved' && e.metadata.jobId === job.id);
    expect(audit).toEqual([expect.objectContaining({ actor: `user#${t.admin2.userId}`, metadata: { jobId: job.id, plannedBy: t.admin.userId, approvedBy: t.admin2.userId } })]);

    // A revert is a new plan by whoever asks for it: it needs its own approval.
    const rev = await call('POST', `/api/v1/jobs/${job.id}/revert`, { token: t.admin.token });
    expect(rev.status).toBe(201);
    expect(rev.body.job).toMatchObject({ plannedBy: t.admin.userId, approvedBy: null });
    await waitFor(t.admin.token, rev.body.job.id, (j) => j.status === 'planned');
    expect((await apply(t.admin, rev.body.job.id)).body.type).toMatch(/approval-required$/);
    expect((await call('POST', `/api/v1/jobs/${rev.body.job.id}/cancel`, { token: t.admin.token })).status).toBe(200);
  });

  it('concurrent approvals: exactly one succeeds, one approval event, one audit event', async () => {
    const job = await plan(t, t.user, 2);
    const burst = await Promise.all([t.admin, t.admin2, t.owner, t.admin, t.admin2, t.owner].map((u) => approve(u, job.id)));
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
    const winner = burst.find((r) => r.status === 200)!.body.job.approvedBy;
    const events = await call('GET', `/api/v1/jobs/${job.id}/events`, { token: t.user.token });
    expect(events.body.events.filter((e: any) => e.type === 'approved')).toHaveLength(1);
    const audit = (await allAudit(t.owner, t.ws)).filter((e) => e.type === 'job.approved' && e.metadata.jobId === job.id);
    expect(audit).toHaveLength(1);
    expect(audit[0].actor).toBe(`user#${winner}`);
    expect((await call('POST', `/api/v1/jobs/${job.id}/cancel`, { token: t.admin.token })).status).toBe(200);
    // A cancelled job cannot be approved any more.
    const late = await plan(t, t.user, 2);
    expect((await call('POST', `/api/v1/jobs/${late.id}/cancel`, { token: t.admin.token })).status).toBe(200);
    expect((await approve(t.admin, late.id)).body.type).toMatch(/job-not-planned$/);
  });
});

describe('workspace audit log', () => {
  let t: Team;
  beforeAll(async () => {
    t = await team();
  });

  it('an ADMIN lists it (with a cursor) and sees the Cloudflare account connect; verify reports it intact', async () => {
    const events = await allAudit(t.admin, t.ws);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['workspace.created', 'cloudflare.account.connected']));
    expect(events.find((e) => e.type === 'cloudflare.account.connected').actor).toContain(t.owner.userId);
    // newest first, seq strictly decreasing; pages of 1 give the same events
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const first = await auditOf(t.admin, t.ws, '?limit=1');
    expect(first.body.events).toHaveLength(1);
    const second = await auditOf(t.admin, t.ws, `?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.events[0].seq).toBe(first.body.events[0].seq - 1);

    const verify = await call('GET', `/api/v1/workspaces/${t.ws}/audit-events/verify`, { token: t.owner.token });
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ valid: true, brokenAtSeq: null, reason: null });
    expect(verify.body.count).toBeGreaterThanOrEqual(events.length);
  });

  it('a USER gets 403 naming ADMIN; a non-member gets 404 (list and verify)', async () => {
    const byUser = await auditOf(t.user, t.ws);
    expect(byUser.status).toBe(403);
    expect(byUser.body.requiredRole).toBe('ADMIN');
    expect((await call('GET', `/api/v1/workspaces/${t.ws}/audit-events/verify`, { token: t.user.token })).status).toBe(403);
    const stranger = await signUpWithToken();
    expect((await auditOf(stranger, t.ws)).status).toBe(404);
    expect((await call('GET', `/api/v1/workspaces/${t.ws}/audit-events/verify`, { token: stranger.token })).status).toBe(404);
    expect((await setRule(stranger, t.ws, true)).status).toBe(404);
  });
});
