/**
 * Zones and DNS records of a connected account, live from Cloudflare (nothing is cached in the
 * table). Every call goes through withCloudflare (client.ts): account lookup in `actor.tenant`
 * (another user's id → 404), error mapping, needs-attention flagging.
 *
 *   listZones(ports, actor, accountId, { search?, page, perPage }) -> ZonePage
 *   listRecords(ports, actor, accountId, zoneId, { name?, type?, content?, proxied?, page, perPage }) -> RecordPage
 *   createRecord / updateRecord / deleteRecord(ports, actor, accountId, zoneId, …)
 *   exportZone(ports, actor, accountId, zoneId) -> { zoneName, bind }
 *
 * Every request takes a slot of the token's shared limiter first (client.ts interactiveClient),
 * like the bulk jobs: a user editing while a job runs cannot trip Cloudflare's 5-minute block.
 *
 * Filters: `name` and `content` match as "contains" (case-insensitive, Cloudflare's
 * `name.contains` / `content.contains`), `type` and `proxied` exactly; several filters are ANDed.
 * Zone search: `name=contains:<search>`. `batchLimit`: 200 on Free zones, 3,500 on paid plans.
 */
import type { Actor } from '../tenancy/actor';
import { DomainError } from '../errors';
import { withCloudflare, type Cloudflare, type CloudflarePorts } from './client';
import { batchLimitFor, type ZonePlan } from './plans';
import { assertCan } from '../workspaces/permissions';

export interface ZoneView {
  id: string;
  name: string;
  status: string;
  paused: boolean;
  plan: string;
  batchLimit: number;
}

export interface RecordView {
  id: string;
  type: string;
  name: string;
  content: string;
  ttl: number;
  proxied: boolean;
  proxiable: boolean;
  priority?: number;
  comment?: string | null;
  modifiedOn?: string;
}

export interface PageInfo {
  page: number;
  perPage: number;
  totalCount: number;
  totalPages: number;
}

interface CfZoneLike {
  id: string;
  name: string;
  status?: string;
  paused?: boolean;
  plan?: ZonePlan;
}

export function zoneView(z: CfZoneLike): ZoneView {
  return {
    id: z.id,
    name: z.name,
    status: z.status ?? 'unknown',
    paused: z.paused ?? false,
    plan: z.plan?.legacy_id ?? z.plan?.name ?? 'unknown',
    batchLimit: batchLimitFor(z.plan),
  };
}

interface CfRecordLike {
  id: string;
  type: string;
  name: string;
  content?: string;
  ttl: number;
  proxied?: boolean;
  proxiable?: boolean;
  priority?: number;
  comment?: string | null;
  modified_on?: string;
  data?: Record<string, unknown>;
}

export function recordView(r: CfRecordLike): RecordView {
  return {
    id: r.id,
    type: r.type,
    name: r.name,
    content: r.content ?? '',
    ttl: r.ttl,
    proxied: r.proxied ?? false,
    proxiable: r.proxiable ?? false,
    ...(typeof r.priority === 'number' ? { priority: r.priority } : {}),
    comment: r.comment ?? null,
    ...(r.modified_on ? { modifiedOn: r.modified_on } : {}),
  };
}

function pageInfo(info: { page?: number; per_page?: number; count?: number; total_count?: number; total_pages?: number } | undefined, page: number, perPage: number): PageInfo {
  return {
    page: info?.page ?? page,
    perPage: info?.per_page ?? perPage,
    totalCount: info?.total_count ?? 0,
    totalPages: info?.total_pages ?? 0,
  };
}

export interface ZoneQuery {
  readonly search?: string;
  readonly page: number;
  readonly perPage: number;
}

export async function listZones(ports: CloudflarePorts, actor: Actor, accountId: string, q: ZoneQuery): Promise<{ zones: ZoneView[] } & PageInfo> {
  assertCan(actor, 'cloudflare.accounts.read');
  return withCloudflare(ports, actor.tenant, accountId, { accountId }, async (cf) => {
    const res = await cf.zones.list({
      page: q.page,
      per_page: q.perPage,
      ...(q.search ? { name: `contains:${q.search}` } : {}),
      order: 'name',
      direction: 'asc',
    });
    return { zones: res.result.map((z) => zoneView(z as CfZoneLike)), ...pageInfo(res.result_info, q.page, q.perPage) };
  });
}

export interface RecordQuery {
  readonly name?: string;
  readonly type?: string;
  readonly content?: string;
  readonly proxied?: boolean;
  readonly page: number;
  readonly perPage: number;
}

