/**
 * Issue 13 items 4, 9, 11 and 12 against the sandbox: records as Cloudflare really stores them.
 * Quoted TXT (dashboard-edited records, 255-byte strings), BIND import with cf_tags, revert of the
 * whole record (tags, comment, settings, data), CNAME / NS-delegation rules, no `brotli` setting.
 */
import { applyJob } from '../../functions/jobs/apply';
import { planJob } from '../../functions/jobs/plan';
import { getJob, listItems } from '../../functions/jobs/queries';
import { ZoneSettingsParams, type CreateJobInput } from '../../functions/contracts/jobs';
import type { DnsRecord } from '../../lib/local/cloudflare/types';
import { pump, sandboxCall as call, startHarness, type Harness } from './jobs-harness';

jest.setTimeout(120_000);

const SPF = 'v=spf1 include:_spf.example.net ~all';

async function start(plan: 'free' | 'pro' = 'free', zones = 2): Promise<Harness> {
  return startHarness({ sandbox: { seed: { zones, recordsPerZone: 5, plan }, timeScale: 100 } });
}

const zoneIds = (h: Harness) => [...h.sb.state.zones.keys()];
const records = (h: Harness, z: string) => [...h.sb.state.zones.get(z)!.records.values()];

/** Plan (planning may run on the workers), then read the job as the API shows it. */
async function plan(h: Harness, input: CreateJobInput) {
  const actor = h.actor('pro');
  const job = await planJob(h.deps, actor, input);
  await pump(h.deps, h.queue, { concurrency: 2 });
  const view = await getJob(h.deps, actor, job.id);
  const items = (await listItems(h.deps, actor, job.id, { limit: 200 })).items;
  return { id: job.id, view, items };
}

/** Apply to the end; returns the job as finished. */
async function apply(h: Harness, jobId: string) {
  const actor = h.actor('pro');
  await applyJob(h.deps, actor, jobId, { force: true, mode: 'server' });
  await pump(h.deps, h.queue, { concurrency: 2 });
  return getJob(h.deps, actor, jobId);
}

/** Revert a job and apply the revert to the end. */
async function revert(h: Harness, jobId: string) {
  const rev = await h.revert(h.actor('pro'), jobId);
  return apply(h, rev.id);
}

/** A record as the API answers it, without the timestamps a write moves. */
function full(r: DnsRecord): Record<string, unknown> {
  const { modified_on: _m, comment_modified_on: _c, tags_modified_on: _t, ...rest } = r;
  return rest;
}

