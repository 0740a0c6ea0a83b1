/**
 * Quoted TXT (issue 13 item 4): the engine's codec (functions/cloudflare/txt.ts) against the
 * sandbox's own reading of Cloudflare's rules (lib/local/cloudflare/txt.ts), and matching across spellings.
 */
import { recordMatches } from '../../functions/cloudflare/record-match';
import { identity, type RecordLite } from '../../functions/cloudflare/records';
import { isQuotedTxt, txtContent, txtValue } from '../../functions/cloudflare/txt';
import { storedTxt, txtData } from '../../lib/local/cloudflare/txt';

const SPF = 'v=spf1 include:_spf.example.net ~all';
const VALUES = [SPF, 'say "hi" \\ back', 'k'.repeat(300), 'é'.repeat(200), `v=DKIM1; p=${'A'.repeat(600)}`, ''];

describe('TXT content as Cloudflare stores it', () => {
  test.each(VALUES.map((v) => [v.slice(0, 40), v]))('%s: written quoted in strings of ≤ 255 bytes that Cloudflare keeps as they are, same value', (_l, value) => {
    const written = txtContent(value);
    expect(isQuotedTxt(written)).toBe(true);
    for (const m of written.matchAll(/"((?:[^"\\]|\\.)*)"/g)) expect(Buffer.byteLength(m[1]!.replace(/\\(.)/g, '$1'))).toBeLessThanOrEqual(255);
    expect(storedTxt(written)).toBe(written); // nothing left for Cloudflare to split
    expect(txtValue(written)).toBe(value);
    expect(txtData(written)).toBe(value);
    expect(txtContent(written)).toBe(written); // idempotent
  });

  test('a quoted string over 255 bytes is split by Cloudflare the way the engine writes it', () => {
    const value = 'x'.repeat(600);
    expect(storedTxt(`"${value}"`)).toBe(txtContent(value));
    expect(txtContent(`"${value}"`)).toBe(txtContent(value));
  });

  test('an exact or contains filter finds a record whichever side carries the quotes; identity ignores the spelling', () => {
    const rec = (content: string): RecordLite => ({ type: 'TXT', name: 'example.com', content, ttl: 1, proxied: false });
    for (const content of [SPF, `"${SPF}"`, `"v=spf1 include:" "_spf.example.net ~all"`]) {
      for (const value of [SPF, `"${SPF}"`]) expect([content, value, recordMatches({ content: { value, mode: 'exact' } }, rec(content), 'example.com')]).toEqual([content, value, true]);
      expect(recordMatches({ content: { value: ':_spf.example', mode: 'contains' } }, rec(content), 'example.com')).toBe(true);
      expect(identity(rec(content))).toBe(identity(rec(SPF)));
    }
    expect(recordMatches({ content: { value: 'v=spf1 -all', mode: 'exact' } }, rec(`"${SPF}"`), 'example.com')).toBe(false);
  });
});
