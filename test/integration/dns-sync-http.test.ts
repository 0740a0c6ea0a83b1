/**
 * Zones as code over HTTP (issue 18), against the local runtime and its Cloudflare sandbox:
 * GET …/zones/{zoneId}/state (the export in the file's shape) and POST /jobs `dns-sync` (its
 * validation: 400 with the field path into the file, never 500). The engine round trip (export →
 * plan 0 → edit → apply → revert) is test/integration/dns-sync-engine.test.ts.
 */
import { call, signUpWithToken } from '../support/http';
import { planOverHttp, userWithSandbox } from '../support/jobs-http';

const BASE = '/api/v1/cloudflare/accounts';

describe('GET …/zones/{zoneId}/state', () => {
  it('exports every record in the file shape: relative names, TXT by value, SRV/CAA as content, MX priority, comment and tags', async () => {
    const u = await userWithSandbox();
    const zone = u.zones.find((z) => z.plan === 'pro')!;
    const at = `${BASE}/${u.account.id}/zones/${zone.id}`;
    const long = 'v=DKIM1; k=rsa; p=' + 'A'.repeat(300);
    for (const body of [
      { type: 'SRV', name: '_sip._tcp', content: '10 5 5060 sip.example.net' },
      { type: 'CAA', name: '@', content: '0 issue "letsencrypt.org"' },
      { type: 'TXT', name: 'dkim._domainkey', content: long, comment: 'rotated yearly' },
    ]) {
      const r = await call('POST', `${at}/dns-records`, { token: u.token, body });
      expect([body.type, r.status]).toEqual([body.type, 201]);
    }
    const r = await call('GET', `${at}/state`, { token: u.token });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ zone: zone.name, readOnlyRecords: 0, unsupportedRecords: 0, state: { manage: { include: ['*', '@'], exclude: [] } } });
    const records = r.body.state.records as Array<Record<string, unknown>>;
    expect(records).toHaveLength(153);
    expect(records[0]!.name).toBe('@');
    expect(records).toEqual(
      expect.arrayContaining([
        { name: '@', type: 'A', content: '192.0.2.1', ttl: 1, proxied: true },
        { name: 'www', type: 'CNAME', content: zone.name, ttl: 1, proxied: true },
        { name: '@', type: 'MX', content: `mail.${zone.name}`, ttl: 3600, priority: 10 },
        { name: '_sip._tcp', type: 'SRV', content: '10 5 5060 sip.example.net', ttl: 1 },
        { name: '@', type: 'CAA', content: '0 issue "letsencrypt.org"', ttl: 1 },
        { name: 'dkim._domainkey', type: 'TXT', content: long, ttl: 1, comment: 'rotated yearly' },
      ]),
    );
    expect(records.every((x) => typeof x.name === 'string' && !String(x.name).endsWith(zone.name))).toBe(true);
  });

  it('is 404 for another user, 400 for a malformed zone id', async () => {
    const a = await userWithSandbox();
    const b = await signUpWithToken();
    expect((await call('GET', `${BASE}/${a.account.id}/zones/${a.zones[0]!.id}/state`, { token: b.token })).status).toBe(404);
    const bad = await call('GET', `${BASE}/${a.account.id}/zones/NOT-AN-ID/state`, { token: a.token });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.field ?? bad.text).toContain('zoneId');
  });
});

describe('POST /jobs dns-sync', () => {
  it('plans the exported state of every zone of the account to zero changes (selection by name, file order)', async () => {
    const u = await userWithSandbox();
    const zones: Record<string, unknown> = {};
    for (const z of [...u.zones].reverse()) zones[z.name] = (await call('GET', `${BASE}/${u.account.id}/zones/${z.id}/state`, { token: u.token })).body.state;
    const r = await planOverHttp(u.token, { kind: 'dns-sync', accountId: u.account.id, params: { prune: true, zones } });
    expect(r.status).toBe(201);
    expect(r.body.job).toMatchObject({ kind: 'dns-sync', status: 'planned', plan: { totalChanges: 0, zonesTotal: 3 } });
    expect(r.body.job.plan.zones.map((z: { zoneName: string }) => z.zoneName)).toEqual(Object.keys(zones));
  });

  it('answers 400 with field paths into the file, never 500', async () => {
    const u = await userWithSandbox();
    const post = (params: unknown, extra: Record<string, unknown> = {}) => call('POST', '/api/v1/jobs', { token: u.token, body: { kind: 'dns-sync', accountId: u.account.id, params, ...extra } });
    const fieldsOf = (r: { status: number; body: { errors?: Array<{ field: string }> } }) => [r.status, (r.body.errors ?? []).map((e) => e.field)];
    const a = { name: '@', type: 'A', content: '192.0.2.1' };
    expect(fieldsOf(await post({ zones: { 'example.com': { records: [a, a, { name: 'www', type: 'CNAME', content: 'example.com' }, { name: '@', type: 'MX', content: 'mx.example.com' }] } } }))).toEqual([
      400,
      ['params.zones.example.com.records.3.priority'],
    ]);
    expect(fieldsOf(await post({ zones: { 'example.com': { manage: { include: ['www'] }, records: [a, { ...a, name: 'www' }, { ...a, name: 'www' }] } } }))).toEqual([
      400,
      ['params.zones.example.com.records.0.name', 'params.zones.example.com.records.2'],
    ]);
    expect(fieldsOf(await post({ zones: { 'not a zone': { records: [] } } }))).toEqual([400, ['params.zones.not a zone']]);
    expect(fieldsOf(await post({ zones: {} }))).toEqual([400, ['params.zones']]);
    expect(fieldsOf(await post({ zones: { 'example.com': { records: [] } } }, { zones: [u.zones[0]!.id] }))).toEqual([400, ['zones']]);
  });
});
