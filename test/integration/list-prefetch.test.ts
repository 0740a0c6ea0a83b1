/**
 * A workspace list's read runs alongside authentication (functions/http/prefetch.ts), in real
 * `cloudflare` and `jobs` containers in this process, their DynamoDB commands put on a timeline:
 *   - a warm list's Query is SENT before the authenticator's BatchGetItem has answered (overlap);
 *   - what the prefetch read never reaches a revoked token (401), a removed member (404), nor a
 *     session whose active workspace changed in another container (the fresh workspace's rows);
 *   - a failed prefetch fails nothing: the handler reads as usual;
 *   - the domain checks the role before it uses prefetched rows (no member role is below the
 *     lists' minimum, USER: the SUPPORT actor, outside the order, is the one refused).
 */
import * as cf from '../../functions/contracts/cloudflare';
import * as jobs from '../../functions/contracts/jobs';
import { accountRows, listAccounts } from '../../functions/cloudflare/accounts';
import { listJobs } from '../../functions/jobs/queries';
import { listJobRows } from '../../functions/jobs/reads';
import { workspaceTenant } from '../../functions/tenancy/tenant';
import { addMember } from '../../functions/workspaces/members';
import { memberActor } from '../../functions/workspaces/workspaces';
import type { WorkspaceDeps } from '../../functions/workspaces/deps';
import { call, freshLoopbackAddress, signUpWithToken } from '../support/http';
import { inProcessFunction, type InProcessFunction } from './in-process';
import type { JobsDeps } from '../../functions/jobs/deps';
import { dataLayer } from './jobs-harness';

type User = Awaited<ReturnType<typeof signUpWithToken>>;

const wsDeps = (): WorkspaceDeps => {
  const d = dataLayer();
  return { repo: d.repo, keyring: d.keyring, audit: d.audit, now: Date.now };
};

/** Every DynamoDB command of a container, as sent on the wire and as answered, in order. */
function timeline(fn: InProcessFunction) {
  const events: string[] = [];
  let failNextQuery = false;
  fn.clients.dynamoDb().middlewareStack.add(
    (next: any, context: { commandName?: string }) => async (args: any) => {
      const name = (context.commandName ?? '?').replace(/Command$/, '');
      if (name === 'Query' && failNextQuery) {
        failNextQuery = false;
        events.push('Query failed');
        throw Object.assign(new Error('injected fault'), { name: 'InjectedFault' });
      }
      events.push(`${name} sent`);
      const out = await next(args);
      events.push(`${name} answered`);
      return out;
    },
    // The last step before the HTTP request: "sent" is as close to the wire as the SDK lets us see.
    { step: 'deserialize', name: 'list-prefetch-timeline' },
  );
  return {
    events,
    reset: () => events.splice(0),
    failNextQuery: () => {
      failNextQuery = true;
    },
    /** Events other than the authenticator's occasional writes (request allowance, last seen). */
    reads: () => events.filter((e) => !e.startsWith('UpdateItem') && !e.startsWith('PutItem')),
  };
}

