import * as z from 'zod';
import { defineRoute } from './route';
import { Id, IdParams, IsoTime, PageQuery, WILDCARD_LIMIT_MESSAGE, withinWildcardLimit } from './common';
import { CfId, DnsRecordInput, DnsType, RecordTags, Ttl } from './cloudflare';
import { DnsSyncParams } from './dns-sync';

// The job vocabulary, defined once: the domain (functions/jobs/model.ts) derives its types from these.
export const JOB_KINDS = ['dns-replace', 'dns-create', 'dns-delete', 'bind-import', 'zone-settings', 'cache-purge', 'dns-sync'] as const;
/**
 * `planning` (the tier worker reads the zones) → `planned` | `plan-failed`; apply: `checking` (the
 * worker re-reads every zone: drift check) → `queued` | back to `planned` with the problem.
 */
export const JOB_STATUSES = ['planning', 'plan-failed', 'planned', 'checking', 'queued', 'running', 'done', 'partially-failed', 'failed', 'cancelled'] as const;
export const JOB_MODES = ['server', 'browser'] as const;
export const ITEM_ACTIONS = ['create', 'update', 'delete', 'setting', 'purge'] as const;
export const ITEM_STATUSES = ['planned', 'done', 'failed', 'skipped', 'cancelled'] as const;
export const JOB_EVENT_TYPES = ['planned', 'plan-failed', 'approved', 'checking', 'drifted', 'queued', 'progress', 'done', 'cancelled', 'failed', 'retried'] as const;

const TextMatch = z
  .object({
    value: z.string().min(1).max(1024),
    /** `pattern` is a glob: `*` any run of characters, `?` one character. */
    mode: z.enum(['exact', 'contains', 'pattern']).default('exact'),
  })
  .strict()
  .refine((m) => m.mode !== 'pattern' || withinWildcardLimit(m.value), { message: WILDCARD_LIMIT_MESSAGE, path: ['value'] });

export const RecordMatch = z
  .object({
    name: TextMatch.optional(),
    types: z.array(DnsType).min(1).max(8).optional(),
    content: TextMatch.optional(),
  })
  .strict()
  .refine((m) => m.name || m.types || m.content, 'give at least one of name, types, content');

export const DnsReplaceParams = z
  .object({
    match: RecordMatch,
    set: z
      .object({
        /** Replace the whole content, or only the matched substring when match.content.mode is `contains`. */
        content: z.string().min(1).max(4096).optional(),
        ttl: Ttl.optional(),
        proxied: z.boolean().optional(),
      })
      .strict()
      .refine((s) => s.content !== undefined || s.ttl !== undefined || s.proxied !== undefined, 'give at least one of content, ttl, proxied'),
  })
  .strict();

/** A record of a create job: the single-record input, plus tags. */
const JobRecordInput = DnsRecordInput.extend({ tags: RecordTags.optional() });

/** Records one create job may carry, as JSON or CSV (each is planned into every selected zone). */
export const MAX_CREATE_BYTES = 512 * 1024;

export const DnsCreateParams = z
  .object({
    /** Names may be relative (`www`), `@` for the apex, or contain `{zone}`. */
    records: z
      .array(JobRecordInput)
      .min(1)
      .max(5000)
      .superRefine((records, ctx) => {
        const bytes = Buffer.byteLength(JSON.stringify(records));
        if (bytes > MAX_CREATE_BYTES) {
          ctx.addIssue({ code: 'custom', message: `the records take ${bytes} bytes; at most ${MAX_CREATE_BYTES} bytes per job (split them into several jobs)` });
        }
      })
      .optional(),
    /** CSV with header `type,name,content,ttl,proxied[,priority]`. */
    csv: z.string().min(1).max(MAX_CREATE_BYTES).optional(),
  })
  .strict()
  .refine((p) => (p.records ? 1 : 0) + (p.csv ? 1 : 0) === 1, 'give exactly one of records, csv');

export const DnsDeleteParams = z.object({ match: RecordMatch }).strict();

export const BindImportParams = z
  .object({ bind: z.string().min(1).max(256 * 1024), proxied: z.boolean().default(false) })
  .strict();

export const ZoneSettingsParams = z
  .object({
    settings: z
      .object({
        ssl: z.enum(['off', 'flexible', 'full', 'strict']).optional(),
        min_tls_version: z.enum(['1.0', '1.1', '1.2', '1.3']).optional(),
        always_use_https: z.enum(['on', 'off']).optional(),
        security_level: z.enum(['essentially_off', 'low', 'medium', 'high', 'under_attack']).optional(),
        automatic_https_rewrites: z.enum(['on', 'off']).optional(),
        // No `brotli`: Cloudflare retired the setting and its API on 2024-06-14 (docs/cloudflare-sandbox.md).
      })
      .strict()
      .refine((s) => Object.keys(s).length > 0, 'give at least one setting'),
  })
  .strict();

