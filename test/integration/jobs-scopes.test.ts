/**
 * Scope matrix over HTTP. A job route needs the Cloudflare scope of its effect
 * as well as its jobs scope: planning, applying, retrying and reverting change
 * Cloudflare (`jobs:write` + `cloudflare:write`); the items list shows record
 * contents (`jobs:read` + `cloudflare:read`). Status, events and cancel need
 * only the jobs scope. Every `user` route of the manifest is also checked: an
 * API key missing any one of the route's required scopes gets 403 (scopes are
 * checked before the body is validated).
 */
import { routes } from '../../functions/platform/manifest';
import { requiredScopes, SCOPES, type RouteDef, type Scope } from '../../functions/contracts/route';
import { planOverHttp } from '../support/jobs-http';
import { call, signUpWithToken } from '../support/http';

jest.setTimeout(120_000);

const ACCOUNTS = '/api/v1/cloudflare/accounts';

async function keyWith(sessionToken: string, scopes: readonly Scope[]): Promise<string> {
  const r = await call('POST', '/api/v1/api-keys', { token: sessionToken, body: { name: `scopes ${scopes.join(' ')}`.slice(0, 60), scopes } });
  if (r.status !== 201) throw new Error(`api key: ${r.status} ${r.text}`);
  return r.body.secret as string;
}

function concretePath(route: RouteDef): string {
  return route.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
    name === 'zoneId' || name === 'recordId' ? 'a'.repeat(32) : name === 'n' ? '0' : 'AAAAAAAAAAAAAAAAAAAAAA',
  );
}

describe('job routes need the Cloudflare scope of their effect', () => {
  let u: Awaited<ReturnType<typeof signUpWithToken>>;
  let accountId: string;
  let zoneId: string;
  let jobId: string;
  const keys = {} as Record<'jobsWrite' | 'jobsAndCfWrite' | 'jobsRead' | 'jobsAndCfRead' | 'cfWrite', string>;

  beforeAll(async () => {
    u = await signUpWithToken();
    const created = await call('POST', ACCOUNTS, { token: u.token, body: { name: 'Scopes', sandbox: true } });
    if (created.status !== 201) throw new Error(`sandbox account: ${created.status} ${created.text}`);
    accountId = created.body.account.id;
    zoneId = (await call('GET', `${ACCOUNTS}/${accountId}/zones`, { token: u.token })).body.zones[0].id;
    jobId = (await planOverHttp(u.token, deleteTxt())).body.job.id;
    [keys.jobsWrite, keys.jobsAndCfWrite, keys.jobsRead, keys.jobsAndCfRead, keys.cfWrite] = await Promise.all([
      keyWith(u.token, ['jobs:write']),
      keyWith(u.token, ['jobs:write', 'cloudflare:write']),
      keyWith(u.token, ['jobs:read']),
      keyWith(u.token, ['jobs:read', 'cloudflare:read']),
      keyWith(u.token, ['cloudflare:write', 'cloudflare:read']),
    ]);
  });

  const deleteTxt = () => ({ kind: 'dns-delete', accountId, zones: [zoneId], params: { match: { types: ['TXT'] } } });

  it('jobs:write alone cannot plan a DNS-deleting, settings or purge job; with cloudflare:write it can', async () => {
    const bodies = [
      deleteTxt(),
      { kind: 'zone-settings', accountId, zones: [zoneId], params: { settings: { ssl: 'strict' } } },
      { kind: 'cache-purge', accountId, zones: [zoneId], params: { everything: true } },
    ];
    for (const body of bodies) {
      const r = await call('POST', '/api/v1/jobs', { token: keys.jobsWrite, body });
      expect([body.kind, r.status, r.body.type]).toEqual([body.kind, 403, expect.stringMatching(/insufficient-scope$/)]);
      expect(r.body.missing).toEqual(['cloudflare:write']);
    }
    expect((await call('POST', '/api/v1/jobs', { token: keys.cfWrite, body: deleteTxt() })).status).toBe(403);
    const planned = await call('POST', '/api/v1/jobs', { token: keys.jobsAndCfWrite, body: deleteTxt() });
    expect(planned.status).toBe(201);
  });

  it('apply, browser chunks, retry and revert need cloudflare:write; cancel needs jobs:write only', async () => {
    const writes: Array<[string, unknown?]> = [
      [`/api/v1/jobs/${jobId}/apply`, { mode: 'browser' }],
      [`/api/v1/jobs/${jobId}/chunks/0/apply`],
      [`/api/v1/jobs/${jobId}/retry`],
      [`/api/v1/jobs/${jobId}/revert`],
    ];
    for (const [path, body] of writes) {
      const r = await call('POST', path, { token: keys.jobsWrite, body });
      expect([path, r.status, r.body.missing]).toEqual([path, 403, ['cloudflare:write']]);
    }
    // With both scopes the same requests pass authorization (their outcome depends on the job's state).
    for (const [path, body] of writes) {
      expect([path, (await call('POST', path, { token: keys.jobsAndCfWrite, body })).status]).not.toEqual([path, 403]);
    }
    const settings = { kind: 'zone-settings', accountId, zones: [zoneId], params: { settings: { ssl: 'strict' } } };
    const other = (await call('POST', '/api/v1/jobs', { token: u.token, body: settings })).body.job;
    const cancelled = await call('POST', `/api/v1/jobs/${other.id}/cancel`, { token: keys.jobsWrite });
    expect([cancelled.status, cancelled.body.job?.status]).toEqual([200, 'cancelled']);
  });

  it('jobs:read sees status and events but not record contents (items need cloudflare:read)', async () => {
    expect((await call('GET', `/api/v1/jobs/${jobId}`, { token: keys.jobsRead })).status).toBe(200);
    expect((await call('GET', `/api/v1/jobs/${jobId}/events`, { token: keys.jobsRead })).status).toBe(200);
    expect((await call('GET', '/api/v1/jobs', { token: keys.jobsRead })).status).toBe(200);
    const items = await call('GET', `/api/v1/jobs/${jobId}/items`, { token: keys.jobsRead });
    expect([items.status, items.body.missing]).toEqual([403, ['cloudflare:read']]);
    const withCf = await call('GET', `/api/v1/jobs/${jobId}/items`, { token: keys.jobsAndCfRead });
    expect(withCf.status).toBe(200);
    expect(withCf.body.items[0].before.content).toEqual(expect.any(String));
  });
});

describe('every user route of the manifest', () => {
  const userRoutes = routes.filter((r) => r.auth === 'user');
  const allBut = new Map<Scope, string>();

  beforeAll(async () => {
    const u = await signUpWithToken();
    for (const missing of SCOPES) allBut.set(missing, await keyWith(u.token, SCOPES.filter((s) => s !== missing)));
  });

  it.each(userRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s: a key lacking any required scope → 403', async (_k, route) => {
    for (const scope of requiredScopes(route)) {
      const r = await call(route.method, concretePath(route), { token: allBut.get(scope)!, body: route.body ? {} : undefined });
      expect([scope, r.status, r.body.type]).toEqual([scope, 403, expect.stringMatching(/insufficient-scope$/)]);
    }
  });
});
