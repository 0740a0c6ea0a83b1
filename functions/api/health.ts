/**
 * Health checks, two of them:
 *  - shallow (public `GET /api/health`): one DescribeTable, its answer shared for a few
 *    seconds per container, so no load on the public route reaches AWS more often than that;
 *  - deep (operators, `GET /api/v1/system/health`, dependency-health.ts and -probes.ts): probes each dependency
 *    with a cheap read-only call and reports ok/failing with latency; a few per window per container.
 * Only the shallow check's DynamoDB command is imported here: the system function, which serves
 * the public check, then loads no other SDK client at cold start.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { z } from 'zod';
import { PUBLIC_HEALTH_MAX_AGE_SECONDS, type DependencyStatus, type PublicHealth } from '../contracts/system';
import type { Env } from '../platform/env';

type Dependency = z.infer<typeof DependencyStatus>;

/** One dependency call, timed, bounded by `timeoutMs`; a failure is reported, never thrown. */
export async function probe(name: Dependency['name'], call: () => Promise<unknown>, timeoutMs: number): Promise<Dependency> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      call(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (e) {
    // Error names only: an SDK message may include resource ARNs, fine for operators but not needed here.
    const err = e as Error;
    return { name, ok: false, latencyMs: Math.round(performance.now() - started), error: `${err.name}: ${err.message}`.slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}

export interface ShallowHealthPorts {
  readonly env: Env<'table'>;
  readonly dynamo: { send(c: DescribeTableCommand): Promise<unknown> };
  /** @default PUBLIC_HEALTH_MAX_AGE_SECONDS * 1000 */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/** The public check: concurrent and repeated callers within the TTL share one DescribeTable. */
export function shallowHealth(ports: ShallowHealthPorts): () => Promise<z.infer<typeof PublicHealth>> {
  const ttlMs = ports.ttlMs ?? PUBLIC_HEALTH_MAX_AGE_SECONDS * 1000;
  const now = ports.now ?? Date.now;
  let cached: { at: number; report: Promise<z.infer<typeof PublicHealth>> } | undefined;
  return () => {
    if (cached && now() - cached.at < ttlMs) return cached.report;
    const report = probe('dynamodb', () => ports.dynamo.send(new DescribeTableCommand({ TableName: ports.env.TABLE_NAME })), 1000).then(
      (d) => ({ status: d.ok ? ('ok' as const) : ('degraded' as const), stage: ports.env.STAGE }),
    );
    cached = { at: now(), report };
    return report;
  };
}

/**
 * At most `limit` grants per fixed window of `windowMs`, in this container: `take()` answers
 * undefined (granted) or the seconds until the window ends. Granted synchronously, so a
 * concurrent burst cannot overrun it. Across containers the allowance is `limit` × containers.
 */
export function windowLimiter(limit: number, windowMs: number, now: () => number = Date.now): { take(): number | undefined } {
  let windowStart = -Infinity;
  let used = 0;
  return {
    take() {
      const t = now();
      if (t - windowStart >= windowMs) {
        windowStart = t;
        used = 0;
      }
      if (used < limit) {
        used++;
        return undefined;
      }
      return (windowStart + windowMs - t) / 1000;
    },
  };
}

/** Deep checks allowed per window per container (each makes six AWS calls). */
export const DEEP_HEALTH_LIMIT = { checks: 3, windowSeconds: 10 } as const;
