/**
 * Planning: the exact per-zone diff from current state. Pure functions (no
 * I/O): the engine reads zones/records/settings and hands them in.
 *
 * Safety share (octoDNS-style): (updates + deletes) / records in the zone.
 * Creates do not count (adding records to an empty zone is not dangerous).
 */
import type { z } from 'zod';
import type { CreateJobInput, DnsReplaceParams } from '../contracts/jobs';
import { invalid } from '../errors';
import type { CfZone } from '../cloudflare/bulk-client';
import { PAGE_BYTES, PAGE_SIZE, type ItemAction, type JobKind, type PlanItem, type RecordLite, type ZoneSummary } from './model';
import { parseBindTemplate, parseCsv } from './parse';
import {
  comparableContent,
  expandName,
  fingerprintRecords,
  fingerprintValues,
  identity,
  lite,
  normalizeRecord,
  PROXIABLE,
  sameRecord,
  type LiveRecord,
} from '../cloudflare/records';
import { recordMatches, type RecordMatch, type TextMatch } from '../cloudflare/record-match';
import { ZoneLayout } from '../cloudflare/record-rules';
import { storedQuota } from './quota';

export type ZonePlanItem = Omit<PlanItem, 'seq'>;

export interface ZonePlan {
  zone: CfZone;
  items: ZonePlanItem[];
  recordsInZone: number;
  fingerprint: string;
}

/** A kind with its params as the contract parses them (defaults applied): what a plan is computed from. */
export type JobRequest = CreateJobInput extends infer U ? (U extends { kind: infer K; params: infer P } ? { kind: K; params: P } : never) : never;

/** Which current state a kind needs. */
export function stateNeeded(kind: JobKind): 'records' | 'settings' | 'none' {
  if (kind === 'zone-settings') return 'settings';
  if (kind === 'cache-purge') return 'none';
  return 'records';
}

/** Skip reason of a matched record Cloudflare will not let anyone change or delete (`meta.read_only`). */
export const READ_ONLY = 'read-only';

/** One plan item of a zone (before/after as stored; `skip` the reason it will not be applied). */
export function item(zoneId: string, action: ItemAction, recordId: string | null, before: unknown, after: unknown, skip?: string): ZonePlanItem {
  return {
    zoneId,
    action,
    recordId,
    before: (before ?? null) as Record<string, unknown> | null,
    after: (after ?? null) as Record<string, unknown> | null,
    ...(skip ? { skip } : {}),
  };
}

