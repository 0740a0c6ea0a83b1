/**
 * How long a queue worker may wait in the shared limiter for one Cloudflare call.
 *
 * The bulk limiter spends a full budget at once, then makes later requests wait until the window
 * slides (up to W = 300 s). A worker invocation (120 s) must not sleep for a far slot: it would be
 * killed holding a grant it never uses, and its message would come back only after the visibility
 * timeout. So a delivery runs inside `withLimiterWaitBound`, and every call it makes takes a slot
 * only if it comes within the bound; otherwise it takes nothing and throws `LimiterDeferral`
 * (the step stops cleanly, run-message.ts puts the message back with a delay).
 *
 * Why AsyncLocalStorage rather than an option on each CfApi call: the CfApi is one per connection,
 * cached and shared by every delivery of the container, and the calls sit several layers below
 * the step (sendChunk, reconcile, readZoneState, selectZones, revertZone, readRetry). The bound
 * belongs to the delivery, not to the connection or the call, and the async context carries it
 * through all of them without threading a parameter through each. Outside a delivery (interactive
 * calls, browser-paced chunks, the bench) there is no bound and `acquire()` waits as before.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LimiterWaitBound {
  /** Epoch ms after which no slot may be waited for (the invocation's end less what a call needs after its slot). */
  deadline: number;
  /** Never wait longer than this for one slot, however much time is left. */
  maxWaitMs: number;
  now: () => number;
}

const current = new AsyncLocalStorage<LimiterWaitBound>();

/** A call would wait longer than the delivery can afford: it took no slot; come back in `retryAfterMs`. */
export class LimiterDeferral extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`the next Cloudflare slot is ${Math.ceil(retryAfterMs)} ms away: deferred`);
    this.name = 'LimiterDeferral';
  }
}

/** Run `f` (one delivery) with its limiter wait bounded. */
export function withLimiterWaitBound<T>(bound: LimiterWaitBound, f: () => Promise<T>): Promise<T> {
  return current.run(bound, f);
}

/** The longest wait the current delivery allows for its next slot (ms), or undefined outside a delivery. */
export function limiterWaitAllowed(): number | undefined {
  const b = current.getStore();
  if (!b) return undefined;
  return Math.max(0, Math.min(b.maxWaitMs, b.deadline - b.now()));
}
