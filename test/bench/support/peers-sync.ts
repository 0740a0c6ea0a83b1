/**
 * The peers' way of applying a zones file, as octoDNS's Cloudflare provider does it
 * (octodns/octodns-cloudflare, octodns_cloudflare/__init__.py): list the zones (50 a page), then
 * per zone list its records (100 a page), diff, and send one request per record — deletes, then
 * creates, then updates — in turn, from the runner. Through the official `cloudflare` SDK, whose
 * retry honours a 429's `Retry-After` (node_modules/cloudflare/src/client.ts `retryRequest`);
 * 4 tries as octoDNS's `retry_count=4` (octoDNS itself sleeps a fixed `retry_period=300` s).
 */
import type Cloudflare from 'cloudflare';
import type { ZonesFileInput } from '../../../functions/contracts/dns-sync';
import { expandName, liveFromApi, normalizeRecord, type LiveRecord, type RecordLite } from '../../../functions/cloudflare/records';
import { sameContent } from './zones-change';

export interface PeerCounts {
  creates: number;
  updates: number;
  deletes: number;
}

interface ZonePlan {
  deletes: LiveRecord[];
  creates: RecordLite[];
  updates: Array<{ id: string; record: RecordLite }>;
}

const key = (r: RecordLite) => `${r.type}\u0000${r.name}`;

/** octoDNS's diff per name and type: equal contents stay (or update ttl/proxied), the rest pair up as updates in order, leftovers are creates or deletes. */
function planZone(live: LiveRecord[], desired: RecordLite[], prune: boolean): ZonePlan {
  const plan: ZonePlan = { deletes: [], creates: [], updates: [] };
  const groups = new Map<string, { live: LiveRecord[]; want: RecordLite[] }>();
  const group = (r: RecordLite) => groups.get(key(r)) ?? groups.set(key(r), { live: [], want: [] }).get(key(r))!;
  for (const r of live) group(r).live.push(r);
  for (const r of desired) group(r).want.push(r);
  for (const g of groups.values()) {
    const left = [...g.live];
    const unmatched: RecordLite[] = [];
    for (const w of g.want) {
      const i = left.findIndex((l) => sameContent(l, w));
      if (i < 0) {
        unmatched.push(w);
        continue;
      }
      const [l] = left.splice(i, 1);
      if (l!.ttl !== w.ttl || l!.proxied !== w.proxied) plan.updates.push({ id: l!.id, record: w });
    }
    const pairs = Math.min(unmatched.length, left.length);
    for (let i = 0; i < pairs; i++) plan.updates.push({ id: left[i]!.id, record: unmatched[i]! });
    plan.creates.push(...unmatched.slice(pairs));
    if (prune) plan.deletes.push(...left.slice(pairs));
  }
  return plan;
}

const body = (r: RecordLite) => ({ type: r.type, name: r.name, content: r.content, ttl: r.ttl, ...(r.type === 'A' || r.type === 'AAAA' || r.type === 'CNAME' ? { proxied: r.proxied } : {}), ...(r.priority !== undefined ? { priority: r.priority } : {}) });

/** Applies the file zone by zone, one Cloudflare request per changed record. */
export async function applyOneRequestPerRecord(cf: Cloudflare, file: ZonesFileInput, prune: boolean): Promise<PeerCounts> {
  const zoneIds = new Map<string, string>();
  for await (const z of cf.zones.list({ per_page: 50 })) zoneIds.set(z.name, z.id);
  const counts: PeerCounts = { creates: 0, updates: 0, deletes: 0 };
  for (const [zone, desiredZone] of Object.entries(file.zones)) {
    const zone_id = zoneIds.get(zone);
    if (!zone_id) throw new Error(`zone ${zone} is not in the account`);
    const live: LiveRecord[] = [];
    for await (const r of cf.dns.records.list({ zone_id, per_page: 100 })) live.push(liveFromApi(r as unknown as Record<string, unknown>));
    const desired = desiredZone.records.map((r) =>
      normalizeRecord({ ttl: desiredZone.defaults?.ttl ?? file.defaults?.ttl ?? 1, proxied: desiredZone.defaults?.proxied ?? file.defaults?.proxied ?? false, ...r, name: expandName(r.name, zone) }, zone),
    );
    const plan = planZone(live, desired, prune);
    // The SDK's per-type create/update bodies are unions; the record is built for its type.
    for (const r of plan.deletes) await cf.dns.records.delete(r.id, { zone_id });
    for (const r of plan.creates) await cf.dns.records.create({ zone_id, ...body(r) } as Parameters<typeof cf.dns.records.create>[0]);
    for (const u of plan.updates) await cf.dns.records.edit(u.id, { zone_id, ...body(u.record) } as Parameters<typeof cf.dns.records.edit>[1]);
    counts.creates += plan.creates.length;
    counts.updates += plan.updates.length;
    counts.deletes += plan.deletes.length;
  }
  return counts;
}
