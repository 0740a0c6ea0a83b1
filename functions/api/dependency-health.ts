/** `GET /api/v1/system/health`: the deep dependency check, for signed-in operators, rate-limited per container. */
import { getDependencyHealth } from '../contracts/system';
import { dynamoDb } from '../aws/client-dynamodb';
import { kms } from '../aws/client-kms';
import { s3 } from '../aws/client-s3';
import { sqs } from '../aws/client-sqs';
import { DomainError } from '../errors';
import { bind } from '../http/handler';
import { loadEnv } from '../platform/env';
import { checkHealth, DEEP_HEALTH_LIMIT, windowLimiter } from './health';

export function dependencyHealthRoute() {
  const env = loadEnv(['health']);
  const deepChecks = windowLimiter(DEEP_HEALTH_LIMIT.checks, DEEP_HEALTH_LIMIT.windowSeconds * 1000);
  return bind(getDependencyHealth, async () => {
    const retryAfterSeconds = deepChecks.take();
    if (retryAfterSeconds !== undefined) {
      throw new DomainError('rate-limited', `At most ${DEEP_HEALTH_LIMIT.checks} dependency checks per ${DEEP_HEALTH_LIMIT.windowSeconds} s`, { retryAfterSeconds });
    }
    // Clients are made on first use: a container that never runs the deep check never loads them.
    const report = await checkHealth({ env, dynamo: dynamoDb(), kms: kms(), s3: s3(), sqs: sqs() });
    return { status: report.status === 'ok' ? 200 : 503, body: report, headers: { 'cache-control': 'no-store' } };
  });
}
