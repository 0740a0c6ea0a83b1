/**
 * Zones as code (issue 18): the desired-state file the CLI reads (`flarevault dns plan zones.yaml`)
 * and the `dns-sync` job's params are one schema, so the CLI reports a bad file with the same
 * messages the API would, pointed at the file's line and column.
 *
 *   version: 1
 *   account: <flarevault Cloudflare account id>   # optional; the CLI's --account wins
 *   defaults: { ttl: 300, proxied: false }         # optional; per zone `defaults` win
 *   zones:
 *     example.com:
 *       manage: { include: ["*"], exclude: ["_acme-challenge*"] }   # relative-name globs; `@` = apex
 *       records:
 *         - { name: "@", type: A, content: 192.0.2.1, proxied: true }
 *         - { name: www, type: CNAME, content: example.com }
 *         - { name: "@", type: MX, content: mail.example.com, priority: 10 }
 *         - { name: _sip._tcp, type: SRV, content: "10 5 5060 sip.example.com" }
 *
 * The plan (`dns-sync` job) is the exact diff that makes the zone match its records **within the
 * managed names** (relative name matches an include glob and no exclude glob; read-only records
 * are never touched): a file record with no live twin → create; a live record whose name and type
 * the file has but whose content/ttl/proxied/priority/comment/tags/settings differ → update
 * (paired by exact content first, then in content order); a managed live record the file does not
 * have → delete with `prune`, else a skipped item ("not in the file") so the plan shows it.
 * Records outside the managed names are never read into the plan. `flarevault dns export
 * --format yaml` writes this shape from the live zone, and it plans to zero changes.
 */
import * as z from 'zod';
import { defineRoute } from './route';
import { Id, WILDCARD_LIMIT_MESSAGE, withinWildcardLimit } from './common';
import { CfId, DnsType, RecordTags, Ttl } from './cloudflare';

/** A relative-name glob of the managed set: `*` any run of characters (dots too), `?` one; `@` is the apex. */
const NameGlob = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .refine(withinWildcardLimit, WILDCARD_LIMIT_MESSAGE);

/** SRV content as zone files write it: `priority weight port target` (or `weight port target` with `priority`). */
const SRV_CONTENT = /^(\d{1,5}\s+)?\d{1,5}\s+\d{1,5}\s+\S+$/;
/** CAA content: `flags tag value` (`0 issue "letsencrypt.org"`). */
const CAA_CONTENT = /^\d{1,3}\s+[A-Za-z0-9]+\s+\S.*$/;

export const DesiredRecord = z
  .object({
    /** Relative (`www`), `@` for the apex, or the full name inside the zone. */
    name: z.string().trim().min(1).max(253),
    type: DnsType,
    /** TXT as its value (unquoted; Cloudflare's quoting and 255-byte split are applied for you). */
    content: z.string().trim().min(1).max(4096),
    /** @default the zone's, then the file's defaults, then 1 (auto) */
    ttl: Ttl.optional(),
    /** @default the zone's, then the file's defaults, then false. Only A, AAAA and CNAME can be proxied. */
    proxied: z.boolean().optional(),
    /** MX (and URI) priority; SRV takes it from its content. */
    priority: z.number().int().min(0).max(65535).optional(),
    comment: z.string().max(100).optional(),
    tags: RecordTags.optional(),
    /** Per-record settings as Cloudflare names them. */
    settings: z.object({ flatten_cname: z.boolean().optional(), ipv4_only: z.boolean().optional(), ipv6_only: z.boolean().optional() }).strict().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.type === 'MX' && r.priority === undefined) ctx.addIssue({ code: 'custom', path: ['priority'], message: 'an MX record needs a priority' });
    if (r.type === 'SRV' && !SRV_CONTENT.test(r.content)) ctx.addIssue({ code: 'custom', path: ['content'], message: 'SRV content is "priority weight port target"' });
    if (r.type === 'SRV' && /^\d+\s+\d+\s+\S+$/.test(r.content) && r.priority === undefined)
      ctx.addIssue({ code: 'custom', path: ['priority'], message: 'SRV content without a priority needs `priority`' });
    if (r.type === 'CAA' && !CAA_CONTENT.test(r.content)) ctx.addIssue({ code: 'custom', path: ['content'], message: 'CAA content is "flags tag value", e.g. 0 issue "letsencrypt.org"' });
    if (r.proxied && !['A', 'AAAA', 'CNAME'].includes(r.type)) ctx.addIssue({ code: 'custom', path: ['proxied'], message: `${r.type} records cannot be proxied` });
  });

