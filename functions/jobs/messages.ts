import { z } from 'zod';
import { parseTenantKey, tenantKey, userTenant, type Tenant } from '../tenancy/tenant';

/** What travels on a tier queue: ids only; the chunk's content stays encrypted in the table. */
export const JobMessage = z.object({
  kind: z.literal('apply-chunk'),
  /** The tenant key (`user#<id>`, `workspace#<id>`) whose job it is. */
  tenant: z.string().min(1).max(80),
  jobId: z.string().min(1).max(64),
  chunk: z.number().int().min(0).max(1_000_000),
});
export type JobMessage = z.infer<typeof JobMessage>;

export const chunkMessage = (tenant: Tenant, jobId: string, chunk: number): JobMessage => ({ kind: 'apply-chunk', tenant: tenantKey(tenant), jobId, chunk });

/**
 * Messages enqueued before messages carried the tenant named the user instead; they are read as
 * that user's tenant, so chunks in flight during the deploy are not lost. Remove once no queue or
 * DLQ can hold one (SQS retention after the deploy).
 */
const UserJobMessage = JobMessage.omit({ tenant: true }).extend({ userId: z.string().min(1).max(64) }).strict();

export function parseJobMessage(body: string): JobMessage {
  const raw: unknown = JSON.parse(body);
  const legacy = UserJobMessage.safeParse(raw);
  if (legacy.success) {
    const { userId, ...ids } = legacy.data;
    return { ...ids, tenant: tenantKey(userTenant(userId)) };
  }
  return JobMessage.parse(raw);
}

/** The tenant a message names (a malformed key throws: the message is not processed). */
export const messageTenant = (m: JobMessage): Tenant => parseTenantKey(m.tenant);