describe('quoted TXT (item 4)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  test('sandbox: quoted strings over 255 bytes are split, inconsistent quotes refused, unquoted kept, quoted and unquoted spellings are one record', async () => {
    h = await start('free', 1);
    const [z] = zoneIds(h) as [string];
    const long = 'k'.repeat(300);
    const split = await call(h, 'POST', `/zones/${z}/dns_records`, { type: 'TXT', name: 'dkim', content: `"${long}"`, ttl: 1 });
    expect(split.status).toBe(200);
    expect(split.json.result.content).toBe(`"${'k'.repeat(255)}" "${'k'.repeat(45)}"`);
    for (const bad of ['"this', '"these" ones"', 'half"']) {
      const r = await call(h, 'POST', `/zones/${z}/dns_records`, { type: 'TXT', name: 'bad', content: bad, ttl: 1 });
      expect([bad, r.status, r.json.errors[0]!.code, r.json.errors[0]!.error_chain?.[0]?.code]).toEqual([bad, 400, 1004, 9009]);
    }
    const plain = await call(h, 'POST', `/zones/${z}/dns_records`, { type: 'TXT', name: 'plain', content: 'hello world', ttl: 1 });
    expect(plain.json.result.content).toBe('hello world');
    // The seeded SPF record is unquoted; the dashboard's quoted spelling of the same value is a duplicate.
    const dup = await call(h, 'POST', `/zones/${z}/dns_records`, { type: 'TXT', name: '@', content: `"${SPF}"`, ttl: 3600 });
    expect([dup.status, dup.json.errors[0]!.code]).toEqual([400, 81058]);
  });

  test('an exact-match replace finds a quoted SPF record, writes quoted content and reverts to the exact original record', async () => {
    h = await start();
    const zs = zoneIds(h);
    // As the dashboard stores it: quoted.
    for (const z of zs) records(h, z).find((r) => r.type === 'TXT' && r.content === SPF)!.content = `"${SPF}"`;
    const before = zs.map((z) => records(h!, z).map(full));
    const job = await plan(h, {
      kind: 'dns-replace',
      accountId: h.accountId,
      zones: zs,
      params: { match: { types: ['TXT'], content: { value: SPF, mode: 'exact' } }, set: { content: 'v=spf1 include:_spf.other.example ~all' } },
    });
    expect(job.view.plan.totalChanges).toBe(2);
    const done = await apply(h, job.id);
    expect([done.status, done.counts.failed]).toEqual(['done', 0]);
    for (const z of zs) expect(records(h, z).filter((r) => r.type === 'TXT' && r.name === h!.sb.state.zones.get(z)!.zone.name).map((r) => r.content)).toEqual(['"v=spf1 include:_spf.other.example ~all"']);
    const rev = await revert(h, job.id);
    expect([rev.status, rev.counts.failed]).toEqual(['done', 0]);
    expect(zs.map((z) => records(h!, z).map(full))).toEqual(before);
  });

  test('importing an SPF record that exists quoted plans no duplicate; a TXT over 255 bytes is written as quoted 255-byte strings and round-trips', async () => {
    h = await start();
    const zs = zoneIds(h);
    for (const z of zs) records(h, z).find((r) => r.type === 'TXT' && r.content === SPF)!.content = `"${SPF}"`;
    const dkim = `v=DKIM1; k=rsa; p=${'A'.repeat(380)}`;
    const csv = `type,name,content,ttl\nTXT,@,${SPF},3600\nTXT,sel._domainkey,${dkim},3600\n`;
    const job = await plan(h, { kind: 'dns-create', accountId: h.accountId, zones: zs, params: { csv } });
    expect(job.view.plan.totalChanges).toBe(2);
    expect(job.items.filter((i) => i.status === 'skipped').map((i) => i.error)).toEqual(['already exists', 'already exists']);
    const done = await apply(h, job.id);
    expect([done.status, done.counts.failed]).toEqual(['done', 0]);
    for (const z of zs) {
      const stored = records(h, z).find((r) => r.name.startsWith('sel._domainkey.'))!;
      expect(stored.content).toBe(`"${dkim.slice(0, 255)}" "${dkim.slice(255)}"`);
    }
    // Round trip: the same import planned again finds both records.
    const again = await plan(h, { kind: 'dns-create', accountId: h.accountId, zones: zs, params: { csv } });
    expect(again.view.plan.totalChanges).toBe(0);
    // And a contains-replace across the 255-byte split, reverted, restores the split record.
    const before = zs.map((z) => records(h!, z).map(full));
    const rep = await plan(h, {
      kind: 'dns-replace',
      accountId: h.accountId,
      zones: zs,
      params: { match: { types: ['TXT'], content: { value: 'A'.repeat(300), mode: 'contains' } }, set: { content: 'B'.repeat(300) } },
    });
    expect(rep.view.plan.totalChanges).toBe(2);
    expect([(await apply(h, rep.id)).counts.failed, (await revert(h, rep.id)).counts.failed]).toEqual([0, 0]);
    expect(zs.map((z) => records(h!, z).map(full))).toEqual(before);
  });
});

describe('retired zone settings (item 12)', () => {
  test('brotli is gone: the sandbox answers it as an unknown setting and the zone-settings contract refuses it', async () => {
    const h = await start('pro', 1);
    try {
      const [z] = zoneIds(h) as [string];
      const one = await call(h, 'GET', `/zones/${z}/settings/brotli`);
      expect([one.status, one.json.errors[0]!.code]).toEqual([404, 7003]);
      const all = (await call(h, 'GET', `/zones/${z}/settings`)).json.result as unknown as Array<{ id: string }>;
      expect(all.map((s) => s.id)).not.toContain('brotli');
      expect(all.map((s) => s.id)).toContain('ssl');
    } finally {
      await h.close();
    }
    expect(ZoneSettingsParams.safeParse({ settings: { brotli: 'on' } }).success).toBe(false);
    expect(ZoneSettingsParams.safeParse({ settings: { ssl: 'strict' } }).success).toBe(true);
  });
});

