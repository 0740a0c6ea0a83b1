/**
 * Record attributes in zone files, on the examples of Cloudflare's "Import and export records" page:
 * the engine's reader (functions/jobs/bind-attributes.ts) and the sandbox's import/export agree.
 */
import { bindAttributes } from '../../functions/jobs/bind-attributes';
import { emitBind, parseBind } from '../../lib/local/cloudflare/bind';
import { planObject } from '../../lib/local/cloudflare/state';
import type { DnsRecord, Zone } from '../../lib/local/cloudflare/types';

const DOC_EXAMPLES: Array<[string, ReturnType<typeof bindAttributes>]> = [
  ['   cf_tags=awesome', { tags: ['awesome:'] }],
  ['   cf_tags=tag1,tag2:value2,tag3:"value,with,commas",tag4:"value with \\"escaped\\" quotation marks"', { tags: ['tag1:', 'tag2:value2', 'tag3:value,with,commas', 'tag4:value with "escaped" quotation marks'] }],
  [' just a comment without tags', { comment: 'just a comment without tags' }],
  [' this comment contains cf_tags= as text cf_tags=', { comment: 'this comment contains cf_tags= as text' }],
  [' simple example cf_tags=important,ticket:THIS-12345', { comment: 'simple example', tags: ['important:', 'ticket:THIS-12345'] }],
  [' cf_tags=test:1,cf-flatten-cname', { tags: ['test:1'], settings: { flatten_cname: true } }],
  [' cf_tags=cf-proxied:false', { proxied: false }],
  [' cf_tags=tag-without-value,cf-proxied:true', { tags: ['tag-without-value:'], proxied: true }],
  ['', {}],
];

describe('zone-file record attributes (cf_tags)', () => {
  test.each(DOC_EXAMPLES)('engine reads %j', (comment, expected) => {
    expect(bindAttributes(comment)).toEqual(expected);
  });

  test.each(DOC_EXAMPLES)('sandbox import reads %j the same way', (comment, expected) => {
    const [rec] = parseBind(`a.example.com. 60 IN A 192.0.2.1 ;${comment}\n`, 'example.com').records;
    const { comment: c, tags, proxied, settings } = rec!;
    expect(JSON.parse(JSON.stringify({ comment: c, tags, proxied, settings }))).toEqual(expected);
  });

  test('sandbox export writes comment and tags back so that an import reads the same record', () => {
    const zone = { name: 'example.com', name_servers: ['ada.ns.cloudflare.com'], plan: planObject('pro') } as unknown as Zone;
    const rec: DnsRecord = {
      id: '0'.repeat(32), name: 'w.example.com', type: 'CNAME', content: 'target.example.net', proxiable: true, proxied: false, ttl: 300,
      settings: { flatten_cname: true }, meta: {}, comment: 'says cf_tags= inside', tags: ['team:web', 'note:a, b'], created_on: '', modified_on: '',
    };
    const text = emitBind(zone, [rec], '2026-01-01T00:00:00.000Z');
    expect(text).toContain('w.example.com.\t300\tIN\tCNAME\ttarget.example.net. ; says cf_tags= inside cf_tags=team:web,note:"a, b",cf-flatten-cname,cf-proxied:false');
    const back = parseBind(text, 'example.com').records.find((r) => r.type === 'CNAME')!;
    expect(back).toMatchObject({ comment: 'says cf_tags= inside', tags: ['team:web', 'note:a, b'], proxied: false, settings: { flatten_cname: true } });
  });
});
