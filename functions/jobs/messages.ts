import * as z from 'zod';
import { parseTenantKey, tenantKey, userTenant, type Tenant } from '../tenancy/tenant';

const ids = {
  /** The tenant key (`user#<id>`, `workspace#<id>`) whose job it is. */
  tenant: z.string().min(1).max(80),
  jobId: z.string().min(1).max(64),
};
const zoneIndex = z.number().int().min(0).max(999);
const round = z.number().int().min(1).max(1_000_000);

/**
 * What travels on a tier queue: ids only; plans, zones and records stay encrypted in the table.
 *   apply-chunk  apply one chunk
 *   plan-job     list the selected zones, then one plan-zone per zone (fan-out)
 *   plan-zone    read one zone, store its plan (summary, chunks, pages)
 *   check-job    apply's drift check: one check-zone per zone (fan-out)
 *   check-zone   re-read one zone and compare it with the plan's fingerprint
 */
export const JobMessage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('apply-chunk'), ...ids, chunk: z.number().int().min(0).max(1_000_000) }),
  z.object({ kind: z.literal('plan-job'), ...ids }),
  z.object({ kind: z.literal('plan-zone'), ...ids, zone: zoneIndex }),
  z.object({ kind: z.literal('check-job'), ...ids, round }),
  z.object({ kind: z.literal('check-zone'), ...ids, zone: zoneIndex, round }),
]);
export type JobMessage = z.infer<typeof JobMessage>;
export type ChunkMessage = Extract<JobMessage, { kind: 'apply-chunk' }>;

export const chunkMessage = (tenant: Tenant, jobId: string, chunk: number): ChunkMessage => ({ kind: 'apply-chunk', tenant: tenantKey(tenant), jobId, chunk });
export const planJobMessage = (tenant: Tenant, jobId: string): JobMessage => ({ kind: 'plan-job', tenant: tenantKey(tenant), jobId });
export const planZoneMessage = (tenant: Tenant, jobId: string, zone: number): JobMessage => ({ kind: 'plan-zone', tenant: tenantKey(tenant), jobId, zone });
export const checkJobMessage = (tenant: Tenant, jobId: string, r: number): JobMessage => ({ kind: 'check-job', tenant: tenantKey(tenant), jobId, round: r });
export const checkZoneMessage = (tenant: Tenant, jobId: string, zone: number, r: number): JobMessage => ({ kind: 'check-zone', tenant: tenantKey(tenant), jobId, zone, round: r });

/**
 * Messages enqueued before messages carried the tenant named the user instead; they are read as
 * that user's tenant, so chunks in flight during the deploy are not lost. Remove once no queue or
 * DLQ can hold one (SQS retention after the deploy).
 */
const UserJobMessage = z
  .object({ kind: z.literal('apply-chunk'), jobId: ids.jobId, chunk: z.number().int().min(0).max(1_000_000), userId: z.string().min(1).max(64) })
  .strict();

export function parseJobMessage(body: string): JobMessage {
  const raw: unknown = JSON.parse(body);
  const legacy = UserJobMessage.safeParse(raw);
  if (legacy.success) {
    const { userId, ...rest } = legacy.data;
    return { ...rest, tenant: tenantKey(userTenant(userId)) };
  }
  return JobMessage.parse(raw);
}

/** The tenant a message names (a malformed key throws: the message is not processed). */
export const messageTenant = (m: Pick<JobMessage, 'tenant'>): Tenant => parseTenantKey(m.tenant);

/** What a message is about, for logs. */
export const messageSubject = (m: JobMessage): string =>
  m.kind === 'apply-chunk' ? `chunk ${m.chunk}` : m.kind === 'plan-zone' || m.kind === 'check-zone' ? `${m.kind} ${m.zone}` : m.kind;
