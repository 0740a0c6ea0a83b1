import type { LimiterWaitBound } from '../cloudflare/wait-bound';
import type { JobsDeps } from './deps';

/** A message whose work should be retried later: the worker reports it failed, so the queue redelivers it. */
export class RetryableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryableError';
  }
}

/** What a worker step needs to know about its delivery. */
export interface DeliveryOptions {
  /** Delivery id / request id: the claim's owner. */
  owner: string;
  /** SQS ApproximateReceiveCount (1 for browser mode). */
  receiveCount: number;
  /** Deliveries before SQS moves the message to the DLQ. */
  maxReceiveCount: number;
  /** Ms until the invocation's deadline: a lease never outlives the invocation. */
  remainingMs?: number;
}

/** The limiter wait a delivery allows (wait-bound.ts): at most maxLimiterWaitMs, never a slot its invocation cannot use. */
export function limiterBoundOf(deps: Pick<JobsDeps, 'config' | 'now'>, o: Pick<DeliveryOptions, 'remainingMs'>): LimiterWaitBound {
  const start = deps.now();
  const deadline = o.remainingMs === undefined ? Number.POSITIVE_INFINITY : start + o.remainingMs - deps.config.afterSlotMs;
  return { deadline, maxWaitMs: deps.config.maxLimiterWaitMs, now: deps.now };
}

/** A worker step's lease: the configured one, never past the invocation's deadline less a second. */
export const leaseFor = (leaseMs: number, o: Pick<DeliveryOptions, 'remainingMs'>) => Math.max(5_000, Math.min(leaseMs, (o.remainingMs ?? leaseMs) - 1_000));
