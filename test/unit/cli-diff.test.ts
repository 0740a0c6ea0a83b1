/**
 * The CLI's plan diff (clients/cli/diff.ts): per zone in plan order, `+` create, `~` update with the
 * changed fields old → new, `-` delete, skipped items dimmed with their reason, results marked once
 * applied, a summary; colour only through the Paint handed in (none when plain, ANSI on a TTY).
 */
import { changedFields, countItems, describeCounts, planWarnings, relativeName, renderDiff, type Paint } from '../../clients/cli/diff';
import type { ZonePlan } from '../../clients/cli/api';
import type { JobItem } from '../../clients/cli/api';
import { painterFor } from '../../clients/cli/terminal';

const ZA = 'a'.repeat(32);
const ZB = 'b'.repeat(32);
let seq = 0;
const item = (zoneName: string, action: JobItem['action'], before: Record<string, unknown> | null, after: Record<string, unknown> | null, more: Partial<JobItem> = {}): JobItem => ({
  seq: seq++,
  chunk: 0,
  zoneId: zoneName === 'example.com' ? ZA : ZB,
  zoneName,
  action,
  recordId: action === 'create' ? null : 'f'.repeat(32),
  before,
  after,
  status: 'planned',
  error: null,
  ...more,
});

const rec = (name: string, type: string, content: string, extra: Record<string, unknown> = {}) => ({ name, type, content, ttl: 1, proxied: false, ...extra });

const items: JobItem[] = [
  item('example.com', 'create', null, rec('www.example.com', 'A', '192.0.2.10', { ttl: 300 })),
  item('example.com', 'update', rec('api.example.com', 'CNAME', 'old.example.net'), rec('api.example.com', 'CNAME', 'new.example.net', { ttl: 300, proxied: true })),
  item('example.com', 'delete', rec('old.example.com', 'TXT', '"bye"'), null),
  item('example.com', 'delete', rec('legacy.example.com', 'TXT', '"keep"'), null, { status: 'skipped', error: 'not in the file' }),
  item('example.org', 'create', null, rec('example.org', 'MX', 'mail.example.org', { priority: 10, comment: 'primary', tags: ['team:mail'] })),
];

describe('renderDiff', () => {
  it('groups by zone in plan order with + ~ - and the changed fields old → new', () => {
    expect(renderDiff(items)).toEqual([
      'example.com  (1 to create, 1 to update, 1 to delete, 1 skipped)',
      '  + www    A     192.0.2.10 (ttl 300)',
      '  ~ api    CNAME content: old.example.net → new.example.net, ttl: 1 → 300, proxied: false → true',
      '  - old    TXT   bye (ttl auto)',
      '  · legacy TXT   keep (ttl auto) — skipped: not in the file',
      'example.org  (1 to create)',
      '  + @ MX    mail.example.org (priority 10, ttl auto, comment "primary", tags team:mail)',
      'Plan: 2 to create, 1 to update, 1 to delete, 1 skipped in 2 zones.',
    ]);
  });

  it('marks results once applied: ✓ done, ✗ failed with the reason', () => {
    const applied = [
      item('example.com', 'create', null, rec('a.example.com', 'A', '192.0.2.1'), { status: 'done' }),
      item('example.com', 'create', null, rec('b.example.com', 'A', '192.0.2.2'), { status: 'failed', error: '81057: record already exists' }),
    ];
    const lines = renderDiff(applied);
    expect(lines[1]).toBe('  + a A     192.0.2.1 (ttl auto) ✓');
    expect(lines[2]).toBe('  + b A     192.0.2.2 (ttl auto) ✗ 81057: record already exists');
  });

  it('says "no changes" for an empty plan', () => {
    expect(renderDiff([])).toEqual(['Plan: no changes.']);
  });

  it('paints through the Paint it gets: + green, ~ yellow, - red, skipped dim, zone bold', () => {
    const tagged: Paint = (style, text) => `<${style}>${text}</${style}>`;
    const lines = renderDiff(items, tagged);
    expect(lines[0]).toBe('<bold>example.com</bold>  <dim>(1 to create, 1 to update, 1 to delete, 1 skipped)</dim>');
    expect(lines[1]).toMatch(/^ {2}<green>\+<\/green> www/);
    expect(lines[2]).toContain('<yellow>~</yellow> api');
    expect(lines[2]).toContain('content: <red>old.example.net</red> → <green>new.example.net</green>');
    expect(lines[3]).toMatch(/^ {2}<red>-<\/red> old/);
    expect(lines[4]).toBe('<dim>  · legacy TXT   keep (ttl auto) — skipped: not in the file</dim>');
  });
});

