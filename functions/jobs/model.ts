/**
 * Jobs: shapes and table entities. See docs/jobs.md.
 *
 * Items (all in the owning tenant's partition `T#<tenant key>`):
 *   JOB#<jobId>                      the job: plain status/counters/progress, encrypted params + problem (small,
 *                                    whatever the number of zones)
 *   JREQ#<jobId>#<p:3>               the request the planner needs beyond params (zone ids, parsed records), encrypted
 *   JREQ#<jobId>#z<zone:6>#<p:3>     dns-sync: one zone's managed names and desired records, encrypted
 *   JZONE#<jobId>#<zone:6>           one selected zone: planning claim, check rounds, encrypted zone + summary
 *   JCHUNK#<jobId>#<chunk:6>         one unit of application (one Cloudflare batch / settings PATCH / purge);
 *                                    chunk = zone index × CHUNKS_PER_ZONE + i (zones are planned in parallel)
 *                                    plain state machine + encrypted outcome (created ids, failures)
 *   JPAGE#<jobId>#<chunk:6>#<p:3>    the planned changes of a chunk, ≤ PAGE_SIZE per item, encrypted
 *   JEVENT#<jobId>#<time>#<rand>     job events (queued, progress, done…), encrypted message
 *   JOBSLOTS#active                  active-job counter of the tenant (tier concurrency limit)
 * Global: RL#<sha256(token)> / BUCKET — the shared Cloudflare rate-limit bucket (no tenant data).
 */
import type { z } from 'zod';
import type { ITEM_ACTIONS, ITEM_STATUSES, JOB_EVENT_TYPES, JOB_KINDS, JOB_MODES, JOB_STATUSES, JobProblem as JobProblemSchema } from '../contracts/jobs';
import type { CfZone } from '../cloudflare/bulk-client';
import type { RecordLite } from '../cloudflare/records';
import type { Tier } from '../contracts/tiers';
import { defineEntity } from '../data/entity';
import type { StoredQuota } from './quota';

// Kinds, statuses, modes, actions and event types are the contract's (defined once there).
/** A revert job keeps the kind of the job it reverts and names it in `revertOf`. */
export type JobKind = (typeof JOB_KINDS)[number];
export type JobStatus = (typeof JOB_STATUSES)[number];
export type JobMode = (typeof JOB_MODES)[number];
export type ItemAction = (typeof ITEM_ACTIONS)[number];
export type ItemStatus = (typeof ITEM_STATUSES)[number];
export type JobEventType = (typeof JOB_EVENT_TYPES)[number];
export type JobProblem = z.output<typeof JobProblemSchema>;
/** Internal to the engine (never shown): a chunk's place in its state machine. */
export type ChunkStatus = 'pending' | 'applying' | 'done' | 'failed' | 'cancelled';

// The record model is Cloudflare's (functions/cloudflare/records.ts); plans store it as is.
export type { RecordLite };

export interface PlanItem {
  /** Position inside the job (stable, increasing in chunk order; zone index × SEQ_PER_ZONE + i). */
  seq: number;
  zoneId: string;
  action: ItemAction;
  /** DNS record id (update/delete) or setting id. */
  recordId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** Planned no-op, with the reason (already in the target state, conflict…). */
  skip?: string;
}

/**
 * The record image of a DNS change: create, update and delete items store a `RecordLite` in
 * `before` / `after` (settings store `{ value }`, purges their params), so the one narrowing lives here.
 */
export const recordImage = (image: PlanItem['before']): RecordLite => image as unknown as RecordLite;

export interface ZoneSummary extends StoredQuota {
  zoneId: string;
  zoneName: string;
  plan: string;
  batchLimit: number;
  creates: number;
  updates: number;
  deletes: number;
  other: number;
  skipped: number;
  recordsInZone: number;
  share: number;
  overThreshold: boolean;
  /** Fingerprint of the zone state the plan was computed from (drift check at apply). */
  fingerprint: string;
}

