/**
 * Zones as code (`dns-sync`, issue 18): the exact diff that makes a zone match its desired records
 * within the managed names. Pure; the semantics are the header of contracts/dns-sync.ts:
 *
 * - `desiredRecords` (request side, once per zone): the file's records with their defaults (record >
 *   zone > file > ttl 1 / proxied false), normalised as Cloudflare stores them (records.ts: TXT quoted
 *   in 255-byte strings, SRV/CAA `data`, proxied TTL 1), each inside the managed names and none twice
 *   (same identity) — else 400 naming `params.zones.<zone>.records.<i>[.name]`.
 * - `planSync` (worker side, one zone): per name and type, live and desired records pair by identity
 *   first (same type, name, content, priority: no item when every attribute matches, else an update),
 *   then in content order (updates); extra desired → create; extra live → delete with `prune`, else a
 *   skipped item "not in the file". Read-only records and types a file cannot hold are never touched.
 *   Creates and updates Cloudflare would refuse where they land (record-rules.ts, checked against the
 *   zone as it will be once the plan is applied) are skipped with the reason, as dns-create does.
 */
import type { z } from 'zod';
import { DNS_TYPES } from '../contracts/cloudflare';
import type { DnsSyncParams, ManagedNames } from '../contracts/dns-sync';
import type { CfZone } from '../cloudflare/bulk-client';
import { globMatches } from '../cloudflare/record-match';
import { ZoneLayout } from '../cloudflare/record-rules';
import { comparableContent, identity, lite, normalizeRecord, relativeName, sameRecord, type LiveRecord, type RecordLite } from '../cloudflare/records';
import type { FieldIssue } from '../contracts/problem';
import { invalid } from '../errors';
import { item, READ_ONLY, type ZonePlanItem } from './planner';

type SyncParams = z.output<typeof DnsSyncParams>;
export type Managed = z.output<typeof ManagedNames>;

/** One zone of a dns-sync request as the planner reads it (its request pages). */
export interface SyncZone {
  manage: Managed;
  /** The desired records, normalised (full names). */
  records: RecordLite[];
}

/** Skip reasons a dns-sync plan shows. */
export const NOT_IN_FILE = 'not in the file (plan with prune to delete it)';
const FILE_TYPES: ReadonlySet<string> = new Set(DNS_TYPES);

/** Whether a relative name (`@` the apex) is managed: it matches an include glob and no exclude glob. */
export function isManaged(relative: string, m: Managed): boolean {
  const hit = (globs: readonly string[]) => globs.some((g) => globMatches(g, relative));
  return hit(m.include) && !hit(m.exclude);
}

/** Every zone's desired records (file order), or a 400 naming each offending record (at most 20). */
export function desiredZones(params: SyncParams): Array<{ name: string } & SyncZone> {
  const fields: FieldIssue[] = [];
  const zones = Object.entries(params.zones).map(([zoneName, zone]) => {
    const seen = new Map<string, number>();
    const records = zone.records.map((r, i) => {
      const at = `params.zones.${zoneName}.records.${i}`;
      const rec = normalizeRecord(
        {
          type: r.type,
          name: r.name,
          content: r.content,
          ttl: r.ttl ?? zone.defaults?.ttl ?? params.defaults?.ttl ?? 1,
          proxied: r.proxied ?? zone.defaults?.proxied ?? params.defaults?.proxied ?? false,
          ...(r.priority !== undefined ? { priority: r.priority } : {}),
          ...(r.comment ? { comment: r.comment } : {}),
          ...(r.tags?.length ? { tags: r.tags } : {}),
          ...(r.settings ? { settings: r.settings } : {}),
        },
        zoneName,
      );
      const relative = relativeName(rec.name, zoneName);
      if (!isManaged(relative, zone.manage)) fields.push({ in: 'body', field: `${at}.name`, message: `${relative} is outside the names this zone manages (manage.include / manage.exclude)` });
      const twin = seen.get(identity(rec));
      if (twin !== undefined) fields.push({ in: 'body', field: at, message: `the same record as records.${twin} (name, type, content${rec.priority !== undefined ? ', priority' : ''})` });
      else seen.set(identity(rec), i);
      return rec;
    });
    return { name: zoneName, manage: zone.manage, records };
  });
  if (fields.length) throw invalid(`${fields.length} record(s) of the file cannot be planned`, fields.slice(0, 20));
  return zones;
}

