/** The audit contract's shapes, shared by the user's and the workspace's audit routes. */
import type { AuditEvent, VerifyResult } from '../audit/audit';

export function auditPage(page: { items: readonly AuditEvent[]; cursor?: string }) {
  return {
    events: page.items.map((e) => ({
      seq: e.seq,
      type: e.type,
      time: e.at,
      actor: e.actor,
      ip: e.ip,
      userAgent: e.userAgent,
      requestId: e.requestId,
      metadata: (e.metadata ?? {}) as Record<string, unknown>,
    })),
    nextCursor: page.cursor ?? null,
  };
}

export function chainReport(chain: VerifyResult) {
  return chain.ok
    ? { valid: true, count: chain.count, firstSeq: chain.firstSeq ?? null, lastSeq: chain.lastSeq ?? null, brokenAtSeq: null, reason: null }
    : { valid: false, count: chain.count, firstSeq: null, lastSeq: null, brokenAtSeq: chain.seq, reason: chain.reason };
}