describe('revert restores the whole record (item 11)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** A flattened CNAME, an SRV and a TXT, each with a comment and tags (a paid zone: per-record flattening and tags). */
  async function richRecords(hh: Harness, z: string): Promise<string[]> {
    const bodies = [
      { type: 'CNAME', name: 'app', content: 'origin.example.net', ttl: 300, proxied: false, comment: 'web front', tags: ['team:web', 'ticket:OPS-1'], settings: { flatten_cname: true } },
      { type: 'SRV', name: '_sip._tcp', ttl: 600, data: { priority: 10, weight: 5, port: 5060, target: 'sip.example.net' }, comment: 'voice', tags: ['svc:sip'] },
      { type: 'TXT', name: 'verify', content: '"token=abc"', ttl: 300, comment: 'ownership', tags: ['vendor:acme'] },
    ];
    const ids: string[] = [];
    for (const b of bodies) {
      const r = await call(hh, 'POST', `/zones/${z}/dns_records`, b);
      expect([r.status, r.json.errors]).toEqual([200, []]);
      ids.push(String(r.json.result.id));
    }
    return ids;
  }

  test('revert of an update restores tags, comment, settings and data exactly (full records compared through the sandbox)', async () => {
    h = await start('pro', 1);
    const [z] = zoneIds(h) as [string];
    const ids = await richRecords(h, z);
    const get = async () => Promise.all(ids.map(async (id) => full((await call(h!, 'GET', `/zones/${z}/dns_records/${id}`)).json.result as unknown as DnsRecord)));
    const before = await get();
    const requests: CreateJobInput[] = [
      { kind: 'dns-replace', accountId: h.accountId, zones: [z], params: { match: { types: ['CNAME'], name: { value: 'app', mode: 'exact' } }, set: { proxied: true } } },
      { kind: 'dns-replace', accountId: h.accountId, zones: [z], params: { match: { types: ['SRV'] }, set: { content: '20 7 5061 sip2.example.net' } } },
      { kind: 'dns-replace', accountId: h.accountId, zones: [z], params: { match: { types: ['TXT'], content: { value: 'token=abc', mode: 'exact' } }, set: { content: 'token=xyz', ttl: 900 } } },
    ];
    const jobs: string[] = [];
    for (const req of requests) {
      const j = await plan(h, req); // each planned against the zone as the previous one left it
      expect(j.view.plan.totalChanges).toBe(1);
      expect((await apply(h, j.id)).counts.failed).toBe(0);
      jobs.push(j.id);
    }
    const changed = await get();
    // Cloudflare discards flatten_cname on a proxied record: the revert must put it back.
    expect(changed[0]).toMatchObject({ proxied: true, ttl: 1, settings: {}, tags: ['team:web', 'ticket:OPS-1'], comment: 'web front' });
    expect(changed[1]).toMatchObject({ data: { priority: 20, weight: 7, port: 5061, target: 'sip2.example.net' }, tags: ['svc:sip'] });
    for (const id of jobs.reverse()) expect((await revert(h, id)).counts.failed).toBe(0);
    expect(await get()).toEqual(before);
  });

  test('revert of a delete recreates each record with its comment, tags, settings and data', async () => {
    h = await start('pro', 1);
    const [z] = zoneIds(h) as [string];
    const ids = await richRecords(h, z);
    const shape = (r: DnsRecord) => {
      const { id: _i, created_on: _c, ...rest } = full(r);
      return rest;
    };
    const byName = () => records(h!, z).filter((r) => ['CNAME', 'SRV', 'TXT'].includes(r.type) && /^(app|_sip\._tcp|verify)\./.test(r.name)).map(shape).sort((a, b) => String(a.name).localeCompare(String(b.name)));
    const before = byName();
    expect(before).toHaveLength(3);
    const del = await plan(h, { kind: 'dns-delete', accountId: h.accountId, zones: [z], params: { match: { types: ['CNAME', 'SRV', 'TXT'] } } });
    const mine = del.items.filter((i) => ids.includes(String(i.recordId)));
    expect(mine).toHaveLength(3);
    expect((await apply(h, del.id)).counts.failed).toBe(0);
    expect(byName()).toEqual([]);
    expect((await revert(h, del.id)).counts.failed).toBe(0);
    expect(byName()).toEqual(before);
  });
});