describe('colour only on a TTY without NO_COLOR', () => {
  it('is plain when the stream is not a TTY, or NO_COLOR is set and not empty', () => {
    expect(painterFor({ isTTY: false }, {})('green', 'x')).toBe('x');
    expect(painterFor({ isTTY: true }, { NO_COLOR: '1' })('green', 'x')).toBe('x');
  });

  it('is ANSI on a TTY (and when NO_COLOR is empty)', () => {
    expect(painterFor({ isTTY: true }, {})('green', 'x')).toBe('\u001b[32mx\u001b[39m');
    expect(painterFor({ isTTY: true }, { NO_COLOR: '' })('red', 'x')).toBe('\u001b[31mx\u001b[39m');
  });
});

describe('pieces', () => {
  it('names records relative to the zone, @ for the apex', () => {
    expect(relativeName('example.com', 'example.com')).toBe('@');
    expect(relativeName('_sip._tcp.example.com', 'example.com')).toBe('_sip._tcp');
    expect(relativeName('other.net', 'example.com')).toBe('other.net');
    expect(relativeName('notexample.com', 'example.com')).toBe('notexample.com');
  });

  it('lists changed fields only, tags and settings included, name/type/data left out', () => {
    const before = { name: 'x', type: 'SRV', content: '10 5 5060 a.example.com', data: { port: 5060 }, ttl: 300, proxied: false, tags: ['a:1'] };
    const after = { ...before, data: { port: 5061 }, tags: ['a:2'], settings: { flatten_cname: true } };
    expect(changedFields(before, after)).toEqual(['tags: ["a:1"] → ["a:2"]', 'settings: (none) → {"flatten_cname":true}']);
  });

  it('shows TXT content as the file writes it: a value stored unquoted and its quoted rewrite read alike', () => {
    const unquoted = item('example.com', 'update', rec('t.example.com', 'TXT', 'v=spf1 -all'), rec('t.example.com', 'TXT', '"v=spf1 " "include:_spf.example.net -all"'));
    const requoted = item('example.com', 'update', rec('q.example.com', 'TXT', 'same'), rec('q.example.com', 'TXT', '"same"', { ttl: 300 }));
    const escaped = item('example.com', 'create', null, rec('e.example.com', 'TXT', '"say \\"hi\\" \\059"'));
    expect(renderDiff([unquoted, requoted, escaped]).slice(1, 4)).toEqual([
      '  ~ t TXT   content: v=spf1 -all → v=spf1 include:_spf.example.net -all',
      '  ~ q TXT   ttl: 1 → 300',
      '  + e TXT   say "hi" ; (ttl auto)',
    ]);
  });

  it('counts changes apart from skipped items, and results', () => {
    const c = countItems([...items, item('example.com', 'setting', { value: 'off' }, { value: 'on' }, { status: 'failed', error: 'x' })]);
    expect(c).toEqual({ create: 2, update: 1, delete: 1, other: 1, skipped: 1, failed: 1, done: 0 });
    expect(describeCounts(c)).toBe('2 to create, 1 to update, 1 to delete, 1 other change, 1 skipped');
  });
});

describe('planWarnings', () => {
  const zp = (zoneName: string, more: Partial<ZonePlan>): ZonePlan => ({
    zoneId: ZA, zoneName, creates: 0, updates: 0, deletes: 0, other: 0, recordsInZone: 100, share: 0, overThreshold: false,
    recordQuota: 200, recordsAfter: 100, overQuota: false, tagsRefused: 0, ...more,
  });
  const plan = (zones: ZonePlan[], zonesRefused = 0) => ({ zones, zonesTotal: zones.length, zonesRefused, totalChanges: 1, chunks: 1, chunkNumbers: [0] });

  it('says nothing for a plan apply takes as it is', () => {
    expect(planWarnings({ needsForce: false, safetyThreshold: 0.3, plan: plan([zp('a.com', { share: 0.1 })]) })).toEqual([]);
  });

  it('names the zones over the safety threshold (apply needs --force) and past their plan limits (refused)', () => {
    const zones = [zp('a.com', { share: 0.864, overThreshold: true }), zp('b.com', { share: 0.1 }), zp('c.com', { overQuota: true, recordsAfter: 230 }), zp('d.com', { tagsRefused: 3 })];
    expect(planWarnings({ needsForce: true, safetyThreshold: 0.3, plan: plan(zones, 2) })).toEqual([
      "! Over the safety threshold (30% of a zone's records updated or deleted): a.com 86.4%; apply needs --force.",
      "! 2 zone(s) past their Cloudflare plan's limits: c.com (230 records after, quota 200), d.com (3 change(s) set tags, which its plan has not); apply will be refused.",
    ]);
  });
});
