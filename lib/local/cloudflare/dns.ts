/** DNS records: normalization, validation, conflict rules, list filters and CRUD. */
import { isIPv4, isIPv6 } from 'node:net';
import { CfError, errors, ok, paginate, type Envelope } from './envelope';
import { assertRoomForRecord, assertTagsAllowed, commentLimit } from './quota';
import type { SandboxState } from './state';
import { checkConflicts } from './conflicts';
import { storedTxt } from './txt';
import type { DnsRecord, RecordType, ZoneState } from './types';

export const RECORD_TYPES: RecordType[] = ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'SRV', 'CAA', 'PTR'];
const PROXIABLE_TYPES = new Set<RecordType>(['A', 'AAAA', 'CNAME']);
const HOST_RE = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?$/i;

export type RecordInput = Partial<Omit<DnsRecord, 'data'>> & { data?: Record<string, unknown> };

/** `www` → `www.example.com`, `@` → `example.com`, trailing dot dropped, lower-cased. */
export function normalizeName(input: string, zoneName: string): string {
  let n = input.trim().toLowerCase().replace(/\.$/, '');
  if (n === '@' || n === '') return zoneName;
  if (n === zoneName || n.endsWith(`.${zoneName}`)) return n;
  n = `${n}.${zoneName}`;
  return n;
}

