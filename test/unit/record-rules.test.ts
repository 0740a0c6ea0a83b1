/**
 * CNAME and NS-delegation rules (issue 13 item 12): the planner's ZoneLayout and the sandbox's
 * checkConflicts decide every case of one table alike (docs/cloudflare-sandbox.md, "CNAME and NS rules").
 */
import type { RecordLite } from '../../functions/cloudflare/records';
import { ZoneLayout } from '../../functions/cloudflare/record-rules';
import { CfError } from '../../lib/local/cloudflare/envelope';
import { checkConflicts } from '../../lib/local/cloudflare/conflicts';
import type { DnsRecord, RecordType } from '../../lib/local/cloudflare/types';

const APEX = 'example.com';
type Rec = Pick<RecordLite, 'type' | 'name' | 'content'> & { proxied?: boolean; settings?: Record<string, unknown> };

const lite = (r: Rec): RecordLite => ({ ttl: 300, proxied: false, ...r });
let n = 0;
const stored = (r: Rec): DnsRecord => ({
  id: (++n).toString(16).padStart(32, '0'), name: r.name, type: r.type as RecordType, content: r.content, proxiable: true, proxied: r.proxied ?? false, ttl: 300,
  settings: r.settings ?? {}, meta: {}, comment: null, tags: [], created_on: '', modified_on: '', ...(r.type === 'MX' ? { priority: 10 } : {}),
});

const cname = (name: string, extra: Partial<Rec> = {}): Rec => ({ type: 'CNAME', name, content: 'target.example.net', ...extra });
const CASES: Array<[string, Rec[], Rec, number | null]> = [
  ['MX beside a proxied CNAME', [cname('a.example.com', { proxied: true })], { type: 'MX', name: 'a.example.com', content: 'mx.example.net' }, null],
  ['MX beside a CNAME at the apex (always flattened)', [cname(APEX)], { type: 'MX', name: APEX, content: 'mx.example.net' }, null],
  ['MX beside a CNAME with flatten_cname', [cname('a.example.com', { settings: { flatten_cname: true } })], { type: 'MX', name: 'a.example.com', content: 'mx.example.net' }, null],
  ['MX beside a plain DNS-only CNAME', [cname('a.example.com')], { type: 'MX', name: 'a.example.com', content: 'mx.example.net' }, 81054],
  ['TXT beside a plain DNS-only CNAME', [cname('a.example.com')], { type: 'TXT', name: 'a.example.com', content: 'hello' }, null],
  ['A beside a proxied CNAME', [cname('a.example.com', { proxied: true })], { type: 'A', name: 'a.example.com', content: '192.0.2.1' }, 81054],
  ['CNAME beside an A', [{ type: 'A', name: 'a.example.com', content: '192.0.2.1' }], cname('a.example.com'), 81053],
  ['plain CNAME beside an MX', [{ type: 'MX', name: 'a.example.com', content: 'mx.example.net' }], cname('a.example.com'), 81053],
  ['proxied CNAME beside an MX', [{ type: 'MX', name: 'a.example.com', content: 'mx.example.net' }], cname('a.example.com', { proxied: true }), null],
  ['A at a delegated name', [{ type: 'NS', name: 'd.example.com', content: 'ns.other.net' }], { type: 'A', name: 'd.example.com', content: '192.0.2.1' }, 81056],
  ['TXT beneath a delegation', [{ type: 'NS', name: 'd.example.com', content: 'ns.other.net' }], { type: 'TXT', name: 'x.y.d.example.com', content: 'hi' }, 89018],
  ['glue beneath a delegation', [{ type: 'NS', name: 'd.example.com', content: 'ns1.d.example.com' }], { type: 'A', name: 'ns1.d.example.com', content: '192.0.2.53' }, null],
  ['A beside the apex NS (delegates nothing)', [{ type: 'NS', name: APEX, content: 'ada.ns.cloudflare.com' }], { type: 'A', name: APEX, content: '192.0.2.1' }, null],
  ['CNAME at the apex beside its NS (flattened)', [{ type: 'NS', name: APEX, content: 'ada.ns.cloudflare.com' }], cname(APEX), null],
  ['the apex NS beside an apex CNAME', [cname(APEX)], { type: 'NS', name: APEX, content: 'ada.ns.cloudflare.com' }, null],
  ['NS beside a proxied CNAME below the apex', [cname('a.example.com', { proxied: true })], { type: 'NS', name: 'a.example.com', content: 'ns.other.net' }, 81054],
  ['NS where an A is', [{ type: 'A', name: 'd.example.com', content: '192.0.2.1' }], { type: 'NS', name: 'd.example.com', content: 'ns.other.net' }, 81053],
];

describe('CNAME and NS rules: planner and sandbox agree', () => {
  test.each(CASES)('%s', (_what, zone, rec, code) => {
    const planner = new ZoneLayout(APEX, zone.map(lite)).problem(lite(rec));
    let sandbox: number | null = null;
    try {
      checkConflicts(stored(rec), zone.map(stored), APEX);
    } catch (e) {
      if (!(e instanceof CfError)) throw e;
      sandbox = e.errors[0]!.code;
    }
    expect([sandbox, planner === undefined]).toEqual([code, code === null]);
  });
});
