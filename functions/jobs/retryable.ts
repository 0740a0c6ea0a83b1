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

/** A worker step's lease: the configured one, never past the invocation's deadline less a second. */
export const leaseFor = (leaseMs: number, o: Pick<DeliveryOptions, 'remainingMs'>) => Math.max(5_000, Math.min(leaseMs, (o.remainingMs ?? leaseMs) - 1_000));
