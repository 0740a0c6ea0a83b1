/**
 * Sync's audit events, in the user's hash-chained log (IP and user agent sealed, as every audit
 * event): settings changed (`sync.config.updated`), wrapped key stored or replaced
 * (`sync.key.stored` / `sync.key.rotated`), a type cleared (`sync.data.cleared` with the count).
 * Recorded after the change commits, by the domain function that made it.
 *
 *   auditSync(deps, subject, ctx, type, metadata)
 */
import type { RequestContext } from '../identity/deps';
import type { SyncDeps } from './deps';
import type { SyncSubject } from './entities';

export type { RequestContext } from '../identity/deps';

/** Who acted: `deviceId` is the device, or `dashboard` for the signed-in user's settings page. */
export function auditSync(deps: Pick<SyncDeps, 'audit' | 'limits'>, subject: SyncSubject, ctx: RequestContext, type: string, metadata: Record<string, unknown>) {
  return deps.audit.record(
    subject.tenant,
    { type, actor: `user#${subject.tenant.id}`, ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId, metadata: { deviceId: subject.deviceId, ...metadata } },
    { retentionDays: deps.limits.auditRetentionDays },
  );
}
