/**
 * Where Cloudflare lets a record stand (docs/cloudflare-sandbox.md, "CNAME and NS rules"), so plans
 * skip what Cloudflare would refuse, with the reason, instead of failing a chunk:
 * - a CNAME shares its name with no A, AAAA or other CNAME; beside a flattened CNAME (proxied, at the
 *   apex, or `settings.flatten_cname`) any other type may stand, beside a plain DNS-only one only TXT;
 * - an NS record below the apex delegates its name: no A/AAAA/CNAME there, and nothing beneath it but
 *   glue (A/AAAA records of the delegation's own name servers).
 */
import type { RecordLite } from './records';

const ADDRESS = new Set(['A', 'AAAA', 'CNAME']);

const flattened = (cname: RecordLite, apex: string) => cname.proxied || cname.name === apex || cname.settings?.flatten_cname === true;

/** The records of a zone by name, with its delegations; plans add what they create as they go. */
export class ZoneLayout {
  private readonly byName = new Map<string, RecordLite[]>();
  /** Delegated name → the name servers its NS records name. */
  private readonly cuts = new Map<string, Set<string>>();

  constructor(
    private readonly apex: string,
    records: Iterable<RecordLite>,
  ) {
    for (const r of records) this.add(r);
  }

  add(r: RecordLite): void {
    this.byName.set(r.name, [...(this.byName.get(r.name) ?? []), r]);
    if (r.type === 'NS' && r.name !== this.apex) this.cuts.set(r.name, (this.cuts.get(r.name) ?? new Set()).add(r.content));
  }

  /** Why Cloudflare would refuse `r` in this zone (undefined when it fits); `self` is the record an update replaces. */
  problem(r: RecordLite, self?: RecordLite): string | undefined {
    const cut = this.delegationAbove(r);
    if (cut) return `beneath the delegated subdomain ${cut} (only glue A/AAAA records of its name servers are allowed)`;
    for (const other of this.byName.get(r.name) ?? []) {
      if (other === self) continue;
      const why = this.clash(r, other);
      if (why) return why;
    }
    return undefined;
  }

  /** The delegated name strictly above `r`, unless `r` is glue for it. */
  private delegationAbove(r: RecordLite): string | undefined {
    const labels = r.name.split('.');
    for (let i = 1; i < labels.length; i++) {
      const above = labels.slice(i).join('.');
      const servers = this.cuts.get(above);
      if (servers && !((r.type === 'A' || r.type === 'AAAA') && servers.has(r.name))) return above;
    }
    return undefined;
  }

  private clash(r: RecordLite, other: RecordLite): string | undefined {
    if (r.type === 'CNAME' && ADDRESS.has(other.type) && !(other.type === 'CNAME' && other.content === r.content)) return 'a CNAME cannot share its name with A, AAAA or CNAME records';
    if (r.type === 'CNAME' && other.type === 'NS' && r.name !== this.apex) return 'an NS record delegates this name';
    if (r.type === 'CNAME' && !ADDRESS.has(other.type) && other.type !== 'TXT' && !flattened(r, this.apex)) return `a DNS-only CNAME cannot share its name with ${other.type} records`;
    if (other.type === 'CNAME' && r.type !== 'CNAME' && (ADDRESS.has(r.type) || (r.type === 'NS' && r.name !== this.apex) || (r.type !== 'TXT' && !flattened(other, this.apex)))) return 'conflicts with a CNAME at the same name';
    const delegated = r.name !== this.apex; // the zone's own apex NS records delegate nothing
    if (delegated && other.type === 'NS' && ADDRESS.has(r.type)) return 'an NS record delegates this name';
    if (delegated && r.type === 'NS' && ADDRESS.has(other.type)) return 'an NS record cannot share its name with A, AAAA or CNAME records';
    return undefined;
  }
}