const groupKey = (r: Pick<RecordLite, 'type' | 'name'>) => `${r.type}\u0000${r.name}`;

/** Records in content order (stable), each content computed once (a TXT's is parsed from its quoted strings). */
function sortedByContent<T extends RecordLite>(records: readonly T[]): T[] {
  const keyed = records.map((r) => ({ r, key: comparableContent(r) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.r);
}

function group<T extends RecordLite>(records: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of records) {
    const key = groupKey(r);
    const list = out.get(key);
    if (list) list.push(r);
    else out.set(key, [r]);
  }
  return out;
}

interface Pairing {
  updates: Array<{ live: LiveRecord; want: RecordLite }>;
  creates: RecordLite[];
  extra: LiveRecord[];
}

/** Pair one name and type: identity first, then content order among the rest (read-only records only by identity). */
function pairGroup(live: readonly LiveRecord[], want: readonly RecordLite[], out: Pairing): void {
  // Live records by identity, each identity's in live order: a desired record takes the first one not yet taken.
  const byIdentity = new Map<string, LiveRecord[]>();
  for (const l of live) {
    const same = byIdentity.get(identity(l));
    if (same) same.push(l);
    else byIdentity.set(identity(l), [l]);
  }
  const taken = new Set<LiveRecord>();
  const unpairedWant: RecordLite[] = [];
  for (const w of want) {
    const l = byIdentity.get(identity(w))?.shift();
    if (!l) {
      unpairedWant.push(w);
      continue;
    }
    taken.add(l);
    if (!sameRecord(l, w)) out.updates.push({ live: l, want: w });
  }
  const left = live.filter((l) => !taken.has(l));
  const writable = sortedByContent(left.filter((l) => !l.readOnly));
  const unpaired = sortedByContent(unpairedWant);
  const n = Math.min(writable.length, unpaired.length);
  for (let i = 0; i < n; i++) out.updates.push({ live: writable[i]!, want: unpaired[i]! });
  out.creates.push(...unpaired.slice(n));
  out.extra.push(...left.filter((l) => l.readOnly), ...writable.slice(n));
}

/** One zone's plan: deletes, then updates, then creates (Cloudflare's own order inside a batch), then the skips. */
export function planSync(zone: CfZone, live: readonly LiveRecord[], desired: SyncZone, prune: boolean): ZonePlanItem[] {
  const inScope = (r: RecordLite) => FILE_TYPES.has(r.type) && isManaged(relativeName(r.name, zone.name), desired.manage);
  const managed = live.filter(inScope);
  const liveGroups = group(managed);
  const wantGroups = group(desired.records);
  const p: Pairing = { updates: [], creates: [], extra: [] };
  for (const key of new Set([...wantGroups.keys(), ...liveGroups.keys()])) pairGroup(liveGroups.get(key) ?? [], wantGroups.get(key) ?? [], p);

  const deletes = p.extra.filter((r) => prune && !r.readOnly);
  const kept = p.extra.filter((r) => !(prune && !r.readOnly));
  const changing = new Set([...deletes, ...p.updates.map((u) => u.live)].map((r) => r.id));
  // The zone as it will be: what stays, then each update and create checked before it is added.
  const layout = new ZoneLayout(zone.name, live.filter((r) => !changing.has(r.id)));
  const items: ZonePlanItem[] = deletes.map((r) => item(zone.id, 'delete', r.id, lite(r), null));
  const skips: ZonePlanItem[] = kept.map((r) => item(zone.id, 'delete', r.id, lite(r), null, r.readOnly ? READ_ONLY : NOT_IN_FILE));
  for (const { live: l, want } of p.updates) {
    const why = l.readOnly ? READ_ONLY : layout.problem(want);
    if (why) {
      layout.add(l);
      skips.push(item(zone.id, 'update', l.id, lite(l), want, why));
      continue;
    }
    layout.add(want);
    items.push(item(zone.id, 'update', l.id, lite(l), want));
  }
  for (const want of p.creates) {
    const why = layout.problem(want);
    if (why) {
      skips.push(item(zone.id, 'create', null, null, want, why));
      continue;
    }
    layout.add(want);
    items.push(item(zone.id, 'create', null, null, want));
  }
  return [...items, ...skips];
}
