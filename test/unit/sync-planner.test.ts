/** The dns-sync planner (zones as code, issue 18): the exact diff within the managed names; the file's checks. */
import { DnsSyncParams, ZoneStateExport } from '../../functions/contracts/dns-sync';
import { CreateJobBody } from '../../functions/contracts/jobs';
import { liveFromApi, type LiveRecord } from '../../functions/cloudflare/records';
import { zoneStateOf } from '../../functions/cloudflare/zone-state';
import { DomainError } from '../../functions/errors';
import { desiredZones, NOT_IN_FILE, planSync } from '../../functions/jobs/sync-planner';
import { chunkSlices } from '../../functions/jobs/plan';

const zone = { id: 'z'.repeat(32), name: 'example.com', plan: 'pro', batchLimit: 3500, recordQuota: 3500, tagsAllowed: true };
const rec = (id: string, type: string, name: string, content: string, extra: Partial<LiveRecord> = {}): LiveRecord => ({ id, type, name, content, ttl: 300, proxied: false, ...extra });

/** The plan of one zone `example.com` for the file's zone (params as the contract parses them). */
function plan(live: LiveRecord[], zoneFile: Record<string, unknown>, o: { prune?: boolean; defaults?: Record<string, unknown> } = {}) {
  const params = DnsSyncParams.parse({ prune: o.prune ?? false, ...(o.defaults ? { defaults: o.defaults } : {}), zones: { 'example.com': zoneFile } });
  const [z] = desiredZones(params);
  return planSync(zone, live, z!, params.prune).map((i) => ({
    action: i.action,
    id: i.recordId,
    ...(i.after ? { after: i.after } : {}),
    ...(i.skip ? { skip: i.skip } : {}),
  }));
}

/** The 400 a file gets, as `field: message` lines. */
function refusal(zoneFile: Record<string, unknown>): string[] {
  try {
    desiredZones(DnsSyncParams.parse({ zones: { 'example.com': zoneFile } }));
  } catch (e) {
    return ((e as DomainError).options.fields ?? []).map((f) => `${f.field}: ${f.message}`);
  }
  throw new Error('no refusal');
}

const live = [
  rec('1', 'A', 'example.com', '192.0.2.1', { proxied: true, ttl: 1 }),
  rec('2', 'A', 'www.example.com', '192.0.2.2'),
  rec('3', 'TXT', 'example.com', '"v=spf1 -all"'),
  rec('4', 'MX', 'example.com', 'mail.example.com', { priority: 10 }),
  rec('5', 'TXT', '_acme-challenge.example.com', 'token-1'),
];
const file = [
  { name: '@', type: 'A', content: '192.0.2.1', proxied: true },
  { name: 'www', type: 'A', content: '192.0.2.2', ttl: 300 },
  { name: '@', type: 'TXT', content: 'v=spf1 -all', ttl: 300 },
  { name: '@', type: 'MX', content: 'mail.example.com', priority: 10, ttl: 300 },
];
const manage = { include: ['*', '@'], exclude: ['_acme-challenge*'] };

