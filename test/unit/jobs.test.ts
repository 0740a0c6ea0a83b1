/** Pure parts of the jobs engine: planner diffs, CSV/BIND parsing, matching, limiter shape and headers. */
import { budgetShape, isEndpointLimit, parsePolicy, parseRatelimit } from '../../functions/cloudflare/limiter';
import { purgeLimitOf, purgeShape } from '../../functions/cloudflare/purge-limiter';
import { parseBindTemplate, parseCsv } from '../../functions/jobs/parse';
import { inverseItem, planPages, planZone, summarize, wantedRecords } from '../../functions/jobs/planner';
import { PAGE_BYTES, PAGE_SIZE, type PlanItem } from '../../functions/jobs/model';
import { recordMatches } from '../../functions/cloudflare/record-match';
import { expandName, fingerprintRecords, type LiveRecord } from '../../functions/cloudflare/records';
import { backoffMs } from '../../functions/jobs/backoff';
import { DEFAULT_JOBS_CONFIG } from '../../functions/jobs/deps';
import { checkJobMessage, checkZoneMessage, chunkMessage, parseJobMessage, planJobMessage, planZoneMessage } from '../../functions/jobs/messages';
import { userTenant } from '../../functions/tenancy/tenant';
import { CreateJobBody } from '../../functions/contracts/jobs';

const zone = { id: 'z'.repeat(32), name: 'example.com', plan: 'free', batchLimit: 200, recordQuota: 200, tagsAllowed: false };
const rec = (id: string, type: string, name: string, content: string, extra: Partial<LiveRecord> = {}): LiveRecord => ({ id, type, name, content, ttl: 300, proxied: false, ...extra });
const records = [
  rec('1', 'A', 'example.com', '192.0.2.1', { proxied: true, ttl: 1 }),
  rec('2', 'A', 'www.example.com', '192.0.2.2'),
  rec('3', 'TXT', 'example.com', 'v=spf1 include:old.example ~all'),
  rec('4', 'CNAME', 'blog.example.com', 'host.old.example'),
  rec('5', 'MX', 'example.com', 'mail.example.com', { priority: 10 }),
];

describe('planner', () => {
  test('dns-replace: contains-substring replacement, skip no-ops and non-proxiable types, share counts updates only', () => {
    const p = planZone({ kind: 'dns-replace', params: { match: { content: { value: 'old.example', mode: 'contains' } }, set: { content: 'new.example' } } }, zone, { records }, []);
    expect(p.items.map((i) => [i.recordId, (i.after as { content: string }).content, i.skip ?? null])).toEqual([
      ['3', '"v=spf1 include:new.example ~all"', null], // TXT written quoted, as Cloudflare stores it
      ['4', 'host.new.example', null],
    ]);
    const s = summarize(p, 0.3);
    expect(s).toMatchObject({ updates: 2, creates: 0, recordsInZone: 5, share: 0.4, overThreshold: true });
    const proxy = planZone({ kind: 'dns-replace', params: { match: { types: ['A', 'TXT'] }, set: { proxied: true } } }, zone, { records }, []);
    expect(proxy.items.map((i) => [i.recordId, i.skip ?? null])).toEqual([
      ['1', 'already in the target state'],
      ['2', null],
      ['3', 'TXT records cannot be proxied'],
    ]);
    expect((proxy.items[1]!.after as { ttl: number }).ttl).toBe(1); // proxied → TTL auto
  });

  test('dns-create: relative names, {zone}, duplicates and CNAME conflicts become planned skips', () => {
    const wanted = wantedRecords({
      kind: 'dns-create',
      params: {
        csv: 'type,name,content,ttl,proxied\nA,api,192.0.2.9,300,false\nA,www,192.0.2.2,300,false\nCNAME,www,{zone},1,true\nTXT,@,"hello, world",auto,\nA,api,192.0.2.9,300,false',
      },
    });
    const p = planZone({ kind: 'dns-create', params: {} }, zone, { records }, wanted);
    expect(p.items.map((i) => [(i.after as { name: string }).name, i.skip ?? null])).toEqual([
      ['api.example.com', null],
      ['www.example.com', 'already exists'],
      ['www.example.com', 'a CNAME cannot share its name with A, AAAA or CNAME records'],
      ['example.com', null],
      ['api.example.com', 'already exists'],
    ]);
    expect(summarize(p, 0.3).overThreshold).toBe(false); // creates never need force
  });

  test('dns-delete by pattern; inverse items for revert', () => {
    const p = planZone({ kind: 'dns-delete', params: { match: { name: { value: '*.example.com', mode: 'pattern' }, types: ['A', 'CNAME'] } } }, zone, { records }, []);
    expect(p.items.map((i) => i.recordId)).toEqual(['2', '4']);
    const inv = inverseItem({ ...p.items[0]!, seq: 0 }, undefined)!;
    expect(inv).toMatchObject({ action: 'create', after: p.items[0]!.before });
    const created = inverseItem({ seq: 1, zoneId: zone.id, action: 'create', recordId: null, before: null, after: { type: 'A' } }, 'newid');
    expect(created).toMatchObject({ action: 'delete', recordId: 'newid' });
    expect(inverseItem({ seq: 2, zoneId: zone.id, action: 'purge', recordId: null, before: null, after: {} }, undefined)).toBeUndefined();
  });

  test('zone-settings: one item per setting, equal values skipped; fingerprint changes with any record', () => {
    const p = planZone({ kind: 'zone-settings', params: { settings: { ssl: 'strict', always_use_https: 'on' } } }, zone, { settings: { ssl: 'flexible', always_use_https: 'on' } }, []);
    expect(p.items.map((i) => [i.recordId, i.skip ?? null])).toEqual([
      ['ssl', null],
      ['always_use_https', 'already set'],
    ]);
    const changed = records.map((r) => (r.id === '2' ? { ...r, ttl: 600 } : r));
    expect(fingerprintRecords(records)).not.toBe(fingerprintRecords(changed));
    expect(fingerprintRecords(records)).toBe(fingerprintRecords([...records].reverse()));
  });
});

