/**
 * How a planning or drift-check step turns a failure into the job's problem: the selection or the
 * token refused (a DomainError, a 4xx, 401/403) ends the work at once with the reason; a 429, 5xx or
 * timeout is retried by the queue, and on the last delivery ends it with "gave up after N deliveries";
 * a limiter deferral is rethrown as it is.
 */
import { CfCallError } from '../cloudflare/bulk-client';
import { LimiterDeferral } from '../cloudflare/wait-bound';
import { DomainError } from '../errors';
import type { JobProblem } from './model';
import { problemOf } from './plan';
import { RetryableError, type DeliveryOptions } from './retryable';
import { upstream } from './zone-reads';

/** The problem to end with, or throws RetryableError (retry later) / the error itself (not ours to judge). */
export function stepProblem(e: unknown, o: DeliveryOptions, what: string): JobProblem {
  // Not a failure: the step waits for a slot, on any delivery (run-message.ts defers the message).
  if (e instanceof LimiterDeferral) throw e;
  const last = o.receiveCount >= o.maxReceiveCount;
  if (e instanceof CfCallError) {
    const problem = problemOf(upstream(e));
    if (e.kind === 'auth' || e.kind === 'rejected') return problem;
    if (!last) throw new RetryableError(`${what}: ${e.message}`);
    return { ...problem, message: `${what}: gave up after ${o.receiveCount} deliveries: ${e.message}` };
  }
  if (e instanceof DomainError) return problemOf(e);
  if (last) return { code: 'internal', message: `${what}: gave up after ${o.receiveCount} deliveries` };
  throw e;
}