export const CachePurgeParams = z
  .union([
    z.object({ everything: z.literal(true) }).strict(),
    z.object({ files: z.array(z.url()).min(1).max(30) }).strict(),
  ]);

const ZoneSelection = {
  accountId: Id,
  zones: z.array(CfId).min(1).max(1000).optional(),
  /** Every zone whose name contains this text. */
  zoneFilter: z.object({ nameContains: z.string().trim().min(1).max(253) }).strict().optional(),
  /** Share of a zone's records a plan may touch before apply needs `force` (octoDNS-style). @default 0.3 */
  safetyThreshold: z.number().min(0.01).max(1).optional(),
};

export const CreateJobBody = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('dns-replace'), ...ZoneSelection, params: DnsReplaceParams }).strict(),
    z.object({ kind: z.literal('dns-create'), ...ZoneSelection, params: DnsCreateParams }).strict(),
    z.object({ kind: z.literal('dns-delete'), ...ZoneSelection, params: DnsDeleteParams }).strict(),
    z.object({ kind: z.literal('bind-import'), ...ZoneSelection, params: BindImportParams }).strict(),
    z.object({ kind: z.literal('zone-settings'), ...ZoneSelection, params: ZoneSettingsParams }).strict(),
    z.object({ kind: z.literal('cache-purge'), ...ZoneSelection, params: CachePurgeParams }).strict(),
    // Zones as code: the selection is the zone names of `params.zones` (contracts/dns-sync.ts).
    z.object({ kind: z.literal('dns-sync'), accountId: Id, safetyThreshold: ZoneSelection.safetyThreshold, params: DnsSyncParams }).strict(),
  ])
  .refine((b) => b.kind === 'dns-sync' || ('zones' in b && b.zones ? 1 : 0) + ('zoneFilter' in b && b.zoneFilter ? 1 : 0) === 1, {
    message: 'give exactly one of zones, zoneFilter',
    path: ['zones'],
  });

/** A create request as the domain receives it (defaults applied). */
export type CreateJobInput = z.output<typeof CreateJobBody>;

export const ZonePlan = z.object({
  zoneId: CfId,
  zoneName: z.string(),
  creates: z.number().int(),
  updates: z.number().int(),
  deletes: z.number().int(),
  other: z.number().int(),
  recordsInZone: z.number().int(),
  /** Share of the zone's records this plan touches. */
  share: z.number(),
  overThreshold: z.boolean(),
  /** The zone's DNS record quota (its plan's; null when unknown) and its record count once applied (null: no records touched). */
  recordQuota: z.number().int().nullable(),
  recordsAfter: z.number().int().nullable(),
  /** Past the quota (Cloudflare would refuse the creates, 81045): apply is refused, even with force. */
  overQuota: z.boolean(),
  /** Changes setting record tags on a zone whose plan has none (Free): apply is refused. */
  tagsRefused: z.number().int(),
});

/** Zones a job view carries; the rest are paged by GET /jobs/{id}/zones. */
export const JOB_VIEW_ZONES = 100;
/** A planned job lists its chunk numbers up to this many chunks (browser-paced mode walks them). */
export const MAX_LISTED_CHUNKS = 100;

export const JobProblem = z.object({
  /** e.g. `plan-drifted`, `operations-per-job`, `cloudflare-auth`, `cloudflare-failed`, `invalid-selection`, `check-failed`. */
  code: z.string(),
  message: z.string(),
  /** The zones concerned (drifted zones), at most 50. */
  zones: z.array(z.object({ zoneId: CfId, zoneName: z.string() })).optional(),
  /** Extra detail (limit, max, requested; field errors of the selection). */
  extra: z.record(z.string(), z.unknown()).optional(),
});

