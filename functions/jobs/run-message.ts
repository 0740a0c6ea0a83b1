/** One tier-queue message, dispatched on its kind (the worker and the test harness share this). */
import { checkJobStep, checkZoneStep } from './check';
import type { JobsDeps } from './deps';
import type { JobMessage } from './messages';
import { planJobStep, planZoneStep, type StepResult } from './planning';
import { processChunk } from './process-chunk';
import type { DeliveryOptions } from './retryable';

/** 'busy': another invocation holds the chunk or zone: retry the message later. Throws RetryableError likewise. */
export async function runJobMessage(deps: JobsDeps, m: JobMessage, o: DeliveryOptions): Promise<StepResult> {
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