function planReplace(zone: CfZone, records: readonly LiveRecord[], p: z.output<typeof DnsReplaceParams>): ZonePlanItem[] {
  const out: ZonePlanItem[] = [];
  const live = records.map((r) => ({ r, id: identity(r) }));
  const taken = new Set(live.map((x) => x.id));
  const layout = new ZoneLayout(zone.name, records);
  for (const r of records) {
    if (!recordMatches(p.match, r, zone.name)) continue;
    if (r.readOnly) {
      out.push(item(zone.id, 'update', r.id, lite(r), null, READ_ONLY));
      continue;
    }
    const after: RecordLite = lite(r);
    if (p.set.content !== undefined) {
      delete after.data; // SRV/CAA: the new content is parsed into data again (normalizeRecord)
      const cm: TextMatch | undefined = p.match.content;
      if (cm && cm.mode === 'contains') {
        // An escaped literal (no quantifiers, so linear); a replacer function keeps `$&`, `$1` literal too.
        const re = new RegExp(cm.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
        const replacement = p.set.content;
        // TXT: replaced in the value, so a match across Cloudflare's 255-byte split still counts.
        const base = re.test(comparableContent(r)) ? comparableContent(r) : r.content;
        re.lastIndex = 0;
        after.content = base.replace(re, () => replacement);
      } else after.content = p.set.content;
    }
    if (p.set.ttl !== undefined) after.ttl = p.set.ttl;
    if (p.set.proxied !== undefined) after.proxied = p.set.proxied;
    if (after.proxied && !PROXIABLE.has(r.type)) {
      out.push(item(zone.id, 'update', r.id, lite(r), null, `${r.type} records cannot be proxied`));
      continue;
    }
    const norm = normalizeRecord(after, zone.name);
    // Content not asked for stays as stored (a TTL change does not re-quote a TXT record).
    if (p.set.content === undefined) norm.content = r.content;
    if (sameRecord(norm, r)) {
      out.push(item(zone.id, 'update', r.id, lite(r), norm, 'already in the target state'));
      continue;
    }
    const nid = identity(norm);
    if (nid !== identity(r) && taken.has(nid)) {
      out.push(item(zone.id, 'update', r.id, lite(r), norm, 'an identical record already exists'));
      continue;
    }
    // A record that fits where it is but would not after the change (a CNAME beside an MX losing its
    // proxy, say) is what Cloudflare refuses: planned as a skip with the reason, not a failed chunk.
    const misplaced = layout.problem(r, r) ? undefined : layout.problem(norm, r);
    if (misplaced) {
      out.push(item(zone.id, 'update', r.id, lite(r), norm, misplaced));
      continue;
    }
    taken.add(nid);
    out.push(item(zone.id, 'update', r.id, lite(r), norm));
  }
  return out;
}

function planCreate(zone: CfZone, records: readonly LiveRecord[], wanted: readonly RecordLite[]): ZonePlanItem[] {
  const out: ZonePlanItem[] = [];
  const byIdentity = new Map(records.map((r) => [identity(r), r]));
  const layout = new ZoneLayout(zone.name, records);
  for (const w of wanted) {
    const r = normalizeRecord({ ...w, name: expandName(w.name, zone.name) }, zone.name);
    const existing = byIdentity.get(identity(r));
    if (existing) {
      // Attributes the import does not name (comment, tags, settings) do not make it another record.
      const asked = { ...r, comment: r.comment ?? existing.comment, tags: r.tags ?? existing.tags, settings: r.settings ?? existing.settings };
      out.push(item(zone.id, 'create', null, lite(existing), r, sameRecord(existing, asked) ? 'already exists' : 'exists with other ttl/proxied/attributes (use dns-replace)'));
      continue;
    }
    const misplaced = layout.problem(r);
    if (misplaced) {
      out.push(item(zone.id, 'create', null, null, r, misplaced));
      continue;
    }
    byIdentity.set(identity(r), { ...r, id: '' });
    layout.add(r);
    out.push(item(zone.id, 'create', null, null, r));
  }
  return out;
}

function planDelete(zone: CfZone, records: readonly LiveRecord[], match: RecordMatch): ZonePlanItem[] {
  return records
    .filter((r) => recordMatches(match, r, zone.name))
    .map((r) => item(zone.id, 'delete', r.id, lite(r), null, r.readOnly ? READ_ONLY : undefined));
}

function planSettings(zone: CfZone, current: Record<string, unknown>, wanted: Record<string, unknown>): ZonePlanItem[] {
  return Object.entries(wanted)
    .filter(([, v]) => v !== undefined)
    .map(([id, value]) =>
      item(zone.id, 'setting', id, { value: current[id] ?? null }, { value }, current[id] === value ? 'already set' : undefined),
    );
}

/** Names the file's MX records point at, in template form (`mail.{zone}`): hosts that receive mail. */
function mailHosts(records: readonly RecordLite[]): Set<string> {
  return new Set(records.filter((r) => r.type === 'MX').map((r) => r.content.toLowerCase()));
}

/**
 * The import's global `proxied` flag, for a record without its own `cf-proxied` tag: only A/AAAA/CNAME,
 * and never a mail host (Cloudflare does not proxy SMTP; "If an A or AAAA record is used … for email …,
 * it should also be set to DNS-only", docs/cloudflare-sandbox.md).
 */
function globallyProxied(r: RecordLite, proxied: boolean, mail: ReadonlySet<string>): boolean {
  return proxied && PROXIABLE.has(r.type) && !mail.has(expandName(r.name, '{zone}'));
}

/** Records a create-like kind asks for (CSV and BIND parsed once for all zones). */
export function wantedRecords(req: JobRequest): RecordLite[] {
  if (req.kind === 'dns-create') {
    const { csv, records = [] } = req.params;
    if (typeof csv === 'string') return parseCsv(csv);
    return records.map((r) => ({ ...r, ttl: r.ttl ?? 1, proxied: r.proxied ?? false }));
  }
  if (req.kind === 'bind-import') {
    const { records } = parseBindTemplate(String(req.params.bind));
    if (records.length === 0) throw invalid('The BIND file contains no importable records', [{ in: 'body', field: 'params.bind', message: 'no records' }]);
    const mail = mailHosts(records);
    return records.map(({ proxiedByTag, ...r }) => ({ ...r, proxied: proxiedByTag ? r.proxied : globallyProxied(r, !!req.params.proxied, mail) }));
  }
  return [];
}

/**
 * What the job item keeps of a request: never the record list, CSV or BIND file (their parsed
 * records are the plan items, stored in pages), so the job item stays small whatever was sent.
 */
export function paramsToStore(req: JobRequest, wanted: readonly RecordLite[]): Record<string, unknown> {
  if (req.kind === 'dns-create') return { source: typeof req.params.csv === 'string' ? 'csv' : 'records', records: wanted.length };
  if (req.kind === 'bind-import') return { source: 'bind', proxied: !!req.params.proxied, records: wanted.length };
  return req.params;
}

/** Items in order, cut into pages of at most PAGE_BYTES of JSON (and `maxItems`) each; none for no items. */
export function byteSizedPages<T>(items: readonly T[], maxItems = Infinity): T[][] {
  const pages: T[][] = [];
  let page: T[] = [];
  let bytes = 0;
  for (const it of items) {
    const size = Buffer.byteLength(JSON.stringify(it));
    if (page.length > 0 && (page.length === maxItems || bytes + size > PAGE_BYTES)) {
      pages.push(page);
      page = [];
      bytes = 0;
    }
    page.push(it);
    bytes += size;
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

/** A chunk's items split into plan pages: at most PAGE_SIZE items and PAGE_BYTES of JSON each. */
export const planPages = (items: readonly PlanItem[]): PlanItem[][] => byteSizedPages(items, PAGE_SIZE);

export interface ZoneState {
  records?: LiveRecord[];
  settings?: Record<string, unknown>;
}

export function planZone(req: JobRequest, zone: CfZone, state: ZoneState, wanted: RecordLite[]): ZonePlan {
  const records = state.records ?? [];
  const kind: JobKind = req.kind;
  let items: ZonePlanItem[];
  let fingerprint = '';
  switch (req.kind) {
    case 'dns-replace':
      items = planReplace(zone, records, req.params);
      break;
    case 'dns-create':
    case 'bind-import':
      items = planCreate(zone, records, wanted);
      break;
    case 'dns-delete':
      items = planDelete(zone, records, req.params.match);
      break;
    case 'zone-settings': {
      const wantedSettings: Record<string, unknown> = req.params.settings;
      items = planSettings(zone, state.settings ?? {}, wantedSettings);
      fingerprint = fingerprintValues(Object.fromEntries(Object.keys(wantedSettings).map((k) => [k, state.settings?.[k] ?? null])));
      break;
    }
    case 'cache-purge':
      items = [item(zone.id, 'purge', null, null, req.params)];
      break;
    default:
      throw invalid(`job kind ${kind} cannot be planned directly`);
  }
  if (stateNeeded(kind) === 'records') fingerprint = fingerprintRecords(records);
  return { zone, items, recordsInZone: records.length, fingerprint };
}

export function summarize(zp: ZonePlan, threshold: number): ZoneSummary {
  const live = zp.items.filter((i) => !i.skip);
  const count = (a: ItemAction) => live.filter((i) => i.action === a).length;
  const updates = count('update');
  const deletes = count('delete');
  const share = zp.recordsInZone > 0 ? (updates + deletes) / zp.recordsInZone : 0;
  return {
    zoneId: zp.zone.id,
    zoneName: zp.zone.name,
    plan: zp.zone.plan,
    batchLimit: zp.zone.batchLimit,
    creates: count('create'),
    updates,
    deletes,
    other: count('setting') + count('purge'),
    skipped: zp.items.length - live.length,
    recordsInZone: zp.recordsInZone,
    share: Math.round(share * 10_000) / 10_000,
    overThreshold: share > threshold,
    fingerprint: zp.fingerprint,
    ...storedQuota(zp),
  };
}

/** Chunk size for a zone: one Cloudflare batch (DNS), one request per zone otherwise. */
export function chunkSizeFor(kind: JobKind, zone: { batchLimit: number }): number {
  return stateNeeded(kind) === 'records' ? zone.batchLimit : Number.MAX_SAFE_INTEGER;
}

/**
 * The inverse of applied changes (revert). `created` maps seq → id of the
 * record the job created. Settings go back to their previous value; purges
 * cannot be undone and are left out.
 */
export function inverseItem(it: PlanItem, createdId: string | undefined): ZonePlanItem | undefined {
  switch (it.action) {
    case 'create':
      if (it.skip || !createdId) return undefined;
      return item(it.zoneId, 'delete', createdId, it.after, null);
    case 'delete':
      return item(it.zoneId, 'create', null, null, it.before);
    case 'update':
      return item(it.zoneId, 'update', it.recordId, it.after, it.before);
    case 'setting':
      return item(it.zoneId, 'setting', it.recordId, it.after, it.before);
    default:
      return undefined;
  }
}