describe('plan pages', () => {
  test('split by count and by bytes, in order, every item kept', () => {
    const item = (seq: number, size: number): PlanItem => ({ seq, zoneId: zone.id, action: 'create', recordId: null, before: null, after: { content: 'x'.repeat(size) } });
    const small = Array.from({ length: 600 }, (_, i) => item(i, 10));
    expect(planPages(small).map((p) => p.length)).toEqual([PAGE_SIZE, PAGE_SIZE, 100]);
    const big = Array.from({ length: 120 }, (_, i) => item(i, 8000));
    const pages = planPages(big);
    expect(pages.flat().map((i) => i.seq)).toEqual(big.map((i) => i.seq));
    for (const p of pages) expect(p.reduce((n, i) => n + Buffer.byteLength(JSON.stringify(i)), 0)).toBeLessThanOrEqual(PAGE_BYTES);
    expect(pages.length).toBeGreaterThan(1);
  });
});

describe('parsing and matching', () => {
  test('BIND template: $ORIGIN, $TTL, relative/absolute names, MX/CNAME targets, SOA and apex NS skipped', () => {
    const { records: out, skipped } = parseBindTemplate(`$ORIGIN template.example.
$TTL 3600
@ IN SOA ns1.template.example. admin.template.example. ( 1 7200 3600 1209600 3600 )
@ IN NS ns1.template.example.
@ 300 IN A 192.0.2.10
www IN CNAME @
mail IN A 192.0.2.25
@ IN MX 10 mail
txt IN TXT "a;b" "c"   ; comment
far IN CNAME other.net.
`);
    expect(skipped).toBe(2);
    expect(out).toEqual([
      { type: 'A', name: '@', content: '192.0.2.10', ttl: 300, proxied: false },
      { type: 'CNAME', name: 'www', content: '{zone}', ttl: 3600, proxied: false },
      { type: 'A', name: 'mail', content: '192.0.2.25', ttl: 3600, proxied: false },
      { type: 'MX', name: '@', content: 'mail.{zone}', ttl: 3600, proxied: false, priority: 10 },
      { type: 'TXT', name: 'txt', content: 'a;bc', ttl: 3600, proxied: false, comment: 'comment' }, // kept, as Cloudflare's import does
      { type: 'CNAME', name: 'far', content: 'other.net', ttl: 3600, proxied: false },
    ]);
  });

  test('CSV errors name the line', () => {
    expect(() => parseCsv('type,name\nA,www')).toThrow(/content/);
    expect(() => parseCsv('type,name,content,ttl\nA,www,192.0.2.1,5')).toThrow(/line 2/);
    expect(() => parseCsv('type,name,content\nXYZ,www,1')).toThrow(/line 2/);
  });

  test('names expand like Cloudflare; matching modes', () => {
    expect(expandName('WWW', 'example.com')).toBe('www.example.com');
    expect(expandName('@', 'example.com')).toBe('example.com');
    expect(expandName('a.example.com.', 'example.com')).toBe('a.example.com');
    const r = records[1]!;
    expect(recordMatches({ name: { value: 'www', mode: 'exact' } }, r, 'example.com')).toBe(true);
    expect(recordMatches({ name: { value: 'w?w', mode: 'pattern' } }, r, 'example.com')).toBe(true);
    expect(recordMatches({ name: { value: 'WW', mode: 'contains' }, types: ['A'] }, r, 'example.com')).toBe(true);
    expect(recordMatches({ content: { value: '192.0.2.2', mode: 'exact' }, types: ['AAAA'] }, r, 'example.com')).toBe(false);
  });
});

