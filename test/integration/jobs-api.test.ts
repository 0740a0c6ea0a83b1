/**
 * Bulk jobs over HTTP through the local runtime: the jobs function behind the
 * gateway, the tier queue in fauxqs and the real SQS pollers running the tier
 * worker, against the stack's Cloudflare sandbox (each user connects its own
 * `sandbox: true` account: 3 demo zones, 150 records each).
 *
 * Covers: plan (asynchronous: `planning` with progress, then `planned`) → apply (drift check on
 * the queue: `checking`) → workers → done with the sandbox state checked through
 * the DNS API, items (paginated) and events, revert, browser-paced chunks,
 * tier concurrency limit (429 naming the limit), state conflicts (409), bad
 * input (400), tenant isolation (404 on every job route).
 */
import { call, signUpWithToken } from '../support/http';
import { applyOverHttp, planOverHttp, userWithSandbox, waitForJob as waitFor } from '../support/jobs-http';

jest.setTimeout(120_000);

const ACCOUNTS = '/api/v1/cloudflare/accounts';

async function recordsWith(u: Awaited<ReturnType<typeof userWithSandbox>>, zoneId: string, content: string): Promise<number> {
  const r = await call('GET', `${ACCOUNTS}/${u.account.id}/zones/${zoneId}/dns-records?content=${encodeURIComponent(content)}&perPage=500`, { token: u.token });
  expect(r.status).toBe(200);
  return r.body.totalCount as number;
}

const replaceBody = (accountId: string, zones: string[], from: string, to: string) => ({
  kind: 'dns-replace',
  accountId,
  zones,
  params: { match: { types: ['TXT'], content: { value: from, mode: 'contains' } }, set: { content: to } },
});