export const Job = z.object({
  id: Id,
  kind: z.enum(JOB_KINDS),
  accountId: Id,
  status: z.enum(JOB_STATUSES),
  mode: z.enum(JOB_MODES).nullable(),
  createdAt: IsoTime,
  appliedAt: IsoTime.nullable(),
  finishedAt: IsoTime.nullable(),
  safetyThreshold: z.number(),
  needsForce: z.boolean(),
  plan: z.object({
    /** The first JOB_VIEW_ZONES zones (zone order); every zone: GET /jobs/{id}/zones. Empty in the job list. */
    zones: z.array(ZonePlan),
    /** Zones of the selection (null until the planner has listed them). */
    zonesTotal: z.number().int().nullable(),
    /** Zones whose Cloudflare plan refuses this plan (`overQuota` or `tagsRefused`), over every zone: apply is refused while > 0. */
    zonesRefused: z.number().int(),
    totalChanges: z.number().int(),
    chunks: z.number().int(),
    /** The chunk numbers (`/chunks/{n}/apply`) of a planned job of at most MAX_LISTED_CHUNKS chunks; null otherwise. */
    chunkNumbers: z.array(z.number().int()).nullable(),
  }),
  /** While `planning`: zones listed (null until listed) and planned so far. */
  planning: z.object({ zonesTotal: z.number().int().nullable(), zonesPlanned: z.number().int() }).nullable(),
  /** While `checking` (apply's drift check): zones re-read so far. */
  checking: z.object({ zonesTotal: z.number().int(), zonesChecked: z.number().int() }).nullable(),
  /** Why planning failed (`plan-failed`) or the last apply was refused (back to `planned`: drift, a failed check). */
  problem: JobProblem.nullable(),
  counts: z.object({ total: z.number().int(), done: z.number().int(), failed: z.number().int(), skipped: z.number().int(), cancelled: z.number().int() }),
  /** Changes per second since apply. */
  throughput: z.number().nullable(),
  revertOf: Id.nullable(),
  revertedBy: Id.nullable(),
  /** The member who planned it (null for jobs planned before workspaces). */
  plannedBy: Id.nullable(),
  /** Two-person rule: the member (ADMIN/OWNER, not the planner) who approved it, and when. */
  approvedBy: Id.nullable(),
  approvedAt: IsoTime.nullable(),
});

export const JobItem = z.object({
  seq: z.number().int(),
  chunk: z.number().int(),
  zoneId: CfId,
  zoneName: z.string(),
  action: z.enum(ITEM_ACTIONS),
  recordId: z.string().nullable(),
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  status: z.enum(ITEM_STATUSES),
  error: z.string().nullable(),
});

export const JobEvent = z.object({
  time: IsoTime,
  type: z.enum(JOB_EVENT_TYPES),
  done: z.number().int(),
  failed: z.number().int(),
  message: z.string().nullable(),
});

const JobParams = IdParams;

// A job acts on Cloudflare with the account's token, so an API key needs the Cloudflare scope of
// the effect too (`extraScopes`): changing routes `cloudflare:write`, the items (record contents)
// `cloudflare:read`. Status, events and cancel touch no Cloudflare data and need the jobs scope only.

export const createJob = defineRoute({
  operationId: 'createJob',
  permission: 'jobs.plan',
  method: 'POST',
  path: '/api/v1/jobs',
  fn: 'jobs',
  auth: 'user',
  scope: 'jobs:write',
  extraScopes: ['cloudflare:write'],
  summary: 'Plan a bulk job (asynchronous: answers at once with a `planning` job; poll until `planned`)',
  tags: ['jobs'],
  body: CreateJobBody,
  response: z.object({ job: Job }),
  successStatus: 201,
});

export const listJobs = defineRoute({
  operationId: 'listJobs',
  permission: 'jobs.read',
  method: 'GET',
  path: '/api/v1/jobs',
  fn: 'jobs',
  auth: 'user',
  scope: 'jobs:read',
  summary: 'Jobs, newest first',
  tags: ['jobs'],
  query: PageQuery,
  response: z.object({ jobs: z.array(Job), nextCursor: z.string().nullable() }),
});

export const getJob = defineRoute({
  operationId: 'getJob',
  permission: 'jobs.read',
  method: 'GET',
  path: '/api/v1/jobs/{id}',
  fn: 'jobs',
  auth: 'user',
  scope: 'jobs:read',
  summary: 'A job: status, progress counters, timings, throughput',
  tags: ['jobs'],
  params: JobParams,
  response: z.object({ job: Job }),
});

export const listJobItems = defineRoute({
  operationId: 'listJobItems',
  permission: 'jobs.read',
  method: 'GET',
  path: '/api/v1/jobs/{id}/items',
  fn: 'jobs',
  auth: 'user',
  scope: 'jobs:read',
  extraScopes: ['cloudflare:read'],
  summary: 'Per-change plan and result, paginated (filter by zone or status)',
  tags: ['jobs'],
  params: JobParams,
  query: PageQuery.extend({
    zoneId: CfId.optional(),
    status: z.enum(ITEM_STATUSES).optional(),
  }),
  response: z.object({ items: z.array(JobItem), nextCursor: z.string().nullable() }),
});