describe('glob patterns (ReDoS)', () => {
  test('a pathological pattern over long names plans in linear time', () => {
    // As a backtracking regex (`^.*..*..*. … !$`) this took seconds and grew ~3× per extra `*?`.
    const long = Array.from({ length: 5 }, (_, i) => rec(`r${i}`, 'TXT', `${'a'.repeat(40 + i)}.example.com`, 'a'.repeat(4000)));
    const started = performance.now();
    const p = planZone({ kind: 'dns-delete', params: { match: { name: { value: '*?*?*?*?*?*?*!', mode: 'pattern' }, content: { value: '*?*?*?*?*?*?*!', mode: 'pattern' } } } }, zone, { records: long }, []);
    expect(performance.now() - started).toBeLessThan(50);
    expect(p.items).toEqual([]);
  });

  test('globs keep their meaning: `*` any run, `?` one character, case-insensitive, anchored', () => {
    const r = rec('1', 'TXT', 'api-eu.example.com', 'v=DKIM1; k=rsa');
    const m = (name: string) => recordMatches({ name: { value: name, mode: 'pattern' } }, r, 'example.com');
    expect([m('api-*'), m('API-??'), m('*-eu'), m('a*u.example.com'), m('*'), m('api-?'), m('pi-*'), m('api-eu.example.co')]).toEqual([
      true, true, true, true, true, false, false, false,
    ]);
    expect(recordMatches({ content: { value: 'v=dkim1;*', mode: 'pattern' } }, r, 'example.com')).toBe(true);
    expect(recordMatches({ content: { value: '*rsa?', mode: 'pattern' } }, r, 'example.com')).toBe(false);
  });

  test('contains-replacement is literal on both sides (`*`, `+` match themselves, `$` is not special)', () => {
    const r = rec('9', 'TXT', 'example.com', 'price=(1+1)*2 PRICE=(1+1)*2');
    const p = planZone({ kind: 'dns-replace', params: { match: { content: { value: '(1+1)*2', mode: 'contains' } }, set: { content: '$&$1$$' } } }, zone, { records: [r] }, []);
    expect((p.items[0]!.after as { content: string }).content).toBe('"price=$&$1$$ PRICE=$&$1$$"');
  });

  test('the contract bounds the wildcards of a pattern (400 with the field)', () => {
    const body = (value: string) => ({ kind: 'dns-delete', accountId: 'A'.repeat(22), zones: ['a'.repeat(32)], params: { match: { name: { value, mode: 'pattern' } } } });
    expect(CreateJobBody.safeParse(body('*?'.repeat(8))).success).toBe(true);
    const bad = CreateJobBody.safeParse(body('*?'.repeat(8) + '*'));
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.'))).toEqual(['params.match.name.value']);
    // exact and contains treat `*` and `?` as plain characters.
    expect(CreateJobBody.safeParse({ ...body('x'), params: { match: { name: { value: '*'.repeat(40), mode: 'exact' } } } }).success).toBe(true);
  });
});

