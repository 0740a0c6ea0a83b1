/**
 * Which records may share a name, as Cloudflare decides (docs/cloudflare-sandbox.md, "CNAME and NS rules"):
 * - a CNAME cannot share its name with an A, AAAA or another CNAME (81053 creating the CNAME, 81054
 *   creating the A/AAAA); other types (TXT, MX, SRV, CAA, PTR) may sit beside a flattened CNAME
 *   (proxied, at the apex, or `settings.flatten_cname`), and TXT beside any CNAME; beside a plain
 *   DNS-only CNAME the others are refused (RFC 1034 §3.6.2; chosen strict);
 * - no A, AAAA or CNAME at a name an NS record delegates (81056), nor an NS where one of them is (81053);
 * - nothing beneath a delegated name except glue, i.e. A/AAAA records of the delegation's name servers
 *   (89018 "Cannot create a non-glue record that is beneath a delegated child zone.").
 */
import { CfError, errors } from './envelope';
import { txtData } from './txt';
import type { DnsRecord } from './types';

const ADDRESS = new Set(['A', 'AAAA', 'CNAME']);

const nsExists = () => new CfError(400, [{ code: 81056, message: 'NS records with that host already exist.' }]);
const beneathDelegation = () => new CfError(400, [{ code: 89018, message: 'Cannot create a non-glue record that is beneath a delegated child zone.' }]);

/** TXT compares by the value its strings carry (`"a"` and `a` are one record); others case-insensitively. */
function sameContent(a: DnsRecord, b: DnsRecord): boolean {
  if (a.type === 'TXT') return txtData(a.content) === txtData(b.content);
  return a.content.toLowerCase() === b.content.toLowerCase();
}

/** May `rec` stand at the name of `cname` (a CNAME)? Only beside one resolvers never see (flattened), or as TXT. */
function besideCname(rec: DnsRecord, cname: DnsRecord, apex: string): boolean {
  if (ADDRESS.has(rec.type)) return false;
  if (rec.type === 'NS') return rec.name === apex; // the zone's own NS beside a flattened apex CNAME
  return cname.proxied || cname.name === apex || cname.settings?.flatten_cname === true || rec.type === 'TXT';
}

function sameName(rec: DnsRecord, other: DnsRecord, apex: string): void {
  if (rec.type === 'CNAME' && ADDRESS.has(other.type) && !(other.type === 'CNAME' && other.content === rec.content)) throw errors.cnameConflict();
  if (rec.type === 'CNAME' && other.type !== 'CNAME' && !besideCname(other, rec, apex)) throw other.type === 'NS' && rec.name !== apex ? nsExists() : errors.cnameConflict();
  if (other.type === 'CNAME' && rec.type !== 'CNAME' && !besideCname(rec, other, apex)) throw errors.cnameExists();
  // The zone's own NS records at the apex delegate nothing.
  if (rec.name !== apex && other.type === 'NS' && ADDRESS.has(rec.type)) throw nsExists();
  if (rec.name !== apex && rec.type === 'NS' && ADDRESS.has(other.type)) throw errors.cnameConflict();
  if (other.type === rec.type && sameContent(other, rec) && other.priority === rec.priority) {
    const identical = other.ttl === rec.ttl && other.proxied === rec.proxied;
    throw identical ? errors.identicalRecord() : errors.recordExists();
  }
}

/**
 * Refuse a record that clashes with `records` (the zone as it would be, without the record itself);
 * `apex` is the zone's name (its own NS records delegate nothing).
 */
export function checkConflicts(rec: DnsRecord, records: Iterable<DnsRecord>, apex: string): void {
  const glue = new Map<string, Set<string>>(); // delegated name → its name servers
  const others: DnsRecord[] = [];
  for (const other of records) {
    if (other.id === rec.id) continue;
    others.push(other);
    if (other.type === 'NS' && other.name !== apex) glue.set(other.name, (glue.get(other.name) ?? new Set()).add(other.content));
  }
  for (const [cut, servers] of glue) {
    if (!rec.name.endsWith(`.${cut}`)) continue;
    if (!((rec.type === 'A' || rec.type === 'AAAA') && servers.has(rec.name))) throw beneathDelegation();
  }
  for (const other of others) if (other.name === rec.name) sameName(rec, other, apex);
}