describe('BIND import with cf_tags (item 9)', () => {
  test('cf-proxied per record beats the global flag, mail hosts are never proxied by it, comments and tags are kept', async () => {
    const h = await start('pro', 2);
    try {
      const zs = zoneIds(h);
      const bind = [
        '$ORIGIN template.example.',
        '$TTL 3600',
        'shop   IN A     192.0.2.10          ; shop front cf_tags=team:web',
        'www2   IN CNAME shop                ; cf_tags=cf-proxied:false,owner:"ops, web"',
        'api    IN A     192.0.2.11          ; api front cf_tags=cf-proxied:true,tier:gold',
        'mx1    IN A     192.0.2.25          ; mail host',
        '@      IN MX    20 mx1',
        'files  IN CNAME cdn.example.net.    ; cf_tags=cf-flatten-cname,cf-proxied:false',
        'note   IN TXT   "hello"             ; this mentions cf_tags= as text cf_tags=',
      ].join('\n');
      const job = await plan(h, { kind: 'bind-import', accountId: h.accountId, zones: zs, params: { bind, proxied: true } });
      expect(job.view.plan.totalChanges).toBe(14);
      const done = await apply(h, job.id);
      expect([done.status, done.counts.failed]).toEqual(['done', 0]);
      for (const z of zs) {
        const zone = h.sb.state.zones.get(z)!.zone.name;
        const at = (name: string) => {
          const r = records(h, z).find((x) => x.name === `${name}.${zone}`)!;
          return { type: r.type, proxied: r.proxied, comment: r.comment, tags: r.tags, settings: r.settings };
        };
        expect(at('shop')).toEqual({ type: 'A', proxied: true, comment: 'shop front', tags: ['team:web'], settings: {} });
        expect(at('www2')).toEqual({ type: 'CNAME', proxied: false, comment: null, tags: ['owner:ops, web'], settings: {} });
        expect(at('api')).toEqual({ type: 'A', proxied: true, comment: 'api front', tags: ['tier:gold'], settings: {} });
        expect(at('mx1')).toEqual({ type: 'A', proxied: false, comment: 'mail host', tags: [], settings: {} });
        expect(at('files')).toEqual({ type: 'CNAME', proxied: false, comment: null, tags: [], settings: { flatten_cname: true } });
        expect(at('note')).toEqual({ type: 'TXT', proxied: false, comment: 'this mentions cf_tags= as text', tags: [], settings: {} });
        expect(records(h, z).find((r) => r.type === 'MX' && r.content === `mx1.${zone}`)?.priority).toBe(20);
      }
    } finally {
      await h.close();
    }
  });
});

