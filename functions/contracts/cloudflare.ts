import * as z from 'zod';
import { defineRoute } from './route';
import { Id, IdParams, IsoTime } from './common';

/** Cloudflare ids are 32 hex characters. */
export const CfId = z.string().regex(/^[0-9a-f]{32}$/, 'must be a Cloudflare id (32 hex characters)');
const AccountParams = z.object({ id: Id });
const ZoneParams = z.object({ id: Id, zoneId: CfId });
const RecordParams = z.object({ id: Id, zoneId: CfId, recordId: CfId });

export const DNS_TYPES = ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'SRV', 'CAA'] as const;
export const DnsType = z.enum(DNS_TYPES);

export const CloudflareAccount = z.object({
  id: Id,
  name: z.string(),
  /** Last 4 characters of the token, never more. */
  tokenHint: z.string(),
  sandbox: z.boolean(),
  status: z.enum(['active', 'needs-attention']),
  statusDetail: z.string().nullable(),
  createdAt: IsoTime,
  verifiedAt: IsoTime.nullable(),
});

export const createCloudflareAccount = defineRoute({
  operationId: 'createCloudflareAccount',
  permission: 'cloudflare.accounts.manage',
  method: 'POST',
  path: '/api/v1/cloudflare/accounts',
  fn: 'cloudflare',
  auth: 'user',
  scope: 'cloudflare:write',
  summary: 'Connect a Cloudflare account with an API token (verified, stored encrypted); `sandbox: true` only in local mode',
  tags: ['cloudflare'],
  body: z
    .object({
      name: z.string().trim().min(1).max(100),
      /** Cloudflare API token (printable, no spaces). */
      token: z.string().trim().min(20).max(200).regex(/^[\x21-\x7e]+$/, 'must be a Cloudflare API token').optional(),
      /** Local mode only: a fresh sandbox account with demo zones. */
      sandbox: z.literal(true).optional(),
    })
    .strict()
    .superRefine((v, ctx) => {
      if (v.token === undefined && v.sandbox === undefined) ctx.addIssue({ code: 'custom', path: ['token'], message: 'give a token (or sandbox: true in local mode)' });
      if (v.token !== undefined && v.sandbox !== undefined) ctx.addIssue({ code: 'custom', path: ['sandbox'], message: 'give either token or sandbox, not both' });
    })
    .transform((v) => (v.sandbox ? { name: v.name, sandbox: true as const } : { name: v.name, token: v.token! })),
  response: z.object({ account: CloudflareAccount }),
  successStatus: 201,
});

export const listCloudflareAccounts = defineRoute({
  operationId: 'listCloudflareAccounts',
  permission: 'cloudflare.accounts.read',
  method: 'GET',
  path: '/api/v1/cloudflare/accounts',
  fn: 'cloudflare',
  auth: 'user',
  scope: 'cloudflare:read',
  summary: 'Connected Cloudflare accounts',
  tags: ['cloudflare'],
  response: z.object({ accounts: z.array(CloudflareAccount) }),
});

export const deleteCloudflareAccount = defineRoute({
  operationId: 'deleteCloudflareAccount',
  permission: 'cloudflare.accounts.manage',
  method: 'DELETE',
  path: '/api/v1/cloudflare/accounts/{id}',
  fn: 'cloudflare',
  auth: 'user',
  scope: 'cloudflare:write',
  summary: 'Disconnect a Cloudflare account (its encrypted token is deleted)',
  tags: ['cloudflare'],
  params: IdParams,
  successStatus: 204,
});

export const verifyCloudflareAccount = defineRoute({
  operationId: 'verifyCloudflareAccount',
  permission: 'cloudflare.accounts.manage',
  method: 'POST',
  path: '/api/v1/cloudflare/accounts/{id}/verify',
  fn: 'cloudflare',
  auth: 'user',
  scope: 'cloudflare:write',
  summary: 'Re-verify the stored token with Cloudflare',
  tags: ['cloudflare'],
  params: IdParams,
  response: z.object({ account: CloudflareAccount }),
});

export const Zone = z.object({
  id: CfId,
  name: z.string(),
  status: z.string(),
  paused: z.boolean(),
  plan: z.string(),
  /** Records one batch may change on this zone's plan: 200 (Free) or 3,500 (paid). */
  batchLimit: z.number().int(),
});

export const listZones = defineRoute({
  operationId: 'listZones',
  permission: 'cloudflare.accounts.read',
  method: 'GET',
  path: '/api/v1/cloudflare/accounts/{id}/zones',
  fn: 'cloudflare',
  auth: 'user',
  scope: 'cloudflare:read',
  summary: 'Zones the token can see (search by name, paginated)',
  tags: ['cloudflare'],
  params: AccountParams,
  query: z.object({
    search: z.string().trim().max(253).optional(),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
    perPage: z.coerce.number().int().min(5).max(50).default(20),
  }),
  response: z.object({ zones: z.array(Zone), page: z.number(), perPage: z.number(), totalCount: z.number(), totalPages: z.number() }),
});