describe('jobs over HTTP with the real tier queue and workers', () => {
  it('plans, applies through SQS workers, reports items and events, and reverts', async () => {
    const u = await userWithSandbox();
    const zoneIds = u.zones.map((z) => z.id);
    const before = await Promise.all(zoneIds.map((z) => recordsWith(u, z, 'sandbox-record=')));
    expect(before.every((n) => n > 0)).toBe(true);

    const posted = await call('POST', '/api/v1/jobs', { token: u.token, body: replaceBody(u.account.id, zoneIds, 'sandbox-record=', 'fv-record=') });
    expect(posted.status).toBe(201);
    // Planning is the tier worker's: the request answers at once, with the progress.
    expect(posted.body.job).toMatchObject({ status: 'planning', planning: { zonesPlanned: expect.any(Number) } });
    expect((await call('POST', `/api/v1/jobs/${posted.body.job.id}/apply`, { token: u.token, body: {} })).status).toBe(409);
    const job = await waitFor(u.token, posted.body.job.id, (j) => j.status !== 'planning');
    expect(job).toMatchObject({ status: 'planned', kind: 'dns-replace', needsForce: false, mode: null, planning: null, problem: null });
    expect(job.plan.zonesTotal).toBe(zoneIds.length);
    const zonesPage = await call('GET', `/api/v1/jobs/${job.id}/zones?limit=2`, { token: u.token });
    expect(zonesPage.body.zones).toEqual(job.plan.zones.slice(0, 2));
    const zonesRest = await call('GET', `/api/v1/jobs/${job.id}/zones?limit=2&cursor=${zonesPage.body.nextCursor}`, { token: u.token });
    expect([...zonesPage.body.zones, ...zonesRest.body.zones]).toEqual(job.plan.zones);
    expect(job.plan.totalChanges).toBe(before.reduce((a, b) => a + b, 0));
    expect(job.plan.zones.map((z: any) => z.updates)).toEqual(before);
    // The plan is a preview: nothing changed yet.
    expect(await recordsWith(u, zoneIds[0]!, 'fv-record=')).toBe(0);

    const applied = await call('POST', `/api/v1/jobs/${job.id}/apply`, { token: u.token, body: {} });
    expect(applied.status).toBe(202);
    expect(applied.body.job).toMatchObject({ status: 'checking', checking: { zonesTotal: zoneIds.length } });
    expect((await call('POST', `/api/v1/jobs/${job.id}/apply`, { token: u.token, body: {} })).status).toBe(409);

    const done = await waitFor(u.token, job.id, (j) => j.status === 'done');
    expect(done.counts).toMatchObject({ done: job.plan.totalChanges, failed: 0, cancelled: 0 });
    expect(done.finishedAt).toBeTruthy();
    expect(typeof done.throughput).toBe('number');
    for (let i = 0; i < zoneIds.length; i++) {
      expect(await recordsWith(u, zoneIds[i]!, 'fv-record=')).toBe(before[i]);
      expect(await recordsWith(u, zoneIds[i]!, 'sandbox-record=')).toBe(0);
    }

    const page1 = await call('GET', `/api/v1/jobs/${job.id}/items?limit=10`, { token: u.token });
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(10);
    expect(page1.body.items[0]).toMatchObject({ action: 'update', status: 'done', error: null });
    expect(page1.body.items[0].before.content).toMatch(/^sandbox-record=/);
    expect(page1.body.items[0].after.content).toMatch(/^"fv-record=/); // TXT written quoted, as Cloudflare stores it
    const page2 = await call('GET', `/api/v1/jobs/${job.id}/items?limit=10&cursor=${page1.body.nextCursor}`, { token: u.token });
    expect(page2.body.items[0].seq).toBeGreaterThan(page1.body.items[9].seq);
    const events = await call('GET', `/api/v1/jobs/${job.id}/events`, { token: u.token });
    expect(events.body.events.map((e: any) => e.type)).toEqual(expect.arrayContaining(['planned', 'checking', 'queued', 'progress', 'done']));
    const list = await call('GET', '/api/v1/jobs', { token: u.token });
    expect(list.body.jobs[0].id).toBe(job.id);

    expect((await call('POST', `/api/v1/jobs/${job.id}/retry`, { token: u.token })).status).toBe(409);
    expect((await call('POST', `/api/v1/jobs/${job.id}/cancel`, { token: u.token })).status).toBe(409);

    const rev = await call('POST', `/api/v1/jobs/${job.id}/revert`, { token: u.token });
    expect(rev.status).toBe(201);
    // Planned on the tier queue like any job (it reads the zones' live state).
    expect(rev.body.job).toMatchObject({ revertOf: job.id, status: 'planning' });
    const revPlanned = await waitFor(u.token, rev.body.job.id, (j) => j.status !== 'planning');
    expect(revPlanned).toMatchObject({ status: 'planned', needsForce: false, plan: { totalChanges: job.plan.totalChanges } });
    expect((await call('POST', `/api/v1/jobs/${rev.body.job.id}/apply`, { token: u.token, body: {} })).status).toBe(202);
    await waitFor(u.token, rev.body.job.id, (j) => j.status === 'done');
    for (let i = 0; i < zoneIds.length; i++) expect(await recordsWith(u, zoneIds[i]!, 'sandbox-record=')).toBe(before[i]);
    expect((await call('GET', `/api/v1/jobs/${job.id}`, { token: u.token })).body.job.revertedBy).toBe(rev.body.job.id);
  });

  it('browser-paced chunks; the tier concurrency limit names itself; drift → back to planned with the problem', async () => {
    const u = await userWithSandbox();
    const zoneIds = u.zones.map((z) => z.id);
    const a = (await planOverHttp(u.token, replaceBody(u.account.id, zoneIds, 'sandbox-record=', 'paced='))).body.job;
    const b = (await planOverHttp(u.token, replaceBody(u.account.id, zoneIds, 'sandbox-record=', 'other='))).body.job;
    const opened = await applyOverHttp(u.token, a.id, { mode: 'browser' });
    expect(opened.status).toBe(202);
    expect(opened.body.job).toMatchObject({ status: 'running', mode: 'browser' });
    expect(a.plan.chunkNumbers).toHaveLength(a.plan.chunks);

    // Free tier: one active job at a time.
    const busy = await call('POST', `/api/v1/jobs/${b.id}/apply`, { token: u.token, body: {} });
    expect(busy.status).toBe(429);
    expect(busy.headers.get('content-type')).toContain('application/problem+json');
    expect(busy.headers.get('retry-after')).toBeTruthy();
    expect(busy.body).toMatchObject({ limit: 'concurrentJobs', max: 1 });

    for (const n of a.plan.chunkNumbers) {
      const r = await call('POST', `/api/v1/jobs/${a.id}/chunks/${n}/apply`, { token: u.token });
      expect(r.status).toBe(200);
      // idempotent: applying the same chunk again changes nothing
      const again = await call('POST', `/api/v1/jobs/${a.id}/chunks/${n}/apply`, { token: u.token });
      expect(again.status).toBe(200);
      expect(again.body.job.counts.done).toBe(r.body.job.counts.done);
    }
    const done = (await call('GET', `/api/v1/jobs/${a.id}`, { token: u.token })).body.job;
    expect(done).toMatchObject({ status: 'done' });
    expect(done.counts.done).toBe(a.plan.totalChanges);
    expect(await recordsWith(u, zoneIds[0]!, 'paced=')).toBe(a.plan.zones[0].updates);

    // b was planned before a changed the zones: the drift check refuses it, with a re-plan hint.
    const drift = await applyOverHttp(u.token, b.id);
    expect(drift.status).toBe(202);
    expect(drift.body.job).toMatchObject({ status: 'planned', mode: null, problem: { code: 'plan-drifted' } });
    expect(drift.body.job.problem.zones.length).toBe(zoneIds.length);
    expect(drift.body.job.problem.extra.replan).toMatchObject({ method: 'POST', href: '/api/v1/jobs' });
  });

  it('bad input is a 400 with fields; another user sees 404 on every job route', async () => {
    const u = await userWithSandbox();
    const bad = await call('POST', '/api/v1/jobs', { token: u.token, body: { kind: 'dns-replace', accountId: u.account.id, params: {} } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.length).toBeGreaterThan(0);
    // Zones are listed by the planner: an unknown zone ends the job `plan-failed`, naming it.
    const noZone = await planOverHttp(u.token, replaceBody(u.account.id, ['0'.repeat(32)], 'a', 'b'));
    expect(noZone.body.job).toMatchObject({ status: 'plan-failed', problem: { code: 'invalid-selection', extra: { fields: [expect.objectContaining({ field: 'zones' })] } } });

    const job = (await planOverHttp(u.token, replaceBody(u.account.id, [u.zones[0]!.id], 'sandbox-record=', 'x='))).body.job;
    const other = await signUpWithToken();
    const routes: Array<[string, string, unknown?]> = [
      ['GET', `/api/v1/jobs/${job.id}`],
      ['GET', `/api/v1/jobs/${job.id}/items`],
      ['GET', `/api/v1/jobs/${job.id}/events`],
      ['GET', `/api/v1/jobs/${job.id}/zones`],
      ['POST', `/api/v1/jobs/${job.id}/apply`, {}],
      ['POST', `/api/v1/jobs/${job.id}/chunks/0/apply`],
      ['POST', `/api/v1/jobs/${job.id}/cancel`],
      ['POST', `/api/v1/jobs/${job.id}/retry`],
      ['POST', `/api/v1/jobs/${job.id}/revert`],
    ];
    for (const [m, p, body] of routes) expect([m, p, (await call(m, p, { token: other.token, body })).status]).toEqual([m, p, 404]);
    expect((await call('GET', '/api/v1/jobs', { token: other.token })).body.jobs).toEqual([]);
    // The other user cannot plan against this user's Cloudflare account either.
    expect((await call('POST', '/api/v1/jobs', { token: other.token, body: replaceBody(u.account.id, [u.zones[0]!.id], 'a', 'b') })).status).toBe(404);
    // and the owner can cancel the planned job
    expect((await call('POST', `/api/v1/jobs/${job.id}/cancel`, { token: u.token })).body.job.status).toBe('cancelled');
  });
});