describe('CNAME and NS-delegation rules (item 12)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** A proxied CNAME `shop`, a DNS-only CNAME `docs`, and `sub` delegated to ns1.sub (glue inside) and ns.other.net. */
  async function layout(hh: Harness, z: string) {
    for (const b of [
      { type: 'CNAME', name: 'shop', content: 'shops.example.net', proxied: true, ttl: 1 },
      { type: 'CNAME', name: 'docs', content: 'docs.example.net', proxied: false, ttl: 300 },
      { type: 'NS', name: 'sub', content: `ns1.sub.${hh.sb.state.zones.get(z)!.zone.name}`, ttl: 3600 },
      { type: 'NS', name: 'sub', content: 'ns.other.net', ttl: 3600 },
    ]) {
      const r = await call(hh, 'POST', `/zones/${z}/dns_records`, b);
      expect([b.name, r.status]).toEqual([b.name, 200]);
    }
  }

  test('sandbox refuses what Cloudflare refuses, with its error code, and allows what it allows', async () => {
    h = await start('free', 1);
    const [z] = zoneIds(h) as [string];
    await layout(h, z);
    const post = async (b: Record<string, unknown>) => {
      const r = await call(h!, 'POST', `/zones/${z}/dns_records`, { ttl: 300, ...b });
      return r.status === 200 ? 'ok' : r.json.errors[0]!.code;
    };
    expect(await post({ type: 'MX', name: 'shop', content: 'mx.example.net', priority: 10 })).toBe('ok'); // beside a proxied CNAME
    expect(await post({ type: 'TXT', name: 'shop', content: '"shop=1"' })).toBe('ok');
    expect(await post({ type: 'TXT', name: 'docs', content: '"docs=1"' })).toBe('ok'); // TXT beside any CNAME
    expect(await post({ type: 'MX', name: 'docs', content: 'mx.example.net', priority: 10 })).toBe(81054); // not beside a plain one
    expect(await post({ type: 'A', name: 'shop', content: '192.0.2.1' })).toBe(81054);
    expect(await post({ type: 'CNAME', name: 'mail', content: 'elsewhere.example.net' })).toBe(81053); // the seed's mail A
    expect(await post({ type: 'A', name: 'sub', content: '192.0.2.2' })).toBe(81056);
    expect(await post({ type: 'CNAME', name: 'sub', content: 'elsewhere.example.net' })).toBe(81056);
    expect(await post({ type: 'A', name: 'x.sub', content: '192.0.2.3' })).toBe(89018);
    expect(await post({ type: 'TXT', name: 'y.sub', content: 'hello' })).toBe(89018);
    expect(await post({ type: 'A', name: 'ns1.sub', content: '192.0.2.53' })).toBe('ok'); // glue
    expect(await post({ type: 'NS', name: 'mail', content: 'ns.other.net' })).toBe(81053);
    // Un-proxying the CNAME that now has an MX beside it is refused too.
    const shop = records(h, z).find((r) => r.type === 'CNAME' && r.name.startsWith('shop.'))!;
    const patch = await call(h, 'PATCH', `/zones/${z}/dns_records/${shop.id}`, { proxied: false });
    expect([patch.status, patch.json.errors[0]?.code]).toEqual([400, 81053]);
  });

  test('the engine plans skips with the reason for what Cloudflare would refuse; everything else lands, nothing fails', async () => {
    h = await start('free', 2);
    const zs = zoneIds(h);
    for (const z of zs) await layout(h, z);
    const csv = ['type,name,content,ttl,proxied,priority', 'MX,shop,mx.example.net,300,false,10', 'TXT,docs,hello,300,false,', 'MX,docs,mx.example.net,300,false,10', 'A,x.sub,192.0.2.9,300,false,', 'A,ns1.sub,192.0.2.53,300,false,', 'A,sub,192.0.2.8,300,false,'].join('\n');
    const create = await plan(h, { kind: 'dns-create', accountId: h.accountId, zones: zs, params: { csv } });
    const reasons = create.items.filter((i) => i.zoneId === zs[0]).map((i) => `${(i.after as { name: string }).name.split('.').slice(0, -2).join('.')}: ${i.error ?? 'create'}`);
    expect(reasons.sort()).toEqual([
      'docs: conflicts with a CNAME at the same name', // an MX beside a plain DNS-only CNAME
      'docs: create', // TXT beside any CNAME
      'ns1.sub: create', // glue of the delegation
      'shop: create', // MX beside a proxied CNAME
      'sub: an NS record delegates this name',
      'x.sub: beneath the delegated subdomain sub.zone-001.example (only glue A/AAAA records of its name servers are allowed)',
    ]);
    const done = await apply(h, create.id);
    expect([done.status, done.counts.done, done.counts.failed]).toEqual(['done', 6, 0]);
    const unproxy = await plan(h, { kind: 'dns-replace', accountId: h.accountId, zones: zs, params: { match: { types: ['CNAME'], name: { value: 'shop', mode: 'exact' } }, set: { proxied: false } } });
    expect(unproxy.items.map((i) => i.error)).toEqual(['a DNS-only CNAME cannot share its name with MX records', 'a DNS-only CNAME cannot share its name with MX records']);
    expect(unproxy.view.plan.totalChanges).toBe(0);
  });
});
