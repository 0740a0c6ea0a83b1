/**
 * Zones as code, export side (GET …/zones/{zoneId}/state, `flarevault dns export --format yaml`): a
 * zone's live records in the desired-state file's shape (contracts/dns-sync.ts), written so that
 * planning the file against the same zone gives zero changes — names relative (`@` the apex), TXT as
 * its value (Cloudflare's quotes and 255-byte split removed: the planner quotes it again), SRV as
 * `priority weight port target` and CAA as `flags tag "value"` (from `data`), MX priority, explicit
 * ttl and proxied, comment / tags / settings when set. Records Cloudflare does not let anyone change
 * (`meta.read_only`) and types a file cannot hold are left out and counted: plans never touch them.
 */
import type { z } from 'zod';
import { DNS_TYPES } from '../contracts/cloudflare';
import type { DesiredRecord, ZoneStateExport as ZoneStateExportSchema } from '../contracts/dns-sync';
import type { Actor } from '../tenancy/actor';
import { assertCan } from '../workspaces/permissions';
import { withCloudflare, type CloudflarePorts } from './client';
import { liveFromApi, PROXIABLE, relativeName, type LiveRecord } from './records';
import { isQuotedTxt, txtContent, txtValue } from './txt';

export type ZoneStateExport = z.output<typeof ZoneStateExportSchema>;
type FileRecord = z.input<typeof DesiredRecord>;

/** Per-record settings a file can hold (the contract's strict `settings`). */
const FILE_SETTINGS = ['flatten_cname', 'ipv4_only', 'ipv6_only'] as const;
const FILE_TYPES: ReadonlySet<string> = new Set(DNS_TYPES);

/** The content a file writes for a record (what `normalizeRecord` turns back into the same record). */
function fileContent(r: LiveRecord): string {
  if (r.type === 'TXT') {
    // The value, unless the file could not carry it as is (empty, blanks at its ends — the contract trims —,
    // or itself written like quoted strings): then Cloudflare's quoted form, which plans the same.
    const value = txtValue(r.content);
    return value === '' || value !== value.trim() || isQuotedTxt(value) ? txtContent(r.content) : value;
  }
  if (r.type === 'SRV' && r.data) return `${r.data.priority} ${r.data.weight} ${r.data.port} ${r.data.target}`;
  if (r.type === 'CAA' && r.data) return `${r.data.flags} ${r.data.tag} "${r.data.value}"`;
  return r.content;
}

export function fileRecord(r: LiveRecord, zoneName: string): FileRecord {
  const out: FileRecord = { name: relativeName(r.name, zoneName), type: r.type as FileRecord['type'], content: fileContent(r), ttl: r.ttl };
  if (PROXIABLE.has(r.type)) out.proxied = r.proxied;
  if (r.priority !== undefined && r.type !== 'SRV') out.priority = r.priority;
  if (r.comment) out.comment = r.comment;
  if (r.tags?.length) out.tags = [...r.tags].sort();
  const settings = FILE_SETTINGS.filter((k) => r.settings?.[k] === true);
  if (settings.length) out.settings = Object.fromEntries(settings.map((k) => [k, true]));
  return out;
}

const order = (a: FileRecord, b: FileRecord) => {
  const ka = [a.name === '@' ? '' : a.name, a.type, a.content].join('\u0000');
  const kb = [b.name === '@' ? '' : b.name, b.type, b.content].join('\u0000');
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/** The zone's records as a desired state (apex first, then by name, type, content). */
export function zoneStateOf(zoneName: string, records: readonly LiveRecord[]): ZoneStateExport {
  const kept = records.filter((r) => !r.readOnly && FILE_TYPES.has(r.type));
  return {
    zone: zoneName,
    state: { manage: { include: ['*', '@'], exclude: [] }, records: kept.map((r) => fileRecord(r, zoneName)).sort(order) } as ZoneStateExport['state'],
    readOnlyRecords: records.filter((r) => r.readOnly).length,
    unsupportedRecords: records.filter((r) => !r.readOnly && !FILE_TYPES.has(r.type)).length,
  };
}

/** Every record of the zone (all pages, 5,000 a page), exported. */
export async function exportZoneState(ports: CloudflarePorts, actor: Actor, accountId: string, zoneId: string): Promise<ZoneStateExport> {
  assertCan(actor, 'dns.read');
  return withCloudflare(ports, actor.tenant, accountId, { accountId, zoneId }, async (cf) => {
    const zone = await cf.zones.get({ zone_id: zoneId });
    const records: LiveRecord[] = [];
    for await (const r of cf.dns.records.list({ zone_id: zoneId, per_page: 5000 })) records.push(liveFromApi(r as unknown as Record<string, unknown>));
    return zoneStateOf(zone.name, records);
  });
}