export async function listRecords(
  ports: CloudflarePorts,
  actor: Actor,
  accountId: string,
  zoneId: string,
  q: RecordQuery,
): Promise<{ records: RecordView[] } & PageInfo> {
  assertCan(actor, 'dns.read');
  return withCloudflare(ports, actor.tenant, accountId, { accountId, zoneId }, async (cf) => {
    const res = await cf.dns.records.list({
      zone_id: zoneId,
      page: q.page,
      per_page: q.perPage,
      ...(q.name ? { name: { contains: q.name } } : {}),
      ...(q.content ? { content: { contains: q.content } } : {}),
      ...(q.type ? { type: q.type as 'A' } : {}),
      ...(q.proxied !== undefined ? { proxied: q.proxied } : {}),
      match: 'all',
      order: 'name',
      direction: 'asc',
    });
    return { records: res.result.map((r) => recordView(r as CfRecordLike)), ...pageInfo(res.result_info, q.page, q.perPage) };
  });
}

export interface RecordInput {
  type?: string;
  name?: string;
  content?: string;
  ttl?: number;
  proxied?: boolean;
  priority?: number;
  comment?: string;
}

/** SRV and CAA take structured `data` at Cloudflare; accept the zone-file text form and convert. */
function toCloudflareBody(input: RecordInput): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (v !== undefined) body[k] = v;
  const content = input.content?.trim();
  if (input.type === 'SRV' && content !== undefined) {
    const parts = content.split(/\s+/);
    let data: Record<string, unknown> | undefined;
    if (parts.length === 3) data = { priority: input.priority ?? 0, weight: Number(parts[0]), port: Number(parts[1]), target: parts[2] };
    else if (parts.length === 4) data = { priority: Number(parts[0]), weight: Number(parts[1]), port: Number(parts[2]), target: parts[3] };
    if (!data || [data.priority, data.weight, data.port].some((n) => !Number.isInteger(n))) {
      throw new DomainError('invalid', 'SRV content must be "[priority] weight port target".', {
        fields: [{ in: 'body', field: 'content', message: 'SRV content must be "[priority] weight port target"' }],
      });
    }
    delete body.content;
    delete body.priority;
    body.data = data;
  }
  if (input.type === 'CAA' && content !== undefined) {
    const m = /^(\d{1,3})\s+(issue|issuewild|iodef)\s+"?(.*?)"?$/.exec(content);
    if (!m) {
      throw new DomainError('invalid', 'CAA content must be \'flags tag "value"\', e.g. 0 issue "letsencrypt.org".', {
        fields: [{ in: 'body', field: 'content', message: 'CAA content must be: flags tag "value"' }],
      });
    }
    delete body.content;
    body.data = { flags: Number(m[1]), tag: m[2], value: m[3] };
  }
  return body;
}

type EditParams = Parameters<Cloudflare['dns']['records']['edit']>[1];
type CreateParams = Parameters<Cloudflare['dns']['records']['create']>[0];

export async function createRecord(
  ports: CloudflarePorts,
  actor: Actor,
  accountId: string,
  zoneId: string,
  input: RecordInput & { type: string; name: string; content: string },
): Promise<RecordView> {
  assertCan(actor, 'dns.write');
  return withCloudflare(ports, actor.tenant, accountId, { accountId, zoneId, recordName: input.name }, async (cf) => {
    const rec = await cf.dns.records.create({ zone_id: zoneId, ...toCloudflareBody(input) } as CreateParams);
    return recordView(rec as CfRecordLike);
  });
}

export async function updateRecord(
  ports: CloudflarePorts,
  actor: Actor,
  accountId: string,
  zoneId: string,
  recordId: string,
  patch: RecordInput,
): Promise<RecordView> {
  assertCan(actor, 'dns.write');
  return withCloudflare(ports, actor.tenant, accountId, { accountId, zoneId, recordId, recordName: patch.name }, async (cf) => {
    let body = patch;
    // SRV/CAA content needs the record's type to be converted to `data`.
    if (patch.content !== undefined && patch.type === undefined) {
      const current = await cf.dns.records.get(recordId, { zone_id: zoneId });
      if (current.type === 'SRV' || current.type === 'CAA') body = { ...patch, type: current.type };
    }
    const rec = await cf.dns.records.edit(recordId, { zone_id: zoneId, ...toCloudflareBody(body) } as EditParams);
    return recordView(rec as CfRecordLike);
  });
}

export async function deleteRecord(ports: CloudflarePorts, actor: Actor, accountId: string, zoneId: string, recordId: string): Promise<void> {
  assertCan(actor, 'dns.write');
  await withCloudflare(ports, actor.tenant, accountId, { accountId, zoneId, recordId }, async (cf) => {
    await cf.dns.records.delete(recordId, { zone_id: zoneId });
  });
}

export async function exportZone(ports: CloudflarePorts, actor: Actor, accountId: string, zoneId: string): Promise<{ zoneName: string; bind: string }> {
  assertCan(actor, 'dns.read');
  return withCloudflare(ports, actor.tenant, accountId, { accountId, zoneId }, async (cf) => {
    const zone = await cf.zones.get({ zone_id: zoneId });
    const bind = await cf.dns.records.export({ zone_id: zoneId });
    return { zoneName: zone.name, bind: typeof bind === 'string' ? bind : String(bind) };
  });
}
