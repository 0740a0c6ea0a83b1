/** `GET /api/v1/system/health`: the deep dependency check, for signed-in operators, rate-limited per container. */
import { getDependencyHealth } from '../contracts/system';
import { DomainError } from '../errors';
import { bind } from '../http/handler';
import { loadEnv } from '../platform/env';
import { DEEP_HEALTH_LIMIT, windowLimiter } from './health';

export function dependencyHealthRoute() {
  const env = loadEnv(['health']);
  const deepChecks = windowLimiter(DEEP_HEALTH_LIMIT.checks, DEEP_HEALTH_LIMIT.windowSeconds * 1000);
  return bind(getDependencyHealth, async () => {
    const retryAfterSeconds = deepChecks.take();
    if (retryAfterSeconds !== undefined) {
      throw new DomainError('rate-limited', `At most ${DEEP_HEALTH_LIMIT.checks} dependency checks per ${DEEP_HEALTH_LIMIT.windowSeconds} s`, { retryAfterSeconds });
    }
    // Loaded on the first deep check: a container that never runs one never loads those clients.
    const { checkDependencies } = await import('./dependency-probes');
    const report = await checkDependencies(env);
    return { status: report.status === 'ok' ? 200 : 503, body: report, headers: { 'cache-control': 'no-store' } };
  });
}
