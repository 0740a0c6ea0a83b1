/**
 * The DNS record model and its normalisation, as Cloudflare stores records: names
 * expanded and lower-cased without the trailing dot, host contents likewise,
 * AAAA lower-case, proxied records with TTL 1, TXT as quoted 255-byte strings (txt.ts). Planner, drift check and
 * reconcile all compare through these functions (identity, sameRecord,
 * fingerprints), so "equal" means the same
 * thing everywhere.
 */
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { txtContent, txtValue } from './txt';

/** A DNS record reduced to what a change sets and what drift/reconcile compare. */
export interface RecordLite {
  type: string;
  name: string;
  content: string;
  ttl: number;
  proxied: boolean;
  priority?: number;
  comment?: string | null;
  /**
   * SRV (`priority weight port target`) and CAA (`flags tag value`): Cloudflare writes these through
   * `data` only; their `content` is read-only and formatted by Cloudflare. Set for SRV/CAA only.
   */
  data?: Record<string, unknown>;
  /** Custom tags (`name:value`), when the record has any. */
  tags?: string[];
  /** Per-record settings (`flatten_cname`, `ipv4_only`, `ipv6_only`…), when any is set. */
  settings?: Record<string, unknown>;
}

/** A record as read from Cloudflare, with its id. */
export interface LiveRecord extends RecordLite {
  id: string;
  /** `meta.read_only`: Cloudflare refuses to change or delete it (e.g. records Email Routing locks). */
  readOnly?: boolean;
}

/** Types whose value Cloudflare takes only through `data`. */
export const DATA_TYPES = new Set(['SRV', 'CAA']);

/**
 * `data` for an SRV or CAA record from its content as written in zone files and CSVs
 * (SRV `[priority] weight port target` — priority from the record when absent; CAA
 * `flags tag "value"`), undefined when it does not parse.
 */
export function dataFromContent(type: string, content: string, priority?: number): Record<string, unknown> | undefined {
  const c = content.trim();
  if (type === 'SRV') {
    const parts = c.split(/\s+/);
    const nums = parts.slice(0, -1).map(Number);
    if (nums.some((n) => !Number.isInteger(n))) return undefined;
    const target = parts[parts.length - 1]!.toLowerCase().replace(/(.)\.$/, '$1');
    if (parts.length === 4) return { priority: nums[0], weight: nums[1], port: nums[2], target };
    if (parts.length === 3 && priority !== undefined) return { priority, weight: nums[0], port: nums[1], target };
    return undefined;
  }
  if (type === 'CAA') {
    const m = /^(\d+)\s+(\S+)\s+(?:"(.*)"|(\S.*))$/.exec(c);
    if (!m) return undefined;
    return { flags: Number(m[1]), tag: m[2]!.toLowerCase(), value: m[3] ?? m[4]! };
  }
  return undefined;
}

