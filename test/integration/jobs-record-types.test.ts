/**
 * Issue 13 items 2 and 8 against the sandbox: SRV/CAA are written through `data` (content alone is
 * refused, as Cloudflare does), and read-only records (`meta.read_only`, e.g. Email Routing's) are
 * refused by the sandbox and skipped by plans with the reason `read-only`.
 */
import { getJob, listItems } from '../../functions/jobs/queries';
import { pump, sandboxCall as call, startHarness, zoneRecords, type Harness } from './jobs-harness';

jest.setTimeout(120_000);

function markReadOnly(h: Harness, zoneId: string, type: string): string {
  const rec = [...h.sb.state.zones.get(zoneId)!.records.values()].find((r) => r.type === type)!;
  rec.meta = { read_only: true };
  return rec.id;
}

describe('record types and read-only records', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  test('sandbox: SRV/CAA with content only are refused; data is stored with the derived content; read-only records refuse writes', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 1, recordsPerZone: 5, plan: 'free' }, timeScale: 100 } });
    const z = [...h.sb.state.zones.keys()][0]!;
    const srvContent = await call(h, 'POST', `/zones/${z}/dns_records`, { type: 'SRV', name: '_sip._tcp', content: '10 5 5060 sip.example.net', ttl: 1 });
    expect(srvContent.status).toBe(400);
    expect(srvContent.json.errors[0]!.error_chain![0]!.message).toBe('priority is a required data field.');
    const caaContent = await call(h, 'POST', `/zones/${z}/dns_records`, { type: 'CAA', name: '@', content: '0 issue "letsencrypt.org"', ttl: 1 });
    expect(caaContent.status).toBe(400);
    expect(caaContent.json.errors[0]!.error_chain![0]!.message).toBe('flags is a required data field.');
    const srv = await call(h, 'POST', `/zones/${z}/dns_records`, { type: 'SRV', name: '_sip._tcp', data: { priority: 10, weight: 5, port: 5060, target: 'sip.example.net' }, ttl: 1 });
    expect(srv.status).toBe(200);
    expect(srv.json.result).toMatchObject({ content: '5 5060 sip.example.net', priority: 10, data: { priority: 10, weight: 5, port: 5060, target: 'sip.example.net' } });

    const ro = markReadOnly(h, z, 'MX');
    for (const [method, path, body] of [
      ['PATCH', `/zones/${z}/dns_records/${ro}`, { ttl: 300 }],
      ['PUT', `/zones/${z}/dns_records/${ro}`, { type: 'MX', name: '@', content: 'mx.example.net', priority: 5, ttl: 300 }],
      ['DELETE', `/zones/${z}/dns_records/${ro}`, undefined],
      ['POST', `/zones/${z}/dns_records/batch`, { deletes: [{ id: ro }] }],
      ['POST', `/zones/${z}/dns_records/batch`, { patches: [{ id: ro, ttl: 300 }] }],
    ] as const) {
      const r = await call(h, method, path, body);
      expect([method, path, r.status, r.json.errors[0]!.code]).toEqual([method, path, 400, 1004]);
    }
    expect(h.sb.state.zones.get(z)!.records.get(ro)!.ttl).toBe(3600);
  });

  test('read-only MX/TXT: dns-delete and dns-replace skip them with the reason read-only, the others change, nothing fails', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 2, recordsPerZone: 5, plan: 'free' }, timeScale: 100 } });
    const actor = h.actor('pro');
    const [z1, z2] = [...h.sb.state.zones.keys()] as [string, string];
    const roMx = markReadOnly(h, z1, 'MX');
    const roTxt = [...h.sb.state.zones.get(z1)!.records.values()].find((r) => r.type === 'TXT' && r.content.startsWith('v=spf1'))!;
    roTxt.meta = { read_only: true };

    const del = await h.plan(actor, { kind: 'dns-delete', accountId: h.accountId, zones: [z1, z2], params: { match: { types: ['MX'] } } });
    expect(del.plan.totalChanges).toBe(1);
    expect(del.counts.skipped).toBe(1);
    const delItems = await listItems(h.deps, actor, del.id, { limit: 50 });
    expect(delItems.items.find((i) => i.recordId === roMx)).toMatchObject({ status: 'skipped', error: 'read-only' });
    await h.apply(actor, del.id, { force: true, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 2 });
    const delDone = await getJob(h.deps, actor, del.id);
    expect(delDone.status).toBe('done');
    expect(delDone.counts.failed).toBe(0);
    expect(h.sb.state.zones.get(z1)!.records.has(roMx)).toBe(true);
    expect([...h.sb.state.zones.get(z2)!.records.values()].some((r) => r.type === 'MX')).toBe(false);

    const rep = await h.plan(actor, {
      kind: 'dns-replace',
      accountId: h.accountId,
      zones: [z1, z2],
      params: { match: { types: ['TXT'], content: { value: 'v=spf1', mode: 'contains' } }, set: { ttl: 600 } },
    });
    expect(rep.plan.totalChanges).toBe(1);
    const repItems = await listItems(h.deps, actor, rep.id, { limit: 50 });
    expect(repItems.items.find((i) => i.recordId === roTxt.id)).toMatchObject({ status: 'skipped', error: 'read-only' });
    await h.apply(actor, rep.id, { force: true, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 2 });
    const repDone = await getJob(h.deps, actor, rep.id);
    expect(repDone.status).toBe('done');
    expect(repDone.counts.failed).toBe(0);
    expect(roTxt.ttl).toBe(3600);
    expect([...h.sb.state.zones.get(z2)!.records.values()].find((r) => r.type === 'TXT' && r.content.startsWith('v=spf1'))!.ttl).toBe(600);
  });

  test('dns-create with SRV and CAA records lands them through data and reverts exactly', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 2, recordsPerZone: 5, plan: 'free' }, timeScale: 100 } });
    const actor = h.actor('pro');
    const zoneIds = [...h.sb.state.zones.keys()];
    const before = new Map(zoneIds.map((z) => [z, zoneRecords(h!.sb, z)]));
    const csv = 'type,name,content,ttl\nSRV,_sip._tcp,10 5 5060 sip.{zone}.,3600\nCAA,@,"0 issue ""letsencrypt.org""",3600\n';
    const job = await h.plan(actor, { kind: 'dns-create', accountId: h.accountId, zones: zoneIds, params: { csv } });
    expect(job.plan.totalChanges).toBe(4);
    await h.apply(actor, job.id, { force: false, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 2 });
    const done = await getJob(h.deps, actor, job.id);
    expect([done.status, done.counts.failed]).toEqual(['done', 0]);
    for (const z of zoneIds) {
      const name = h.sb.state.zones.get(z)!.zone.name;
      const recs = [...h.sb.state.zones.get(z)!.records.values()];
      expect(recs.find((r) => r.type === 'SRV')!.data).toEqual({ priority: 10, weight: 5, port: 5060, target: `sip.${name}` });
      expect(recs.find((r) => r.type === 'CAA')!.data).toEqual({ flags: 0, tag: 'issue', value: 'letsencrypt.org' });
    }
    const rev = await h.revert(actor, job.id);
    await h.apply(actor, rev.id, { force: false, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 2 });
    expect((await getJob(h.deps, actor, rev.id)).status).toBe('done');
    for (const z of zoneIds) expect(zoneRecords(h.sb, z)).toEqual(before.get(z));
  });

  test('bind-import: an SRV record lands with its target rewritten to each zone', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 2, recordsPerZone: 5, plan: 'free' }, timeScale: 100 } });
    const actor = h.actor('pro');
    const zoneIds = [...h.sb.state.zones.keys()];
    const bind = `$ORIGIN template.example.\n$TTL 3600\n_sip._tcp IN SRV 10 5 5060 sip\n_xmpp._tcp IN SRV 0 1 5222 chat.template.example.\n@ IN CAA 0 issue "letsencrypt.org"\n`;
    const job = await h.plan(actor, { kind: 'bind-import', accountId: h.accountId, zones: zoneIds, params: { bind, proxied: false } });
    expect(job.plan.totalChanges).toBe(6);
    await h.apply(actor, job.id, { force: false, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 2 });
    const done = await getJob(h.deps, actor, job.id);
    expect([done.status, done.counts.failed]).toEqual(['done', 0]);
    for (const z of zoneIds) {
      const name = h.sb.state.zones.get(z)!.zone.name;
      expect(zoneRecords(h.sb, z)).toEqual(
        expect.arrayContaining([`SRV|_sip._tcp.${name}|5 5060 sip.${name}|3600|false|10`, `SRV|_xmpp._tcp.${name}|1 5222 chat.${name}|3600|false|0`, `CAA|${name}|0 issue "letsencrypt.org"|3600|false|`]),
      );
    }
  });
});
