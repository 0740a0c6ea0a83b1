/**
 * An edit of a zones file's records (functions/contracts/dns-sync.ts), as a person would make it:
 * the first `updates` hosts (`host-NNNN`, as the sandbox seeds them) get a new content (a third of
 * the DNS-only ones a new TTL too), the last `deletes` hosts leave the file (deleted with
 * `--prune`), `creates` new hosts (`new-NNNN`) join it; every other record stays as it is.
 */
import type { ZonesFileInput } from '../../functions/contracts/dns-sync';

export type FileRecord = ZonesFileInput['zones'][string]['records'][number];

export interface ZoneEdit {
  updates: number;
  deletes: number;
  creates: number;
}

function updated(r: FileRecord, i: number): FileRecord {
  const content = r.type === 'A' ? `203.0.113.${i + 1}` : r.type === 'AAAA' ? `2001:db8:ffff::${(i + 1).toString(16)}` : `updated=${i + 1}`;
  // A proxied record's TTL is Cloudflare's (auto): only DNS-only records get a new one.
  return { ...r, content, ...(i % 3 === 0 && !r.proxied ? { ttl: 600 } : {}) };
}

function created(i: number): FileRecord {
  const name = `new-${String(i + 1).padStart(4, '0')}`;
  if (i % 3 === 0) return { name, type: 'AAAA', content: `2001:db8:eeee::${(i + 1).toString(16)}`, ttl: 300, proxied: false };
  if (i % 3 === 1) return { name, type: 'TXT', content: `created=${i + 1}`, ttl: 300 };
  return { name, type: 'A', content: `192.0.2.${i + 1}`, ttl: 300, proxied: i % 2 === 0 };
}

const HOST = /^host-\d+$/;

export function editZone(records: readonly FileRecord[], edit: ZoneEdit): FileRecord[] {
  const hosts = records.filter((r) => HOST.test(r.name) && ['A', 'AAAA', 'TXT'].includes(r.type)).sort((a, b) => a.name.localeCompare(b.name));
  if (hosts.length < edit.updates + edit.deletes) throw new Error(`the zone has ${hosts.length} hosts; the edit needs ${edit.updates + edit.deletes}`);
  const gone = new Set(hosts.slice(hosts.length - edit.deletes));
  const changed = new Map(hosts.slice(0, edit.updates).map((r, i) => [r, i]));
  return [
    ...records.filter((r) => !gone.has(r)).map((r) => (changed.has(r) ? updated(r, changed.get(r)!) : r)),
    ...Array.from({ length: edit.creates }, (_, i) => created(i)),
  ];
}