/** The content Cloudflare derives from `data` (SRV `weight port target`, priority apart; CAA `flags tag "value"`). */
export function contentFromData(type: string, data: Record<string, unknown>): string {
  if (type === 'SRV') return `${data.weight} ${data.port} ${data.target}`;
  return `${data.flags} ${data.tag} "${data.value}"`;
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

/** A record's name relative to its zone: `@` for the apex, `www` for `www.example.com`. */
export function relativeName(name: string, zoneName: string): string {
  if (name === zoneName) return '@';
  return name.endsWith(`.${zoneName}`) ? name.slice(0, -(zoneName.length + 1)) : name;
}

/**
 * An IPv6 address as Cloudflare returns it: shortened (`2001:4860:4860:0:0:0:0:8888` is read back as
 * `2001:4860:4860::8888`; docs/cloudflare-sandbox.md, "AAAA content"). The WHATWG URL serializer
 * writes RFC 5952's form (lower case, no leading zeros, the first longest run of two or more zero
 * groups as `::`). Not an address: lower-cased only (the planner's checks report it).
 */
export function canonicalIpv6(address: string): string {
  // A zone index (`fe80::1%eth0`) passes isIPv6 but is no record content: left for Cloudflare to refuse.
  if (!isIPv6(address) || address.includes('%')) return address.toLowerCase();
  return new URL(`http://[${address}]`).hostname.slice(1, -1);
}

export function normalizeContent(type: string, content: string, zoneName?: string): string {
  let c = zoneName ? content.replaceAll('{zone}', zoneName) : content;
  if (HOST_TYPES.has(type)) c = c.trim().toLowerCase().replace(/\.$/, '');
  else if (type === 'AAAA') c = canonicalIpv6(c.trim());
  else if (type === 'A') c = c.trim();
  else if (type === 'TXT') c = txtContent(c);
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
  if (r.tags?.length) out.tags = [...r.tags];
  // Cloudflare drops `flatten_cname` from a proxied record (proxied CNAMEs are always flattened).
  const settings = Object.entries(r.settings ?? {}).filter(([k]) => !(proxied && k === 'flatten_cname'));
  if (settings.length) out.settings = Object.fromEntries(settings);
  if (DATA_TYPES.has(r.type)) {
    const data = r.data ? { ...r.data } : dataFromContent(r.type, out.content, out.priority);
    if (data) {
      if (r.type === 'SRV') {
        if (data.target !== '.') data.target = normalizeContent('CNAME', String(data.target ?? ''), zoneName);
        out.priority = Number(data.priority);
      }
      out.data = data;
      out.content = contentFromData(r.type, data);
    }
  }
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
  if (DATA_TYPES.has(r.type) && x.data && typeof x.data === 'object') r.data = { ...(x.data as Record<string, unknown>) };
  if (Array.isArray(x.tags) && x.tags.length) r.tags = x.tags.map(String);
  if (x.settings && typeof x.settings === 'object' && Object.keys(x.settings).length) r.settings = { ...(x.settings as Record<string, unknown>) };
  if ((x.meta as { read_only?: unknown } | undefined)?.read_only === true) r.readOnly = true;
  return r;
}

export function lite(r: RecordLite): RecordLite {
  const out: RecordLite = { type: r.type, name: r.name, content: r.content, ttl: r.ttl, proxied: r.proxied };
  if (r.priority !== undefined) out.priority = r.priority;
  if (r.comment) out.comment = r.comment;
  if (r.data) out.data = { ...r.data };
  if (r.tags?.length) out.tags = [...r.tags];
  if (r.settings) out.settings = { ...r.settings };
  return out;
}

/** The content compared: TXT by the value its strings carry, however Cloudflare quoted or split them. */
export const comparableContent = (r: Pick<RecordLite, 'type' | 'content'>) => (r.type === 'TXT' ? txtValue(r.content) : r.content);

/** Identity of a record for duplicate detection: type + name + content (+ MX priority). */
export const identity = (r: RecordLite) => `${r.type}\u0000${r.name}\u0000${comparableContent(r)}\u0000${r.priority ?? ''}`;

/** Tags and settings in one comparable form: tags as a set, settings without their `false` defaults. */
function attributes(r: RecordLite): string {
  const settings = Object.entries(r.settings ?? {})
    .filter(([, v]) => v !== false && v !== null && v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([[...(r.tags ?? [])].sort(), settings]);
}

/** Everything a change can set, and what revert must restore (tags, settings). */
export function sameRecord(a: RecordLite, b: RecordLite): boolean {
  return identity(a) === identity(b) && a.ttl === b.ttl && a.proxied === b.proxied && (a.comment ?? null) === (b.comment ?? null) && attributes(a) === attributes(b);
}

/** Fingerprint of a zone's records: any create/update/delete anywhere in the zone changes it. */
export function fingerprintRecords(records: readonly LiveRecord[]): string {
  const lines = records.map((r) => `${r.id}|${identity(r)}|${r.ttl}|${r.proxied}|${r.comment ?? ''}|${attributes(r)}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('base64url');
}

export function fingerprintValues(values: Record<string, unknown>): string {
  const keys = Object.keys(values).sort();
  return createHash('sha256').update(JSON.stringify(keys.map((k) => [k, values[k]]))).digest('base64url');
}
