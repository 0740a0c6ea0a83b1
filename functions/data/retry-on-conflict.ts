/**
 * Runs a read-check-commit `attempt` again when its conditional commit lost to a concurrent
 * write (ConflictError), after a short random wait so a burst spreads out. Past `attempts`
 * the last conflict is rethrown, or turned into the domain's own error by `exhausted`.
 */
import { randomInt } from 'node:crypto';
import { ConflictError } from './errors';

export interface RetryOnConflict {
  readonly attempts: number;
  /** The error a caller sees when every attempt lost (default: the last ConflictError). */
  readonly exhausted?: (last: ConflictError) => Error;
  /** Which conflicts to run again (default: every one). */
  readonly retryIf?: (err: ConflictError) => boolean;
}

export async function retryOnConflict<R>(attempt: () => Promise<R>, o: RetryOnConflict): Promise<R> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof ConflictError) || (o.retryIf && !o.retryIf(err))) throw err;
      if (n >= o.attempts) throw o.exhausted ? o.exhausted(err) : err;
      await new Promise((r) => setTimeout(r, randomInt(2, 10 * Math.min(n, 8))));
    }
  }
}