describe('workspace lists read alongside authentication', () => {
  let owner: User;
  let member: User;
  let workspace: string;
  let accountName: string;
  let cloudflare: InProcessFunction;
  let t: ReturnType<typeof timeline>;

  const list = (token: string) => cloudflare.invoke(cf.listCloudflareAccounts, { token });

  beforeAll(async () => {
    [owner, member] = await Promise.all([signUpWithToken(), signUpWithToken()]);
    const created = await call('POST', '/api/v1/workspaces', { token: owner.token, body: { name: 'Prefetch' } });
    expect(created.status).toBe(201);
    workspace = created.body.workspace.id;
    await addMember(wsDeps(), await memberActor(wsDeps(), owner.userId, workspace), member.userId, 'ADMIN');
    for (const u of [owner, member]) expect((await call('POST', `/api/v1/workspaces/${workspace}/activate`, { token: u.token })).status).toBe(200);
    accountName = `Prefetched ${Date.now()}`;
    const account = await call('POST', '/api/v1/cloudflare/accounts', { token: owner.token, body: { name: accountName, sandbox: true } });
    expect(account.status).toBe(201);
    cloudflare = await inProcessFunction('cloudflare');
    t = timeline(cloudflare);
  });

  it("a warm list's Query is sent before the authentication batch answers, and the answer is the workspace's", async () => {
    // Cold: this container has not seen the token pass, so nothing is read ahead (reads after authentication).
    const cold = await list(owner.token);
    expect(cold.statusCode).toBe(200);
    expect(t.reads().indexOf('Query sent')).toBeGreaterThan(t.reads().indexOf('BatchGetItem answered'));
    t.reset();
    const warm = await list(owner.token);
    expect(warm.statusCode).toBe(200);
    expect(JSON.parse(warm.body!).accounts.map((a: { name: string }) => a.name)).toEqual([accountName]);
    const reads = t.reads();
    expect(reads.filter((e) => e.endsWith('sent'))).toEqual(expect.arrayContaining(['BatchGetItem sent', 'Query sent']));
    expect(reads.filter((e) => e.endsWith('sent'))).toHaveLength(2); // the prefetched rows were used: no second Query
    expect(reads.indexOf('Query sent')).toBeLessThan(reads.indexOf('BatchGetItem answered'));
  });

  it('a failed prefetch fails nothing: the handler reads as usual', async () => {
    await list(owner.token);
    t.reset();
    t.failNextQuery();
    const r = await list(owner.token);
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body!).accounts.map((a: { name: string }) => a.name)).toEqual([accountName]);
    expect(t.reads()).toEqual(expect.arrayContaining(['Query failed', 'Query sent', 'Query answered']));
  });

  it('a revoked session never gets the rows read ahead for it: 401', async () => {
    const login = await call('POST', '/api/v1/auth/login', { body: { email: owner.email, password: owner.password, client: 'token' }, from: freshLoopbackAddress() });
    expect(login.status).toBe(200);
    expect((await list(login.body.token)).statusCode).toBe(200); // this container now guesses its workspace
    expect((await call('DELETE', `/api/v1/auth/sessions/${login.body.session.id}`, { token: owner.token })).status).toBe(204);
    t.reset();
    const r = await list(login.body.token);
    expect(r.statusCode).toBe(401);
    expect(r.body).not.toContain(accountName);
    expect(t.reads()).toContain('Query sent'); // it was read ahead, and dropped
  });

  it('a removed member never gets them: 404; a lowered role still allowed to read gets its own rows', async () => {
    expect((await list(member.token)).statusCode).toBe(200);
    expect((await call('PATCH', `/api/v1/workspaces/${workspace}/members/${member.userId}`, { token: owner.token, body: { role: 'USER' } })).status).toBe(200);
    const lowered = await list(member.token);
    expect(lowered.statusCode).toBe(200);
    expect(JSON.parse(lowered.body!).accounts.map((a: { name: string }) => a.name)).toEqual([accountName]);
    expect((await call('DELETE', `/api/v1/workspaces/${workspace}/members/${member.userId}`, { token: owner.token })).status).toBe(204);
    t.reset();
    const r = await list(member.token);
    expect(r.statusCode).toBe(404);
    expect(r.body).not.toContain(accountName);
    expect(t.reads()).toContain('Query sent');
  });

  it('a session whose active workspace changed in another container gets the fresh workspace rows, not the guessed ones', async () => {
    expect((await list(owner.token)).statusCode).toBe(200); // guess: the shared workspace
    // Through the gateway: another container, whose forgetting does not reach this one.
    expect((await call('POST', `/api/v1/workspaces/${owner.userId}/activate`, { token: owner.token })).status).toBe(200);
    t.reset();
    const r = await list(owner.token);
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body!).accounts).toEqual([]); // the personal workspace has none
    // The guessed workspace's Query was made and dropped; the personal workspace's read after authentication.
    expect(t.reads().filter((e) => e === 'Query sent')).toHaveLength(2);
    expect(t.reads().indexOf('BatchGetItem answered')).toBeLessThan(t.reads().lastIndexOf('Query sent'));
  });

  it('the jobs list reads alongside authentication too', async () => {
    const jobsFn = await inProcessFunction('jobs');
    const jt = timeline(jobsFn);
    const member2 = await signUpWithToken();
    expect((await jobsFn.invoke(jobs.listJobs, { token: member2.token })).statusCode).toBe(200);
    jt.reset();
    const r = await jobsFn.invoke(jobs.listJobs, { token: member2.token });
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body!).jobs).toEqual([]);
    const reads = jt.reads();
    expect(reads.filter((e) => e.endsWith('sent'))).toHaveLength(2);
    expect(reads.indexOf('Query sent')).toBeLessThan(reads.indexOf('BatchGetItem answered'));
  });

  it('the domain checks the role before it uses prefetched rows', async () => {
    const tenant = workspaceTenant(workspace);
    const support = { tenant, memberId: owner.userId, tier: 'free', role: 'SUPPORT', supportAction: 'workspace.read' } as const;
    const rows = await accountRows(dataLayer(), tenant);
    expect(rows).toHaveLength(1);
    await expect(listAccounts(dataLayer(), support, { tenant, value: rows })).rejects.toMatchObject({ kind: 'forbidden' });
    // What listJobs reads with (the refusal comes before it reads anything).
    const jobsReader = { repo: dataLayer().repo, now: Date.now } as Pick<JobsDeps, 'repo' | 'now'> as JobsDeps;
    const jobRows = await listJobRows(jobsReader, tenant, { limit: 20 });
    await expect(listJobs(jobsReader, support, { limit: 20 }, { tenant, value: jobRows })).rejects.toMatchObject({ kind: 'forbidden' });
    // Rows of another tenant are a programming error, never an answer.
    const owned = { tenant: workspaceTenant(owner.userId), memberId: owner.userId, tier: 'free', role: 'OWNER' } as const;
    await expect(listAccounts(dataLayer(), owned, { tenant, value: rows })).rejects.toThrow(TypeError);
  });
});
