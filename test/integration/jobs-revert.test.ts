/**
 * Revert is single-use: a burst of concurrent reverts of one job creates one
 * revert job (201) and refuses the others (409), over HTTP with the real
 * workers applying the original job first. The job is claimed before the
 * revert is planned; a revert that fails to plan releases the claim.
 */
import { call, signUpWithToken } from '../support/http';
import { planOverHttp, waitForJob as waitFor } from '../support/jobs-http';

jest.setTimeout(120_000);

const ACCOUNTS = '/api/v1/cloudflare/accounts';

describe('revert', () => {
  it('a concurrent burst of reverts creates exactly one revert job; the rest are 409', async () => {
    const u = await signUpWithToken();
    const account = (await call('POST', ACCOUNTS, { token: u.token, body: { name: 'Revert', sandbox: true } })).body.account;
    const zoneId = (await call('GET', `${ACCOUNTS}/${account.id}/zones`, { token: u.token })).body.zones[0].id;
    const body = { kind: 'dns-replace', accountId: account.id, zones: [zoneId], params: { match: { types: ['TXT'], content: { value: 'sandbox-record=', mode: 'contains' } }, set: { content: 'reverted=' } } };
    const job = (await planOverHttp(u.token, body)).body.job;
    expect((await call('POST', `/api/v1/jobs/${job.id}/apply`, { token: u.token, body: {} })).status).toBe(202);
    await waitFor(u.token, job.id, (j) => j.status === 'done');

    const burst = await Promise.all(Array.from({ length: 8 }, () => call('POST', `/api/v1/jobs/${job.id}/revert`, { token: u.token })));
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const created = burst.find((r) => r.status === 201)!.body.job;
    for (const r of burst.filter((x) => x.status === 409)) expect(r.body.type).toMatch(/job-reverted$/);

    const reverts = (await call('GET', '/api/v1/jobs?limit=50', { token: u.token })).body.jobs.filter((j: any) => j.revertOf === job.id);
    expect(reverts.map((j: any) => j.id)).toEqual([created.id]);
    expect((await call('GET', `/api/v1/jobs/${job.id}`, { token: u.token })).body.job.revertedBy).toBe(created.id);
  });

  it('a revert that cannot be planned leaves the job revertible (the claim is released)', async () => {
    const u = await signUpWithToken();
    const account = (await call('POST', ACCOUNTS, { token: u.token, body: { name: 'Revert later', sandbox: true } })).body.account;
    const zoneId = (await call('GET', `${ACCOUNTS}/${account.id}/zones`, { token: u.token })).body.zones[0].id;
    const body = { kind: 'zone-settings', accountId: account.id, zones: [zoneId], params: { settings: { always_use_https: 'on' } } };
    const job = (await planOverHttp(u.token, body)).body.job;
    expect((await call('POST', `/api/v1/jobs/${job.id}/apply`, { token: u.token, body: {} })).status).toBe(202);
    await waitFor(u.token, job.id, (j) => j.status === 'done');
    expect((await call('DELETE', `${ACCOUNTS}/${account.id}`, { token: u.token })).status).toBe(204);
    expect((await call('POST', `/api/v1/jobs/${job.id}/revert`, { token: u.token })).status).toBe(404);
    expect((await call('GET', `/api/v1/jobs/${job.id}`, { token: u.token })).body.job.revertedBy).toBeNull();
  });
});