describe('dns-sync planner', () => {
  test('the file as the zone is: no item (quoted TXT = its value, proxied TTL 1); names outside manage are not read', () => {
    expect(plan(live, { manage, records: file })).toEqual([]);
  });

  test('add, change, remove: prune off lists the removal as skipped, prune on deletes; deletes, updates (file order), creates', () => {
    const edited = [file[0], { ...file[1], content: '192.0.2.9' }, { ...file[3], priority: 20 }, { name: 'api', type: 'AAAA', content: '2001:DB8::1', ttl: 600 }];
    expect(plan(live, { manage, records: edited })).toEqual([
      { action: 'update', id: '2', after: { type: 'A', name: 'www.example.com', content: '192.0.2.9', ttl: 300, proxied: false } },
      { action: 'update', id: '4', after: { type: 'MX', name: 'example.com', content: 'mail.example.com', ttl: 300, proxied: false, priority: 20 } },
      { action: 'create', id: null, after: { type: 'AAAA', name: 'api.example.com', content: '2001:db8::1', ttl: 600, proxied: false } },
      { action: 'delete', id: '3', skip: NOT_IN_FILE },
    ]);
    expect(plan(live, { manage, records: edited }, { prune: true }).map((i) => [i.action, i.id, i.skip ?? null])).toEqual([
      ['delete', '3', null],
      ['update', '2', null],
      ['update', '4', null],
      ['create', null, null],
    ]);
  });

  test('an IPv6 address written long or in capitals is the record Cloudflare holds shortened: no item', () => {
    const v6 = [...live, rec('6', 'AAAA', 'v6.example.com', '2001:4860:4860::8888'), rec('7', 'AAAA', 'w6.example.com', '2001:db8::1:0:0:1')];
    const records = [...file, { name: 'v6', type: 'AAAA', content: '2001:4860:4860:0:0:0:0:8888', ttl: 300 }, { name: 'w6', type: 'AAAA', content: '2001:0DB8:0000:0000:0001:0000:0000:0001', ttl: 300 }];
    expect(plan(v6, { manage, records })).toEqual([]);
  });

  test('an empty record list with prune removes every managed record, and nothing outside manage', () => {
    expect(plan(live, { manage, records: [] }, { prune: true }).map((i) => i.id)).toEqual(['1', '2', '3', '4']);
    expect(plan(live, { manage: { include: ['www'] }, records: [] }, { prune: true }).map((i) => i.id)).toEqual(['2']);
  });

  test('read-only records are never changed or deleted, and types a file cannot hold are never touched', () => {
    const ro = [...live, rec('6', 'MX', 'example.com', 'route1.mx.cloudflare.net', { priority: 5, readOnly: true }), rec('7', 'HTTPS', 'example.com', '1 . alpn="h2"')];
    expect(plan(ro, { manage, records: file }, { prune: true })).toEqual([{ action: 'delete', id: '6', skip: 'read-only' }]);
    const change = [...file, { name: '@', type: 'MX', content: 'route1.mx.cloudflare.net', priority: 5, ttl: 600 }];
    expect(plan(ro, { manage, records: change }, { prune: true })).toEqual([expect.objectContaining({ action: 'update', id: '6', skip: 'read-only' })]);
  });

  test('comment, tags and settings are compared (tags as a set) and removed when the file drops them', () => {
    const tagged = [rec('1', 'CNAME', 'shop.example.com', 'shops.example.net', { comment: 'vendor', tags: ['team:web', 'env:prod'], settings: { flatten_cname: true } })];
    const same = { name: 'shop', type: 'CNAME', content: 'shops.example.net.', ttl: 300, comment: 'vendor', tags: ['env:prod', 'team:web'], settings: { flatten_cname: true } };
    expect(plan(tagged, { records: [same] })).toEqual([]);
    expect(plan(tagged, { records: [{ name: 'shop', type: 'CNAME', content: 'shops.example.net', ttl: 300 }] })).toEqual([
      { action: 'update', id: '1', after: { type: 'CNAME', name: 'shop.example.com', content: 'shops.example.net', ttl: 300, proxied: false } },
    ]);
    expect(plan(tagged, { records: [{ ...same, comment: 'vendor B' }] })).toEqual([expect.objectContaining({ action: 'update', after: expect.objectContaining({ comment: 'vendor B' }) })]);
  });

  test('SRV and CAA compare through data; a long TXT value matches its 255-byte split', () => {
    const value = 'v=DKIM1; k=rsa; p=' + 'A'.repeat(400);
    const stored = [
      rec('1', 'SRV', '_sip._tcp.example.com', '5 5060 sip.example.com', { priority: 10, data: { priority: 10, weight: 5, port: 5060, target: 'sip.example.com' } }),
      rec('2', 'CAA', 'example.com', '0 issue "letsencrypt.org"', { data: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } }),
      rec('3', 'TXT', 'k._domainkey.example.com', `"${value.slice(0, 255)}" "${value.slice(255)}"`),
    ];
    const records = [
      { name: '_sip._tcp', type: 'SRV', content: '10 5 5060 sip.example.com.', ttl: 300 },
      { name: '@', type: 'CAA', content: '0 issue "letsencrypt.org"', ttl: 300 },
      { name: 'k._domainkey', type: 'TXT', content: value, ttl: 300 },
    ];
    expect(plan(stored, { records })).toEqual([]);
    const moved = plan(stored, { records: [{ ...records[0], content: '10 5 5061 sip.example.com' }, records[1], records[2]] });
    expect(moved).toEqual([{ action: 'update', id: '1', after: expect.objectContaining({ data: { priority: 10, weight: 5, port: 5061, target: 'sip.example.com' } }) }]);
  });

  test('defaults: the record, then the zone, then the file, then ttl 1 / proxied false (proxied only where it can be)', () => {
    const items = plan([], { defaults: { ttl: 600 }, records: [{ name: 'a', type: 'A', content: '192.0.2.1' }, { name: 'b', type: 'A', content: '192.0.2.2', ttl: 120 }, { name: 'm', type: 'MX', content: 'mx.example.net', priority: 1 }] }, { defaults: { ttl: 3600, proxied: true } });
    expect(items.map((i) => [i.after!.name, i.after!.ttl, i.after!.proxied])).toEqual([
      ['a.example.com', 1, true], // proxied (file default): TTL 1, as Cloudflare stores it
      ['b.example.com', 1, true],
      ['m.example.com', 600, false], // an MX is never proxied; the zone's ttl beats the file's
    ]);
    expect(plan([], { records: [{ name: 'x', type: 'TXT', content: 'hello' }] })[0]!.after).toMatchObject({ ttl: 1, proxied: false, content: '"hello"' });
  });

  test('what Cloudflare would refuse is skipped with the reason, checked against the zone as the plan leaves it', () => {
    const zoneLive = [rec('1', 'A', 'www.example.com', '192.0.2.2')];
    const cname = { name: 'www', type: 'CNAME', content: 'example.net', ttl: 300 };
    expect(plan(zoneLive, { records: [cname] })).toEqual([
      { action: 'delete', id: '1', skip: NOT_IN_FILE },
      expect.objectContaining({ action: 'create', skip: 'a CNAME cannot share its name with A, AAAA or CNAME records' }),
    ]);
    // With prune the A goes in the same batch, before the create (Cloudflare's batch order): planned.
    expect(plan(zoneLive, { records: [cname] }, { prune: true }).map((i) => [i.action, i.skip ?? null])).toEqual([
      ['delete', null],
      ['create', null],
    ]);
  });

  test('the file is refused with field paths: a record outside manage, the second of two identical records', () => {
    expect(refusal({ manage: { include: ['*'], exclude: ['_acme-challenge*'] }, records: [file[0], { name: '_acme-challenge', type: 'TXT', content: 'x' }, file[1], { ...file[1], ttl: 60, name: 'www.example.com' }] })).toEqual([
      'params.zones.example.com.records.1.name: _acme-challenge is outside the names this zone manages (manage.include / manage.exclude)',
      'params.zones.example.com.records.3: the same record as records.2 (name, type, content)',
    ]);
  });

  test('the contract: dns-sync needs no zones/zoneFilter; a bad record is a field path into the file', () => {
    const ok = CreateJobBody.safeParse({ kind: 'dns-sync', accountId: 'a'.repeat(20), params: { zones: { 'Example.COM': { records: file } } } });
    expect(ok.success && ok.data.kind === 'dns-sync' && Object.keys(ok.data.params.zones)).toEqual(['example.com']);
    const bad = CreateJobBody.safeParse({ kind: 'dns-sync', accountId: 'a'.repeat(20), params: { zones: { 'example.com': { records: [file[0], file[1], file[2], { ...file[3], priority: undefined }] } } } });
    expect(bad.success ? [] : bad.error.issues.map((i) => i.path.join('.'))).toEqual(['params.zones.example.com.records.3.priority']);
  });

  test('export → plan: a zone exported to the file shape plans to nothing', () => {
    const stored = [
      ...live,
      rec('6', 'SRV', '_sip._tcp.example.com', '5 5060 sip.example.com', { priority: 10, data: { priority: 10, weight: 5, port: 5060, target: 'sip.example.com' } }),
      rec('7', 'CAA', 'example.com', '0 issue "letsencrypt.org"', { data: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } }),
      rec('8', 'CNAME', 'shop.example.com', 'shops.example.net', { comment: 'vendor', tags: ['env:prod'], settings: { flatten_cname: true, ipv4_only: false } }),
      rec('9', 'NS', 'lab.example.com', 'ns1.lab.example.net', { ttl: 86400 }),
      liveFromApi({ id: '10', type: 'MX', name: 'example.com', content: 'route1.mx.cloudflare.net', priority: 5, ttl: 300, meta: { read_only: true } }),
    ];
    stored.push(rec('11', 'TXT', 'blank.example.com', '""'), rec('12', 'TXT', 'pad.example.com', '" padded "'), rec('13', 'TXT', 'q.example.com', '"\\"quoted\\""'));
    const exported = ZoneStateExport.parse(zoneStateOf('example.com', stored));
    expect([exported.readOnlyRecords, exported.state.records.length]).toEqual([1, 12]);
    // TXT values a file cannot carry bare (empty, blank-padded, themselves quoted) are exported quoted.
    expect(exported.state.records.filter((r) => ['blank', 'pad', 'q'].includes(r.name)).map((r) => r.content)).toEqual(['""', '" padded "', '"\\"quoted\\""']);
    expect(plan(stored, exported.state as unknown as Record<string, unknown>, { prune: true })).toEqual([{ action: 'delete', id: '10', skip: 'read-only' }]);
  });

  test("a zone's changes to one name stay in one batch (its chunks run in parallel; a CNAME replacing an A needs the A's delete in its batch)", () => {
    type Item = { action: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; skip?: string };
    const a = (n: string): Record<string, unknown> => ({ ...rec(`a-${n}`, 'A', `${n}.example.com`, '192.0.2.1') });
    const cname = (n: string): Record<string, unknown> => ({ type: 'CNAME', name: `${n}.example.com`, content: 'target.example.net', ttl: 300, proxied: false });
    const items: Item[] = [
      { action: 'delete', before: a('x'), after: null },
      { action: 'delete', before: a('y'), after: null },
      { action: 'update', before: a('z'), after: { ...a('z'), content: '192.0.2.9' } },
      { action: 'create', before: null, after: cname('x') },
      { action: 'create', before: null, after: cname('y') },
      { action: 'delete', before: a('w'), after: null, skip: NOT_IN_FILE },
    ];
    const names = (slices: Item[][]) => slices.map((s) => s.map((i) => `${i.action} ${String((i.after ?? i.before)!.name).split('.')[0]}`));
    expect(names(chunkSlices(items, 4, true))).toEqual([['delete x', 'delete y', 'create x', 'create y'], ['update z', 'delete w']]);
    // Other kinds keep the fixed cut (which split y's delete from its create).
    expect(names(chunkSlices(items, 4, false))).toEqual([['delete x', 'delete y', 'update z', 'create x'], ['create y', 'delete w']]);
    // A name with more changes than one batch holds is still cut, never dropped.
    const many: Item[] = Array.from({ length: 5 }, (_, i) => ({ action: 'create', before: null, after: { ...cname('m'), type: 'TXT', content: `v${i}` } }));
    expect(chunkSlices(many, 2, true).map((s) => s.length)).toEqual([2, 2, 1]);
  });
});
