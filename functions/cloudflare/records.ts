/**
 * The DNS record model and its normalisation, as Cloudflare stores records: names
 * expanded and lower-cased without the trailing dot, host contents likewise,
 * AAAA lower-case, proxied records with TTL 1. Planner, drift check and
 * reconcile all compare through these functions (identity, sameRecord,
 * fingerprints), so "equal" means the same
 * thing everywhere.
 */
import { createHash } from 'node:crypto';

/** A DNS record reduced to what a change sets and what drift/reconcile compare. */
export interface RecordLite {
  type: string;
  name: string;
  content: string;
  ttl: number;
  proxied: boolean;
  priority?: number;
  comment?: string | null;
}

/** A record as read from Cloudflare, with its id. */
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