describe('limiter shape and headers', () => {
  test.each([
    [1200, 300_000],
    [60, 3_000],
    [60, 6_000],
    [10, 1_000],
  ])('L=%i per %i ms: what is spent per window + reserve + safety never exceeds L, and is ≥ 90%% of it', (limit, windowMs) => {
    const { spendable, reserve, safety, othersBelow } = budgetShape(limit, windowMs);
    expect(spendable + reserve + safety).toBeLessThanOrEqual(limit);
    expect(reserve).toBeGreaterThanOrEqual(Math.floor(0.03 * limit));
    // Our own traffic leaves reserve + safety: only someone else's brings `r` below othersBelow.
    expect(othersBelow).toBeGreaterThanOrEqual(safety);
    expect(othersBelow).toBeLessThanOrEqual(reserve + safety);
    if (limit >= 60) expect(spendable).toBeGreaterThanOrEqual(0.9 * limit);
  });

  test('purge buckets per plan as documented; an unknown plan paces as Free; a 429 with budget left is the endpoint\'s own', () => {
    expect(purgeShape(purgeLimitOf('free')).burst).toBe(23);
    expect(purgeShape(purgeLimitOf('free')).interval).toBeCloseTo(12_000);
    expect(purgeShape(purgeLimitOf('pro'))).toEqual({ burst: 23, interval: 200 });
    expect(purgeShape(purgeLimitOf('business'))).toEqual({ burst: 48, interval: 100 });
    expect(purgeShape(purgeLimitOf('enterprise'))).toEqual({ burst: 492, interval: 20 });
    expect(purgeLimitOf('partners_free')).toBe(purgeLimitOf('free'));
    expect(purgeShape(purgeLimitOf('free'), 100).interval).toBeCloseTo(120);
    expect(isEndpointLimit({ status: 429, ratelimit: '"default";r=1150;t=12' })).toBe(true);
    expect(isEndpointLimit({ status: 429, ratelimit: '"default";r=0;t=300' })).toBe(false);
    expect(isEndpointLimit({ status: 429 })).toBe(false);
  });

  test('parses Cloudflare Ratelimit and Ratelimit-Policy headers', () => {
    expect(parseRatelimit('"default";r=17;t=42')).toEqual({ remaining: 17, resetSeconds: 42 });
    expect(parsePolicy('"default";q=1200;w=300')).toEqual({ limit: 1200, windowSeconds: 300 });
    expect(parseRatelimit(null)).toEqual({});
  });

  test('backoff is bounded, jittered, and honours a Retry-After inside the cap', () => {
    const cfg = { ...DEFAULT_JOBS_CONFIG, backoffBaseMs: 100, backoffCapMs: 2000 };
    for (let a = 0; a < 20; a++) expect(backoffMs(cfg, a)).toBeLessThanOrEqual(2000);
    expect(backoffMs(cfg, 0, 1)).toBeGreaterThanOrEqual(1000);
    expect(backoffMs(cfg, 0, 3600)).toBe(2000);
  });
});

describe('queue messages', () => {
  test('carry the tenant key; a message of the earlier userId shape reads as that user tenant', () => {
    const m = chunkMessage(userTenant('u123'), 'j1', 7);
    expect(m).toEqual({ kind: 'apply-chunk', tenant: 'user#u123', jobId: 'j1', chunk: 7 });
    expect(parseJobMessage(JSON.stringify(m))).toEqual(m);
    expect(parseJobMessage(JSON.stringify({ kind: 'apply-chunk', userId: 'u123', jobId: 'j1', chunk: 7 }))).toEqual(m);
    expect(() => parseJobMessage(JSON.stringify({ kind: 'apply-chunk', jobId: 'j1', chunk: 7 }))).toThrow();
  });

  test('planning and drift-check messages parse by kind; a zone index or round out of range is refused', () => {
    const t = userTenant('u1');
    for (const m of [planJobMessage(t, 'j1'), planZoneMessage(t, 'j1', 999), checkJobMessage(t, 'j1', 2), checkZoneMessage(t, 'j1', 0, 2)]) {
      expect(parseJobMessage(JSON.stringify(m))).toEqual(m);
    }
    expect(() => parseJobMessage(JSON.stringify({ ...planZoneMessage(t, 'j1', 0), zone: 1000 }))).toThrow();
    expect(() => parseJobMessage(JSON.stringify({ ...checkZoneMessage(t, 'j1', 0, 1), round: 0 }))).toThrow();
    expect(() => parseJobMessage(JSON.stringify({ kind: 'plan-zone', tenant: 'user#u1', jobId: 'j1' }))).toThrow();
    // The earlier userId shape exists for apply-chunk only.
    expect(() => parseJobMessage(JSON.stringify({ kind: 'plan-job', userId: 'u1', jobId: 'j1' }))).toThrow();
  });
});