export const listJobZones = defineRoute({
  operationId: 'listJobZones',
  permission: 'jobs.read',
  method: 'GET',
  path: '/api/v1/jobs/{id}/zones',
  fn: 'jobs',
  auth: 'user',
  scope: 'jobs:read',
  summary: 'The per-zone plan summary, every zone, paginated (zone order)',
  tags: ['jobs'],
  params: JobParams,
  query: PageQuery,
  response: z.object({ zones: z.array(ZonePlan), nextCursor: z.string().nullable() }),
});

export const listJobEvents = defineRoute({
  operationId: 'listJobEvents',
  permission: 'jobs.read',
  method: 'GET',
  path: '/api/v1/jobs/{id}/events',
  fn: 'jobs',
  auth: 'user',
  scope: 'jobs:read',
  summary: 'Job events (queued, progress, done) for progress and throughput charts',
  tags: ['jobs'],
  params: JobParams,
  response: z.object({ events: z.array(JobEvent) }),
});

export const applyJob = defineRoute({
  operationId: 'applyJob',
  permission: 'jobs.apply',
  method: 'POST',
  path: '/api/v1/jobs/{id}/apply',
  fn: 'jobs',
  auth: 'user',
  scope: 'jobs:write',
  extraScopes: ['cloudflare:write'],
  summary: 'Start the drift check (`checking`); when every zone is unchanged the job is enqueued (server) or opened for browser-paced chunks',
  tags: ['jobs'],
  params: JobParams,
  body: z.object({ force: z.boolean().default(false), mode: z.enum(JOB_MODES).default('server') }).strict(),
  response: z.object({ job: Job }),
  successStatus: 202,
});

export const applyJobChunk = defineRoute({
  operationId: 'applyJobChunk',
  permission: 'jobs.apply',
  method: 'POST',
  path: '/api/v1/jobs/{id}/chunks/{n}/apply',
  fn: 'jobs',
  auth: 'user',
  scope: 'jobs:write',
  extraScopes: ['cloudflare:write'],
  summary: 'Browser-paced mode: apply one chunk (idempotent, same limiter as the workers)',
  tags: ['jobs'],
  params: z.object({ id: Id, n: z.coerce.number().int().min(0).max(999_999) }),
  response: z.object({ job: Job }),
});

export const cancelJob = defineRoute({
  operationId: 'cancelJob',
  permission: 'jobs.apply',
  method: 'POST',
  path: '/api/v1/jobs/{id}/cancel',
  fn: 'jobs',
  auth: 'user',
  scope: 'jobs:write',
  summary: 'Cancel: chunks not yet applied are skipped',
  tags: ['jobs'],
  params: JobParams,
  response: z.object({ job: Job }),
});

export const retryJob = defineRoute({
  operationId: 'retryJob',
  permission: 'jobs.apply',
  method: 'POST',
  path: '/api/v1/jobs/{id}/retry',
  fn: 'jobs',
  auth: 'user',
  scope: 'jobs:write',
  extraScopes: ['cloudflare:write'],
  summary: 'Re-enqueue the failed items only',
  tags: ['jobs'],
  params: JobParams,
  response: z.object({ job: Job }),
  successStatus: 202,
});

export const revertJob = defineRoute({
  operationId: 'revertJob',
  permission: 'jobs.apply',
  method: 'POST',
  path: '/api/v1/jobs/{id}/revert',
  fn: 'jobs',
  auth: 'user',
  scope: 'jobs:write',
  extraScopes: ['cloudflare:write'],
  summary: 'Plan the inverse of the applied changes from the snapshot, as a new job',
  tags: ['jobs'],
  params: JobParams,
  response: z.object({ job: Job }),
  successStatus: 201,
});

export const approveJob = defineRoute({
  operationId: 'approveJob',
  permission: 'jobs.apply',
  method: 'POST',
  path: '/api/v1/jobs/{id}/approve',
  fn: 'jobs',
  auth: 'user',
  scope: 'jobs:write',
  summary: 'Two-person rule: approve a planned job (ADMIN/OWNER other than its planner; once)',
  tags: ['jobs'],
  params: JobParams,
  response: z.object({ job: Job }),
});

export const jobRoutes = [createJob, listJobs, getJob, listJobItems, listJobZones, listJobEvents, applyJob, applyJobChunk, cancelJob, retryJob, revertJob, approveJob];