function isPrivateIp(ip: string): boolean {
  if (isIPv4(ip)) {
    const [a, b] = ip.split('.').map(Number) as [number, number];
    return a === 10 || a === 127 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  const l = ip.toLowerCase();
  return l === '::1' || l.startsWith('fc') || l.startsWith('fd') || l.startsWith('fe80');
}

const v = (code: number, message: string) => errors.dnsValidation(code, message);

function hostContent(type: RecordType, content: unknown): string {
  if (typeof content !== 'string' || !content.trim()) throw v(9008, `Content for ${type} record is invalid.`);
  const c = content.trim().toLowerCase().replace(/\.$/, '');
  if (!HOST_RE.test(c) || c.length > 253) throw v(9008, `Content for ${type} record is invalid.`);
  return c;
}

function int(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Per-record settings as stored: a proxied record loses `flatten_cname` (proxied CNAMEs are always
 * flattened; Cloudflare discards the setting, DNSControl/dnscontrol#4026).
 */
function recordSettings(settings: Record<string, unknown>, proxied: boolean): Record<string, unknown> {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw v(9000, 'settings must be an object.');
  if (!proxied || !('flatten_cname' in settings)) return settings;
  const { flatten_cname: _dropped, ...rest } = settings;
  return rest;
}

/**
 * Build the stored record from a request body. `base` is the existing record for PATCH
 * (fields merge) and is undefined for POST/PUT (fields replace).
 */
export function buildRecord(
  state: SandboxState,
  zs: ZoneState,
  input: unknown,
  opts: { base?: DnsRecord; id?: string },
): DnsRecord {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw errors.badJson();
  const body = input as RecordInput;
  const base = opts.base;
  const type = (body.type ?? base?.type) as RecordType | undefined;
  if (!type || !RECORD_TYPES.includes(type)) throw v(9000, 'Invalid or missing record type.');
  const rawName = body.name ?? base?.name;
  if (typeof rawName !== 'string' || !rawName.trim()) throw v(9007, 'Name is required.');
  const name = normalizeName(rawName, zs.zone.name);
  if (!HOST_RE.test(name) || name.length > 255) throw v(9007, 'Name is invalid.');

  // data carries structured fields; if the type changes, the base's data/content don't carry over.
  const sameType = base?.type === type;
  const data = body.data ?? (sameType ? base?.data : undefined);
  let content: unknown = body.content ?? (sameType && body.data === undefined ? base?.content : undefined);
  let priority: number | undefined = body.priority ?? (sameType ? base?.priority : undefined);

  switch (type) {
    case 'A':
      if (typeof content !== 'string' || !isIPv4(content.trim())) throw v(9005, 'Content for A record must be a valid IPv4 address.');
      content = content.trim();
      break;
    case 'AAAA':
      if (typeof content !== 'string' || (!isIPv6(content.trim()) || content.includes('%'))) throw v(9006, 'Content for AAAA record must be a valid IPv6 address.');
      // Read back shortened, as Cloudflare does (RFC 5952 form; docs/cloudflare-sandbox.md, "AAAA content").
      content = new URL(`http://[${content.trim()}]`).hostname.slice(1, -1);
      break;
    case 'CNAME':
    case 'NS':
    case 'PTR':
      content = hostContent(type, content);
      break;
    case 'MX':
      content = hostContent(type, content);
      if (priority === undefined) throw v(9101, 'MX records require a priority.');
      if (!int(priority, 0, 65535)) throw v(9102, 'Priority must be an integer between 0 and 65535.');
      break;
    case 'TXT':
      if (typeof content !== 'string' || content.length === 0) throw v(9009, 'Content for TXT record is invalid.');
      if (content.length > 2048) throw v(9009, 'TXT content must be at most 2048 characters.');
      content = storedTxt(content); // quoted strings split at 255 bytes; unquoted kept as sent (txt.ts)
      break;
    case 'SRV': {
      // SRV is written through `data` only; `content` is read-only (SDK types, "See 'data' for setting
      // the individual component values"); content alone is refused with "priority is a required data field.".
      const d = data as { priority?: unknown; weight?: unknown; port?: unknown; target?: unknown } | undefined;
      if (!d || d.priority === undefined) throw v(9101, 'priority is a required data field.');
      if (!int(d.priority, 0, 65535) || !int(d.weight, 0, 65535) || !int(d.port, 0, 65535)) {
        throw v(9101, 'SRV records require data.priority, data.weight and data.port between 0 and 65535.');
      }
      const target = d.target === '.' ? '.' : hostContent('SRV', d.target);
      if (!/^_[a-z0-9-]+\._(tcp|udp|tls|sctp)\./i.test(name)) throw v(9007, 'SRV record name must be of the form _service._proto.name.');
      priority = d.priority;
      content = `${d.weight} ${d.port} ${target}`;
      break;
    }
    case 'CAA': {
      // CAA likewise: content alone is refused with "flags is a required data field.".
      const d = data as { flags?: unknown; tag?: unknown; value?: unknown } | undefined;
      if (!d || d.flags === undefined) throw v(9101, 'flags is a required data field.');
      if (!int(d.flags, 0, 255) || !['issue', 'issuewild', 'iodef'].includes(String(d.tag)) || typeof d.value !== 'string') {
        throw v(9101, 'CAA records require data.flags (0-255), data.tag (issue, issuewild, iodef) and data.value.');
      }
      content = `${d.flags} ${d.tag} "${d.value}"`;
      break;
    }
  }
  const contentStr = content as string;

  let ttl = body.ttl ?? base?.ttl ?? 1;
  const minTtl = zs.zone.plan.legacy_id === 'enterprise' ? 30 : 60;
  if (!(ttl === 1 || int(ttl, minTtl, 86400))) {
    throw v(9021, `Invalid TTL. Must be between ${minTtl} and 86400 seconds, or 1 for Automatic.`);
  }

  const proxiable = PROXIABLE_TYPES.has(type) && !((type === 'A' || type === 'AAAA') && isPrivateIp(contentStr));
  const proxied = body.proxied ?? (sameType ? base?.proxied : undefined) ?? false;
  if (typeof proxied !== 'boolean') throw v(9003, 'Invalid proxied value.');
  if (proxied && !PROXIABLE_TYPES.has(type)) throw v(9004, 'This record type cannot be proxied.');
  if (proxied && !proxiable) throw v(9003, `${contentStr} is not a valid address for a proxied record.`);
  if (proxied) ttl = 1; // proxied records always use automatic TTL

  const comment = body.comment === undefined ? (base?.comment ?? null) : body.comment;
  const maxComment = commentLimit(zs.zone);
  if (comment !== null && (typeof comment !== 'string' || comment.length > maxComment)) {
    throw v(9010, `Comment must be a string of at most ${maxComment} characters.`);
  }
  const tags = body.tags ?? base?.tags ?? [];
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || !/^[^:\s]+:.*$/.test(t))) {
    throw v(9011, 'Tags must be strings of the form name:value.');
  }
  if (body.tags !== undefined) assertTagsAllowed(zs.zone, tags);

  const now = state.nowIso();
  const record: DnsRecord = {
    id: opts.id ?? base?.id ?? state.ids.hex32(),
    name,
    type,
    content: contentStr,
    proxiable,
    proxied,
    ttl,
    settings: recordSettings((body.settings as Record<string, unknown> | undefined) ?? base?.settings ?? {}, proxied),
    meta: {},
    comment,
    tags,
    created_on: base?.created_on ?? now,
    modified_on: now,
  };
  if (comment !== null) record.comment_modified_on = comment === base?.comment ? (base?.comment_modified_on ?? now) : now;
  if (tags.length) record.tags_modified_on = JSON.stringify(tags) === JSON.stringify(base?.tags ?? []) ? (base?.tags_modified_on ?? now) : now;
  if (type === 'MX' || type === 'SRV') record.priority = priority;
  if (type === 'SRV') {
    const [weight, port, target] = contentStr.split(' ');
    record.data = { priority, weight: Number(weight), port: Number(port), target };
  }
  if (type === 'CAA') {
    const m = /^(\d+) (\S+) "(.*)"$/.exec(contentStr)!;
    record.data = { flags: Number(m[1]), tag: m[2], value: m[3] };
  }
  return record;
}

// ---- list: dotted filters, match, order, pagination ----

type Pred = (r: DnsRecord) => boolean;
const lc = (s: string | null | undefined) => (s ?? '').toLowerCase();

function stringPreds(field: 'name' | 'content' | 'comment', q: URLSearchParams): Pred[] {
  const get = (r: DnsRecord) => lc(r[field]);
  const preds: Pred[] = [];
  const plain = q.get(field);
  if (plain !== null) preds.push((r) => get(r) === lc(plain));
  const ops: Record<string, (a: string, b: string) => boolean> = {
    exact: (a, b) => a === b,
    contains: (a, b) => a.includes(b),
    startswith: (a, b) => a.startsWith(b),
    endswith: (a, b) => a.endsWith(b),
  };
  for (const [op, fn] of Object.entries(ops)) {
    const val = q.get(`${field}.${op}`);
    if (val !== null) preds.push((r) => fn(get(r), lc(val)));
  }
  if (field === 'comment') {
    if (q.has('comment.present')) preds.push((r) => r.comment !== null && r.comment !== '');
    if (q.has('comment.absent')) preds.push((r) => r.comment === null || r.comment === '');
  }
  return preds;
}

function tagPreds(q: URLSearchParams): Pred[] {
  const preds: Pred[] = [];
  const tagMap = (r: DnsRecord) =>
    new Map(r.tags.map((t) => [lc(t.slice(0, t.indexOf(':'))), lc(t.slice(t.indexOf(':') + 1))]));
  for (const name of q.getAll('tag.present')) preds.push((r) => tagMap(r).has(lc(name)));
  for (const name of q.getAll('tag.absent')) preds.push((r) => !tagMap(r).has(lc(name)));
  const ops: Record<string, (a: string, b: string) => boolean> = {
    exact: (a, b) => a === b,
    contains: (a, b) => a.includes(b),
    startswith: (a, b) => a.startsWith(b),
    endswith: (a, b) => a.endsWith(b),
  };
  for (const [op, fn] of Object.entries(ops)) {
    for (const spec of q.getAll(`tag.${op}`)) {
      const i = spec.indexOf(':');
      const tname = lc(i < 0 ? spec : spec.slice(0, i));
      const tval = lc(i < 0 ? '' : spec.slice(i + 1));
      preds.push((r) => {
        const val = tagMap(r).get(tname);
        return val !== undefined && fn(val, tval);
      });
    }
  }
  const plain = q.get('tag');
  if (plain !== null) {
    const [tname, tval] = plain.split(':');
    preds.push((r) => tagMap(r).get(lc(tname)) === lc(tval));
  }
  return preds;
}

const ORDERS = ['type', 'name', 'content', 'ttl', 'proxied'] as const;

export function parsePaging(q: URLSearchParams, def: number, min: number, max: number): { page: number; perPage: number } {
  const rawPage = q.get('page');
  const rawPer = q.get('per_page');
  const page = rawPage === null ? 1 : Number(rawPage);
  const perPage = rawPer === null ? def : Number(rawPer);
  if (!Number.isInteger(page) || page < 1) throw errors.invalidParam(1004, 'page must be an integer greater than or equal to 1');
  if (!Number.isInteger(perPage)) throw errors.invalidParam(1004, 'per_page must be an integer');
  return { page, perPage: Math.min(max, Math.max(min, perPage)) };
}

export function listRecords(zs: ZoneState, q: URLSearchParams): Envelope {
  const match = q.get('match') ?? 'all';
  const tagMatch = q.get('tag_match') ?? 'all';
  if (!['any', 'all'].includes(match) || !['any', 'all'].includes(tagMatch)) {
    throw errors.invalidParam(1004, 'match must be one of any, all');
  }
  const preds: Pred[] = [...stringPreds('name', q), ...stringPreds('content', q), ...stringPreds('comment', q)];
  const type = q.get('type');
  if (type !== null) {
    if (!RECORD_TYPES.includes(type.toUpperCase() as RecordType) && !/^[A-Z]+$/i.test(type)) {
      throw errors.invalidParam(1004, 'Invalid record type');
    }
    preds.push((r) => r.type === type.toUpperCase());
  }
  const proxied = q.get('proxied');
  if (proxied !== null) {
    if (proxied !== 'true' && proxied !== 'false') throw errors.invalidParam(1004, 'proxied must be true or false');
    preds.push((r) => r.proxied === (proxied === 'true'));
  }
  const search = q.get('search');
  if (search !== null) {
    const s = lc(search);
    preds.push((r) => lc(r.name).includes(s) || lc(r.content).includes(s) || lc(r.comment).includes(s));
  }
  const tags = tagPreds(q);
  if (tags.length) preds.push(tagMatch === 'all' ? (r) => tags.every((p) => p(r)) : (r) => tags.some((p) => p(r)));

  let items = [...zs.records.values()];
  if (preds.length) items = items.filter(match === 'all' ? (r) => preds.every((p) => p(r)) : (r) => preds.some((p) => p(r)));

  const order = q.get('order');
  if (order !== null && !ORDERS.includes(order as (typeof ORDERS)[number])) {
    throw errors.invalidParam(1004, `order must be one of ${ORDERS.join(', ')}`);
  }
  const direction = q.get('direction') ?? 'asc';
  if (direction !== 'asc' && direction !== 'desc') throw errors.invalidParam(1004, 'direction must be asc or desc');
  const keys: Array<(typeof ORDERS)[number]> = order ? [order as (typeof ORDERS)[number], 'type', 'name', 'content'] : ['type', 'name', 'content'];
  const cmp = (a: DnsRecord, b: DnsRecord) => {
    for (const k of keys) {
      const x = a[k];
      const y = b[k];
      if (x === y) continue;
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : 1);
    }
    return 0;
  };
  items.sort((a, b) => (direction === 'asc' ? cmp(a, b) : -cmp(a, b)));

  const { page, perPage } = parsePaging(q, 100, 5, 5_000_000);
  return paginate(items, page, perPage);
}

