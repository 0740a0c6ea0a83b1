/** Probes each dependency with a cheap read-only call and reports ok/failing with latency. */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { z } from 'zod';
import type { DependencyStatus, HealthReport } from '../contracts/system';
import type { Env } from '../platform/env';

type Dependency = z.infer<typeof DependencyStatus>;

export interface HealthPorts {
  readonly env: Env<'table' | 'keys' | 'jobQueues' | 'backupBucket'>;
  readonly dynamo: { send(c: DescribeTableCommand): Promise<unknown> };
  readonly kms: { send(c: DescribeKeyCommand): Promise<unknown> };
  readonly s3: { send(c: HeadBucketCommand): Promise<unknown> };
  readonly sqs: { send(c: GetQueueAttributesCommand): Promise<unknown> };
  /** @default 2000 */
  readonly timeoutMs?: number;
}

async function probe(name: Dependency['name'], call: () => Promise<unknown>, timeoutMs: number): Promise<Dependency> {
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

export async function checkHealth(ports: HealthPorts): Promise<z.infer<typeof HealthReport>> {
  const { env } = ports;
  const timeoutMs = ports.timeoutMs ?? 2000;
  const queues = [env.JOB_QUEUE_URL_FREE, env.JOB_QUEUE_URL_BASE, env.JOB_QUEUE_URL_PRO];
  const dependencies = await Promise.all([
    probe('dynamodb', () => ports.dynamo.send(new DescribeTableCommand({ TableName: env.TABLE_NAME })), timeoutMs),
    probe(
      'sqs',
      () => Promise.all(queues.map((QueueUrl) => ports.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] })))),
      timeoutMs,
    ),
    probe('s3', () => ports.s3.send(new HeadBucketCommand({ Bucket: env.BACKUP_BUCKET })), timeoutMs),
    probe('kms', () => ports.kms.send(new DescribeKeyCommand({ KeyId: env.KMS_KEY_ID })), timeoutMs),
  ]);
  return { status: dependencies.every((d) => d.ok) ? 'ok' : 'degraded', stage: env.STAGE, dependencies };
}
