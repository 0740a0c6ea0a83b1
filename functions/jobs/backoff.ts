/** The engine's retry policy for Cloudflare calls (the SDK's own retries are off). */
import { CfCallError } from '../cloudflare/bulk-client';
import type { JobsConfig, JobsDeps } from './deps';

/** Full-jitter exponential backoff, bounded; a Retry-After inside the cap is honoured. */
export function backoffMs(cfg: JobsConfig, attempt: number, retryAfterSeconds?: number): number {
  const exp = Math.min(cfg.backoffCapMs, cfg.backoffBaseMs * 2 ** attempt);
  const jitter = Math.random() * exp;
  const floor = retryAfterSeconds !== undefined ? Math.min(cfg.backoffCapMs, retryAfterSeconds * 1000) : 0;
  return Math.max(floor, jitter);
}

/** Reads are idempotent: retry 429/5xx/timeouts with the same bounded backoff. */
export async function readRetry<T>(deps: Pick<JobsDeps, 'config' | 'sleep'>, f: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      if (!(e instanceof CfCallError) || (e.kind !== 'ambiguous' && e.kind !== 'rate-limited') || attempt + 1 >= deps.config.triesPerAttempt + 2) throw e;
      await deps.sleep(backoffMs(deps.config, attempt + 1, e.detail.retryAfterSeconds));
    }
  }
}
