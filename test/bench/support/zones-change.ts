/**
 * The CLI bench's change, built from the zones as the sandbox holds them: each zone written as a
 * zones file would — as `dns export --format yaml` writes it (functions/cloudflare/zone-state.ts
 * fileRecord) — then edited (test/support/zones-edit.ts). Updates + deletes
 * stay under the default safety threshold (0.3 of a zone's records).
 */
import type { SandboxSnapshot } from '../../../lib/local/cloudflare';
import type { ZonesFileInput } from '../../../functions/contracts/dns-sync';
import { comparableContent, identity, liveFromApi, normalizeRecord, type RecordLite } from '../../../functions/cloudflare/records';
import { fileRecord } from '../../../functions/cloudflare/zone-state';
import { editZone, type ZoneEdit } from '../../support/zones-edit';

export const EDIT: ZoneEdit = { updates: 15, deletes: 10, creates: 25 };

export interface ZonesChange {
  file: ZonesFileInput;
  /** Per zone name, the records it must end with (zoneDigest form). */
  expected: Map<string, string[]>;
  changes: { creates: number; updates: number; deletes: number };
}

/** A zone's records in one comparable form (TXT by value, whatever quoting Cloudflare keeps), sorted. */
export function zoneDigest(records: readonly RecordLite[], zone: string): string[] {
  return records.map((r) => normalizeRecord(r, zone)).map((r) => `${identity(r)}|${r.ttl}|${r.proxied}`).sort();
}

/** The change across `zones` (names) of the snapshot, for the flarevault account `account`. */
export function buildZonesChange(snapshot: SandboxSnapshot, zones: readonly string[], account: string): ZonesChange {
  const file: ZonesFileInput = { version: 1, account, zones: {} };
  const expected = new Map<string, string[]>();
  for (const name of zones) {
    const zs = snapshot.zones.find((z) => z.zone.name === name);
    if (!zs) throw new Error(`zone ${name} is not in the sandbox`);
    const records = editZone(
      zs.records.map((r) => fileRecord(liveFromApi(r as unknown as Record<string, unknown>), name)),
      EDIT,
    );
    file.zones[name] = { records };
    expected.set(name, zoneDigest(records.map((r) => ({ ttl: 1, proxied: false, ...r })), name));
  }
  const n = zones.length;
  return { file, expected, changes: { creates: EDIT.creates * n, updates: EDIT.updates * n, deletes: EDIT.deletes * n } };
}

/** Zones of the snapshot whose records differ from `expected` (empty: the change is fully made). */
export function zonesOff(snapshot: SandboxSnapshot, expected: Map<string, string[]>): string[] {
  const off: string[] = [];
  for (const [name, want] of expected) {
    const zs = snapshot.zones.find((z) => z.zone.name === name);
    const got = zs ? zoneDigest(zs.records.map((r) => liveFromApi(r as unknown as Record<string, unknown>)), name) : [];
    if (JSON.stringify(got) !== JSON.stringify(want)) off.push(name);
  }
  return off;
}

/** For the peers: whether a live record already says what a desired one says (content compared as everywhere). */
export const sameContent = (a: RecordLite, b: RecordLite) => a.type === b.type && a.name === b.name && comparableContent(a) === comparableContent(b) && (a.priority ?? null) === (b.priority ?? null);