export const RecordDefaults = z.object({ ttl: Ttl.optional(), proxied: z.boolean().optional() }).strict();

export const ManagedNames = z
  .object({
    /** @default ["*", "@"]: every name of the zone */
    include: z.array(NameGlob).min(1).max(100).default(['*', '@']),
    exclude: z.array(NameGlob).max(100).default([]),
  })
  .strict();

export const ZoneDesiredState = z
  .object({
    manage: ManagedNames.default({ include: ['*', '@'], exclude: [] }),
    defaults: RecordDefaults.optional(),
    /** Every record the zone should have within the managed names (an empty list manages them away with prune). */
    records: z.array(DesiredRecord).max(20_000),
  })
  .strict();

/** A zone name as Cloudflare lists it (lower case, no trailing dot). */
export const ZoneName = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{2,63}$/, 'must be a zone name, e.g. example.com');

/** Zones one file (one dns-sync job) may hold. */
export const MAX_SYNC_ZONES = 1000;
/** The JSON of one dns-sync request's zones, at most (under Lambda's 6 MB request payload). */
export const MAX_SYNC_BYTES = 4 * 1024 * 1024;

const DesiredZones = z
  .record(ZoneName, ZoneDesiredState)
  .superRefine((zones, ctx) => {
    const n = Object.keys(zones).length;
    if (n === 0) ctx.addIssue({ code: 'custom', message: 'give at least one zone' });
    if (n > MAX_SYNC_ZONES) ctx.addIssue({ code: 'custom', message: `at most ${MAX_SYNC_ZONES} zones per file (split it)` });
    const bytes = Buffer.byteLength(JSON.stringify(zones));
    if (bytes > MAX_SYNC_BYTES) ctx.addIssue({ code: 'custom', message: `the zones take ${bytes} bytes; at most ${MAX_SYNC_BYTES} per request (split the file)` });
  });

/** The file (YAML or JSON). */
export const ZonesFile = z
  .object({
    version: z.literal(1).default(1),
    account: Id.optional(),
    defaults: RecordDefaults.optional(),
    zones: DesiredZones,
  })
  .strict();
export type ZonesFileInput = z.input<typeof ZonesFile>;
export type ZonesFileOutput = z.output<typeof ZonesFile>;

/** The `dns-sync` job's params: the file's zones and defaults, and whether deletions are planned. */
export const DnsSyncParams = z
  .object({
    /** Delete managed records the file does not have. @default false (they are listed as skipped) */
    prune: z.boolean().default(false),
    defaults: RecordDefaults.optional(),
    zones: DesiredZones,
  })
  .strict();

/** What GET …/zones/{zoneId}/state answers. */
export const ZoneStateExport = z.object({
  zone: z.string(),
  state: ZoneDesiredState,
  /** Records Cloudflare does not let anyone change (`meta.read_only`), left out of `state`. */
  readOnlyRecords: z.number().int(),
  /** Records of types a file cannot hold (outside DnsType: HTTPS, SVCB, LOC…), left out of `state`; plans never touch them. */
  unsupportedRecords: z.number().int(),
});

/** GET …/zones/{zoneId}/state: a zone's live records in the file's shape (`dns export --format yaml`). */
export const exportZoneState = defineRoute({
  operationId: 'exportZoneState',
  permission: 'dns.read',
  method: 'GET',
  path: '/api/v1/cloudflare/accounts/{id}/zones/{zoneId}/state',
  fn: 'cloudflare',
  auth: 'user',
  scope: 'cloudflare:read',
  summary: "A zone's DNS records as a zones-as-code desired state (plans to zero changes); read-only records are left out and counted",
  tags: ['dns'],
  params: z.object({ id: Id, zoneId: CfId }),
  response: ZoneStateExport,
});

export const dnsSyncRoutes = [exportZoneState];
