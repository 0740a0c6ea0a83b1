/**
 * DNS record normalisation and matching, as Cloudflare stores records: names
 * expanded and lower-cased without the trailing dot, host contents likewise,
 * AAAA lower-case, proxied records with TTL 1. Planner, drift check and
 * reconcile all compare through these functions, so "equal" means the same
 * thing everywhere.
 */
import { createHash } from 'node:crypto';
import type { RecordLite } from './model';

export interface LiveRecord extends RecordLite {
  id: string;
}

const HOST_TYPES = new Set(['CNAME', 'NS', 'PTR', 'MX']);
export const PROXIABLE = new Set(['A', 'AAAA', 'CNAME']);

export function expandName(input: string, zoneName: string): string {
  let n = input.trim().toLowerCase().replace(/\.$/, '').replaceAll('{zone}', zoneName);
  if (n === '@' || n === '') return zoneName;
  if (n === zoneName || n.endsWith(`.${zoneName}`)) return n;
  n = `${n}.${zoneName}`;
  return n;
}

export function normalizeContent(type: string, content: string, zoneName?: string): string {
  let c = zoneName ? content.replaceAll('{zone}', zoneName) : content;
  if (HOST_TYPES.has(type)) c = c.trim().toLowerCase().replace(/\.$/, '');
  else if (type === 'AAAA') c = c.trim().toLowerCase();
  else if (type === 'A') c = c.trim();
  return c;
}

/** The record as Cloudflare would store it. */
export function normalizeRecord(r: RecordLite, zoneName: string): RecordLite {
  const proxied = PROXIABLE.has(r.type) ? !!r.proxied : false;
  const out: RecordLite = {
    type: r.type,
    name: expandName(r.name, zoneName),
    content: normalizeContent(r.type, r.content, zoneName),
    ttl: proxied ? 1 : r.ttl,
    proxied,
  };
  if (r.priority !== undefined && r.priority !== null) out.priority = r.priority;
  if (r.comment) out.comment = r.comment;
  return out;
}

/** From an API record object. */
export function liveFromApi(x: Record<string, unknown>): LiveRecord {
  const r: LiveRecord = {
    id: String(x.id),
    type: String(x.type),
    name: String(x.name),
    content: String(x.content ?? ''),
    ttl: Number(x.ttl ?? 1),
    proxied: !!x.proxied,
  };
  if (typeof x.priority === 'number') r.priority = x.priority;
  if (typeof x.comment === 'string' && x.comment) r.comment = x.comment;
  return r;
}

export function lite(r: RecordLite): RecordLite {
  const out: RecordLite = { type: r.type, name: r.name, content: r.content, ttl: r.ttl, proxied: r.proxied };
  if (r.priority !== undefined) out.priority = r.priority;
  if (r.comment) out.comment = r.comment;
  return out;
}

/** Identity of a record for duplicate detection: type + name + content (+ MX priority). */
export const identity = (r: RecordLite) => `${r.type}\u0000${r.name}\u0000${r.content}\u0000${r.priority ?? ''}`;

/** Everything a change can set. */
export function sameRecord(a: RecordLite, b: RecordLite): boolean {
  return identity(a) === identity(b) && a.ttl === b.ttl && a.proxied === b.proxied && (a.comment ?? null) === (b.comment ?? null);
}

/** Fingerprint of a zone's records: any create/update/delete anywhere in the zone changes it. */
export function fingerprintRecords(records: readonly LiveRecord[]): string {
  const lines = records.map((r) => `${r.id}|${identity(r)}|${r.ttl}|${r.proxied}|${r.comment ?? ''}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('base64url');
}

export function fingerprintValues(values: Record<string, unknown>): string {
  const keys = Object.keys(values).sort();
  return createHash('sha256').update(JSON.stringify(keys.map((k) => [k, values[k]]))).digest('base64url');
}

export interface TextMatch {
  value: string;
  mode: 'exact' | 'contains' | 'pattern';
}

/**
 * Whole-string glob match (`*` any run, `?` one character), case-insensitive.
 * Greedy two pointers that only ever back up to the last `*`: O(|value|·|glob|)
 * at worst, where a backtracking regex (`^.*.….*!$`) is exponential in the stars.
 */
function globMatches(glob: string, value: string): boolean {
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

export interface RecordMatch {
  name?: TextMatch;
  types?: string[];
  content?: TextMatch;
}

export function recordMatches(m: RecordMatch, r: RecordLite, zoneName: string): boolean {
  if (m.types && !m.types.includes(r.type)) return false;
  if (m.name && !textMatches(m.name, r.name, { name: true, zoneName })) return false;
  if (m.content && !textMatches(m.content, r.content)) return false;
  return true;
}