// ---- single-record CRUD ----

export function getRecord(zs: ZoneState, id: string, routePath: string): DnsRecord {
  if (!/^[0-9a-f]{32}$/.test(id)) throw errors.noRoute(routePath);
  const r = zs.records.get(id);
  if (!r) throw errors.recordNotFound();
  return r;
}

/**
 * Records with `meta.read_only` (e.g. the MX/TXT records Email Routing adds and locks) cannot be
 * changed or deleted through the API. Cloudflare documents no code for the refusal; chosen: 400 1004
 * with chain 9100 and a message that says so (docs/cloudflare-sandbox.md).
 */
export function assertWritable(rec: DnsRecord): void {
  if (rec.meta?.read_only === true) throw v(9100, 'This record is read-only and cannot be modified or deleted.');
}

export function createRecord(state: SandboxState, zs: ZoneState, body: unknown): Envelope {
  const rec = buildRecord(state, zs, body, {});
  checkConflicts(rec, zs.records.values(), zs.zone.name);
  assertRoomForRecord(zs, zs.records.size);
  zs.records.set(rec.id, rec);
  state.changed();
  return ok(rec);
}

export function updateRecord(
  state: SandboxState,
  zs: ZoneState,
  id: string,
  body: unknown,
  mode: 'patch' | 'put',
  routePath: string,
): Envelope {
  const existing = getRecord(zs, id, routePath);
  assertWritable(existing);
  const rec =
    mode === 'patch'
      ? buildRecord(state, zs, body, { base: existing })
      : { ...buildRecord(state, zs, body, { id }), created_on: existing.created_on };
  checkConflicts(rec, zs.records.values(), zs.zone.name);
  zs.records.set(id, rec);
  state.changed();
  return ok(rec);
}

export function deleteRecord(state: SandboxState, zs: ZoneState, id: string, routePath: string): Envelope {
  assertWritable(getRecord(zs, id, routePath));
  zs.records.delete(id);
  state.changed();
  return ok({ id });
}

export { CfError, checkConflicts };
