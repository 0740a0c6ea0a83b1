/**
 * The polling half of device authorization (RFC 8628 §3.4–3.5), shared by `sync-client link` and
 * `flarevault login`: poll every `interval` s; `authorization_pending` continues, `slow_down` adds
 * 5 s for this and every later poll (or takes the `interval` the answer names), any other error
 * (access_denied, expired_token, invalid_grant) stops, and so does the code's expiry.
 */
import { ApiError } from '../../frontend/core/problem';

export const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** RFC 8628 §3.5: on slow_down "the interval MUST be increased by 5 seconds for this and all subsequent requests". */
const SLOW_DOWN_STEP_S = 5;

export class LinkRefusedError extends Error {
  constructor(readonly error: string, detail: string) {
    super(`Linking refused (${error}): ${detail}`);
    this.name = 'LinkRefusedError';
  }
}

export interface DeviceFlowStarted {
  readonly interval: number;
  readonly expires_in: number;
}

export interface Approved<T> {
  readonly issued: T;
  /** Polls sent to the token endpoint. */
  readonly polls: number;
  /** The interval in force at the end (grown by slow_down). */
  readonly interval: number;
}

/** Polls `poll` (the token request) until it answers 2xx; throws LinkRefusedError on a final error. */
export async function pollUntilApproved<T>(started: DeviceFlowStarted, poll: () => Promise<T>, sleep: (ms: number) => Promise<void> = sleepMs): Promise<Approved<T>> {
  let interval = started.interval;
  const deadline = Date.now() + started.expires_in * 1000;
  let polls = 0;
  for (;;) {
    await sleep(interval * 1000);
    polls++;
    try {
      return { issued: await poll(), polls, interval };
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 400 || typeof err.problem.error !== 'string') throw err;
      const error = err.problem.error;
      if (error === 'slow_down') interval = typeof err.problem.interval === 'number' ? err.problem.interval : interval + SLOW_DOWN_STEP_S;
      else if (error !== 'authorization_pending') throw new LinkRefusedError(error, err.message);
      if (Date.now() + interval * 1000 > deadline) throw new LinkRefusedError('expired_token', 'the code expired before anyone approved it');
    }
  }
}
