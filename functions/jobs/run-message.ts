/** One tier-queue message, dispatched on its kind (the worker and the test harness share this). */
import { LimiterDeferral, withLimiterWaitBound } from '../cloudflare/wait-bound';
import { checkJobStep, checkZoneStep } from './check';
import { MAX_QUEUE_DELAY_SECONDS, type JobsDeps } from './deps';
import { messageSubject, messageTenant, type JobMessage } from './messages';
import { planJobStep, planZoneStep, type StepResult } from './planning';
import { processChunk } from './process-chunk';
import { findJob } from './reads';
import { limiterBoundOf, type DeliveryOptions } from './retryable';

/**
 * 'busy': another invocation holds the chunk or zone: retry the message later. Throws RetryableError likewise.
 * A Cloudflare slot farther than the delivery can wait (wait-bound.ts) defers the message: the step
 * has stopped cleanly (its claim released, no attempt counted), the message goes back on the tier
 * queue delayed by the wait, and this delivery succeeds — so deferrals never count toward
 * maxReceiveCount or reach the DLQ (a deferral is a new message, receive count 1).
 */
export async function runJobMessage(deps: JobsDeps, m: JobMessage, o: DeliveryOptions): Promise<StepResult> {
  try {
    return await withLimiterWaitBound(limiterBoundOf(deps, o), () => dispatch(deps, m, o));
  } catch (e) {
    if (!(e instanceof LimiterDeferral)) throw e;
    await deferMessage(deps, m, e.retryAfterMs);
    return 'done';
  }
}

async function dispatch(deps: JobsDeps, m: JobMessage, o: DeliveryOptions): Promise<StepResult> {
  switch (m.kind) {
    case 'apply-chunk':
      return (await processChunk(deps, m, o)) === 'busy' ? 'busy' : 'done';
    case 'plan-job':
      return planJobStep(deps, m, o);
    case 'plan-zone':
      return planZoneStep(deps, m, o);
    case 'check-job':
      return checkJobStep(deps, m);
    case 'check-zone':
      return checkZoneStep(deps, m, o);
  }
}

/**
 * The same message again, visible once the slot is near (SQS DelaySeconds, at most 15 minutes: a
 * farther slot just defers once more). Sent before this delivery is acknowledged: if the ack then
 * fails, the message exists twice — harmless, every step is idempotent under redelivery (claims are
 * conditional, a settled chunk or planned/checked zone is a no-op).
 */
async function deferMessage(deps: JobsDeps, m: JobMessage, retryAfterMs: number): Promise<void> {
  const job = await findJob(deps, messageTenant(m), m.jobId);
  if (!job) return;
  const delaySeconds = Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(1, Math.ceil(retryAfterMs / 1000)));
  await deps.queue.send(job.tier, [m], { delaySeconds });
  deps.log?.('job message deferred: the next Cloudflare slot is beyond what the delivery can wait', { jobId: m.jobId, subject: messageSubject(m), delaySeconds });
}