export const DnsRecord = z.object({
  id: CfId,
  type: z.string(),
  name: z.string(),
  content: z.string(),
  ttl: z.number().int(),
  proxied: z.boolean(),
  proxiable: z.boolean(),
  priority: z.number().int().optional(),
  comment: z.string().nullable().optional(),
  modifiedOn: IsoTime.optional(),
});

export const listDnsRecords = defineRoute({
  operationId: 'listDnsRecords',
  permission: 'dns.read',
  method: 'GET',
  path: '/api/v1/cloudflare/accounts/{id}/zones/{zoneId}/dns-records',
  fn: 'cloudflare',
  auth: 'user',
  scope: 'cloudflare:read',
  summary: 'DNS records of a zone, filtered (name/type/content/proxied) and paginated',
  tags: ['dns'],
  params: ZoneParams,
  query: z.object({
    name: z.string().trim().max(253).optional(),
    type: DnsType.optional(),
    content: z.string().trim().max(4096).optional(),
    proxied: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    perPage: z.coerce.number().int().min(5).max(500).default(100),
  }),
  response: z.object({ records: z.array(DnsRecord), page: z.number(), perPage: z.number(), totalCount: z.number(), totalPages: z.number() }),
});

/** A record TTL as Cloudflare takes it. */
export const Ttl = z.number().int().refine((v) => v === 1 || (v >= 60 && v <= 86400), 'must be 1 (auto) or 60..86400');

/**
 * Record tags as Cloudflare takes them: `name:value`, the name letters, digits, `-`, `_` (≤ 32), the value
 * ≤ 100 characters without line breaks, ≤ 20 per record. Paid plans only: a plan setting tags on a Free
 * zone is refused at apply (jobs/quota.ts; docs/cloudflare-sandbox.md, "Record quotas").
 */
export const RecordTags = z
  .array(z.string().regex(/^[A-Za-z0-9_-]{1,32}:[^\r\n]{0,100}$/, 'a tag is name:value (name: letters, digits, - and _, at most 32; value at most 100 characters)'))
  .max(20);

const recordFields = {
  type: DnsType,
  name: z.string().trim().min(1).max(253),
  content: z.string().trim().min(1).max(4096),
  ttl: Ttl,
  proxied: z.boolean(),
  priority: z.number().int().min(0).max(65535),
  comment: z.string().max(100),
};

export const DnsRecordInput = z
  .object({
    ...recordFields,
    ttl: recordFields.ttl.default(1),
    proxied: recordFields.proxied.default(false),
    priority: recordFields.priority.optional(),
    comment: recordFields.comment.optional(),
  })
  .strict();

/** PATCH: only the fields given change (no defaults). */
export const DnsRecordPatch = z
  .object(recordFields)
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'give at least one field');

export const createDnsRecord = defineRoute({
  operationId: 'createDnsRecord',
  permission: 'dns.write',
  method: 'POST',
  path: '/api/v1/cloudflare/accounts/{id}/zones/{zoneId}/dns-records',
  fn: 'cloudflare',
  auth: 'user',
  scope: 'cloudflare:write',
  summary: 'Create one DNS record',
  tags: ['dns'],
  params: ZoneParams,
  body: DnsRecordInput,
  response: z.object({ record: DnsRecord }),
  successStatus: 201,
});

export const updateDnsRecord = defineRoute({
  operationId: 'updateDnsRecord',
  permission: 'dns.write',
  method: 'PATCH',
  path: '/api/v1/cloudflare/accounts/{id}/zones/{zoneId}/dns-records/{recordId}',
  fn: 'cloudflare',
  auth: 'user',
  scope: 'cloudflare:write',
  summary: 'Update fields of one DNS record',
  tags: ['dns'],
  params: RecordParams,
  body: DnsRecordPatch,
  response: z.object({ record: DnsRecord }),
});

export const deleteDnsRecord = defineRoute({
  operationId: 'deleteDnsRecord',
  permission: 'dns.write',
  method: 'DELETE',
  path: '/api/v1/cloudflare/accounts/{id}/zones/{zoneId}/dns-records/{recordId}',
  fn: 'cloudflare',
  auth: 'user',
  scope: 'cloudflare:write',
  summary: 'Delete one DNS record',
  tags: ['dns'],
  params: RecordParams,
  successStatus: 204,
});

export const exportZoneBind = defineRoute({
  operationId: 'exportZoneBind',
  permission: 'dns.read',
  method: 'GET',
  path: '/api/v1/cloudflare/accounts/{id}/zones/{zoneId}/export',
  fn: 'cloudflare',
  auth: 'user',
  scope: 'cloudflare:read',
  summary: 'The zone as a BIND file (download)',
  tags: ['dns'],
  params: ZoneParams,
  responseContentType: 'text/dns; charset=utf-8',
});

export const cloudflareRoutes = [
  createCloudflareAccount,
  listCloudflareAccounts,
  deleteCloudflareAccount,
  verifyCloudflareAccount,
  listZones,
  listDnsRecords,
  createDnsRecord,
  updateDnsRecord,
  deleteDnsRecord,
  exportZoneBind,
];

