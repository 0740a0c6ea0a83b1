/**
 * Matching DNS records against a filter (name / type / content, each exact,
 * contains or glob), as the bulk planner selects them. Names are compared
 * expanded against the zone (records.ts), so `www` matches `www.example.com`. TXT content is
 * matched by its value (quotes and 255-byte splits aside, txt.ts) or as stored, so `v=spf1 -all`
 * finds the dashboard's `"v=spf1 -all"`.
 */
import { comparableContent, expandName, type RecordLite } from './records';
import { isQuotedTxt, txtValue } from './txt';

export interface TextMatch {
  value: string;
  mode: 'exact' | 'contains' | 'pattern';
}

/**
 * Whole-string glob match (`*` any run, `?` one character), case-insensitive.
 * Greedy two pointers that only ever back up to the last `*`: O(|value|·|glob|)
 * at worst, where a backtracking regex (`^.*.….*!$`) is exponential in the stars.
 */
export function globMatches(glob: string, value: string): boolean {
  const p = glob.toLowerCase();
  const s = value.toLowerCase();
  let i = 0;
  let j = 0;
  let star = -1;
  let resume = 0;
  while (i < s.length) {
    if (j < p.length && (p[j] === '?' || p[j] === s[i])) {
      i++;
      j++;
    } else if (j < p.length && p[j] === '*') {
      star = j++;
      resume = i;
    } else if (star >= 0) {
      j = star + 1;
      i = ++resume;
    } else return false;
  }
  while (p[j] === '*') j++;
  return j === p.length;
}

export function textMatches(m: TextMatch, value: string, opts: { name?: boolean; zoneName?: string } = {}): boolean {
  const v = value.toLowerCase();
  if (m.mode === 'contains') return v.includes(m.value.toLowerCase());
  if (m.mode === 'pattern') {
    const pat = opts.name && opts.zoneName && !m.value.includes('.') && !m.value.includes('*') ? expandName(m.value, opts.zoneName) : m.value;
    return globMatches(pat, value) || (opts.name && opts.zoneName ? globMatches(`${m.value}.${opts.zoneName}`, value) : false);
  }
  if (opts.name && opts.zoneName) return expandName(m.value, opts.zoneName) === v;
  return value === m.value;
}

/** TXT: the filter and the record each by value or as written, so either may carry Cloudflare's quotes. */
function contentMatches(m: TextMatch, r: RecordLite): boolean {
  if (textMatches(m, r.content)) return true;
  if (r.type !== 'TXT') return false;
  const value = comparableContent(r);
  return textMatches(m, value) || (isQuotedTxt(m.value) && textMatches({ ...m, value: txtValue(m.value) }, value));
}

export interface RecordMatch {
  name?: TextMatch;
  types?: string[];
  content?: TextMatch;
}

export function recordMatches(m: RecordMatch, r: RecordLite, zoneName: string): boolean {
  if (m.types && !m.types.includes(r.type)) return false;
  if (m.name && !textMatches(m.name, r.name, { name: true, zoneName })) return false;
  if (m.content && !contentMatches(m.content, r)) return false;
  return true;
}