/** JOB#<id>. Counters are plain numbers updated with atomic ADDs by the workers. */
export interface JobRow {
  jobId: string;
  kind: JobKind;
  accountId: string;
  status: JobStatus;
  mode: JobMode | null;
  /** The tier when planned: its queue takes the job's chunks. */
  tier: Tier;
  createdAt: string;
  appliedAt: string | null;
  finishedAt: string | null;
  /** Last time a chunk settled (throughput, idle browser jobs). */
  lastActivityAt: string | null;
  safetyThreshold: number;
  needsForce: boolean;
  chunks: number;
  chunksSettled: number;
  total: number;
  done: number;
  failed: number;
  skipped: number;
  cancelled: number;
  revertOf: string | null;
  revertedBy: string | null;
  /** The member who planned it (absent on jobs from before workspaces). */
  plannedBy?: string | null;
  /** Two-person rule: who approved it and when (set once, conditionally: jobs/store.ts `approve`). */
  approvedBy?: string | null;
  approvedAt?: string | null;
  /** Encrypted: the request (match strings, settings; for created records only their count: see JREQ). */
  params: unknown;
  /** Zones selected (null until the planner has listed them). */
  zonesTotal: number | null;
  /** Zones whose plan is stored (counted once per zone, in the zone's commit transaction). */
  zonesPlanned: number;
  /** Zones whose plan their Cloudflare plan refuses (record quota, tags: quota.ts); apply reads them only then. */
  zonesRefused: number;
  /** Apply's drift check: its round (one per apply), zones re-read and found drifted in that round. */
  checkRound: number;
  zonesChecked: number;
  zonesDrifted: number;
  /** A planned job of few chunks lists their numbers (browser-paced mode walks them). */
  chunkNumbers: number[] | null;
  /** Encrypted: why planning failed, or why the last apply was refused. */
  problem: JobProblem | null;
  /** Encrypted, jobs planned before per-zone items only: the per-zone summary. */
  zones?: ZoneSummary[];
}

export type ZoneStatus = 'pending' | 'planning' | 'planned';

/** JZONE#<jobId>#<index:6>: one selected zone of a job. */
export interface ZoneRow {
  jobId: string;
  index: number;
  status: ZoneStatus;
  /** Planning claim (like a chunk's): owner, lease, claims so far. */
  owner: string | null;
  leaseUntil: number;
  attempts: number;
  /** Chunks stored for the zone: numbers [index × CHUNKS_PER_ZONE, + chunks). */
  chunks: number;
  /** The last drift-check round that counted this zone, and the last one that found it drifted. */
  checkedRound: number;
  driftedRound: number;
  /** Encrypted: the zone as listed (name, plan, batch limit). */
  zone: CfZone;
  /** Encrypted: the zone's plan summary, once planned. */
  summary: ZoneSummary | null;
}

/** JREQ#<jobId>#<p:3>: what the planner needs beyond the job's params, split to stay far below 400 KB. */
export interface RequestPageRow {
  zoneIds?: string[];
  records?: RecordLite[];
  /** dns-sync: the file's zone names, in its order (page 0). */
  zoneNames?: string[];
  /** dns-sync, a zone's pages (`JREQ#<jobId>#z<zone:6>#<p:3>`): its managed names (with its desired `records`). */
  manage?: { include: string[]; exclude: string[] };
}

export interface ChunkRow {
  jobId: string;
  chunk: number;
  zoneId: string;
  /** Items of this chunk: seq range [from, to). */
  from: number;
  to: number;
  pages: number;
  /** Items that are real changes (not planned no-ops). */
  changes: number;
  status: ChunkStatus;
  attempts: number;
  /** Epoch ms until which the current `applying` claim is owned. */
  leaseUntil: number;
  owner: string | null;
  /** Set when a send may have reached Cloudflare without an answer: reconcile before resending. */
  ambiguous: boolean;
  /** Retry: only these chunk-local indexes are applied; the others keep their outcome. */
  only: number[] | null;
  settledAt: string | null;
  /** Encrypted: { created: {idx: id}, failed: {idx: reason}, error }. */
  outcome: ChunkOutcome;
}

export interface ChunkOutcome {
  /** chunk-local idx → id of the record created by this job (revert deletes it). */
  created: Record<string, string>;
  /** chunk-local idx → failure reason. */
  failed: Record<string, string>;
  /** Chunk-level reason (failed / cancelled chunks). */
  error: string | null;
}

export interface PageRow {
  items: PlanItem[];
}

export interface EventRow {
  type: JobEventType;
  time: string;
  done: number;
  failed: number;
  message: string | null;
}

export const JobEntity = defineEntity<JobRow>({ name: 'job', skPrefix: 'JOB#', encrypted: ['params', 'zones', 'problem'] });
export const ZoneEntity = defineEntity<ZoneRow>({ name: 'job-zone', skPrefix: 'JZONE#', encrypted: ['zone', 'summary'] });
export const RequestPageEntity = defineEntity<RequestPageRow>({ name: 'job-request', skPrefix: 'JREQ#', encrypted: ['zoneIds', 'records', 'zoneNames', 'manage'] });
export const ChunkEntity = defineEntity<ChunkRow>({ name: 'job-chunk', skPrefix: 'JCHUNK#', encrypted: ['outcome'] });
export const PageEntity = defineEntity<PageRow>({ name: 'job-page', skPrefix: 'JPAGE#', encrypted: ['items'] });
export const EventEntity = defineEntity<EventRow>({ name: 'job-event', skPrefix: 'JEVENT#', encrypted: ['message'] });
export const SlotsEntity = defineEntity<{ active: number }>({ name: 'job-slots', skPrefix: 'JOBSLOTS#', encrypted: [] });

export const PAGE_SIZE = 250;
/** JSON bytes of one page's items: sealed (base64url, ×4/3) it stays well below DynamoDB's 400 KB item limit. */
export const PAGE_BYTES = 192 * 1024;
/** Chunk numbers a zone may use (its chunks are zone index × CHUNKS_PER_ZONE + i), and item seqs. */
export const CHUNKS_PER_ZONE = 1000;
export const SEQ_PER_ZONE = 10_000_000;
/** Zones a job may select (the contract's 1000; chunk numbers have 6 digits). */
export const MAX_ZONES = 1000;
const pad = (n: number, w: number) => String(n).padStart(w, '0');
export const jobSk = (jobId: string) => `JOB#${jobId}`;
export const zoneSk = (jobId: string, index: number) => `JZONE#${jobId}#${pad(index, 6)}`;
export const zonePrefix = (jobId: string) => `JZONE#${jobId}#`;
export const requestSk = (jobId: string, p: number) => `JREQ#${jobId}#${pad(p, 3)}`;
export const requestPrefix = (jobId: string) => `JREQ#${jobId}#`;
/** A dns-sync zone's request pages: plan-zone reads its own zone's desired records only. */
export const syncZonePrefix = (jobId: string, index: number) => `JREQ#${jobId}#z${pad(index, 6)}#`;
export const syncZoneSk = (jobId: string, index: number, p: number) => `${syncZonePrefix(jobId, index)}${pad(p, 3)}`;
/** The zone's chunk and page items share this prefix (3 leading digits of the chunk number = zone index). */
export const zoneChunkPrefix = (jobId: string, index: number) => `JCHUNK#${jobId}#${pad(index, 3)}`;
export const zonePagePrefix = (jobId: string, index: number) => `JPAGE#${jobId}#${pad(index, 3)}`;
export const zoneOfChunk = (chunk: number) => Math.floor(chunk / CHUNKS_PER_ZONE);
export const chunkSk = (jobId: string, n: number) => `JCHUNK#${jobId}#${String(n).padStart(6, '0')}`;
export const chunkPrefix = (jobId: string) => `JCHUNK#${jobId}#`;
export const pageSk = (jobId: string, n: number, p: number) => `JPAGE#${jobId}#${String(n).padStart(6, '0')}#${String(p).padStart(3, '0')}`;
export const pagePrefix = (jobId: string, n?: number) => `JPAGE#${jobId}#${n === undefined ? '' : `${String(n).padStart(6, '0')}#`}`;
export const eventPrefix = (jobId: string) => `JEVENT#${jobId}#`;
export const SLOTS_SK = 'JOBSLOTS#active';

/** Jobs holding a concurrency slot (apply's drift check takes it). */
export const ACTIVE_STATUSES: readonly JobStatus[] = ['checking', 'queued', 'running'];
/** Jobs whose chunks are being applied (they finish when every chunk settled). */
export const APPLYING_STATUSES: readonly JobStatus[] = ['queued', 'running'];
/** Jobs in the sweeper's index (work a worker may have dropped). */
export const INDEXED_STATUSES: readonly JobStatus[] = ['planning', ...ACTIVE_STATUSES];
export const TERMINAL_CHUNK: readonly ChunkStatus[] = ['done', 'failed', 'cancelled'];

export const iso = (ms: number) => new Date(ms).toISOString();

/** Job ids sort by creation time (newest first = descending sk). */
export function newJobId(now: number, rand: () => string): string {
  return `j${now.toString(36).padStart(9, '0')}${rand()}`;
}
