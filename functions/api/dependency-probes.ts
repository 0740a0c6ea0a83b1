/**
 * The deep dependency check's probes: one cheap read-only call per dependency. Loaded by
 * dependency-health.ts on the first deep check, so the KMS, S3 and SQS clients are not part of
 * the auth function's cold start.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { z } from 'zod';
import type { HealthReport } from '../contracts/system';
import { dynamoDb } from '../aws/client-dynamodb';
import { kms } from '../aws/client-kms';
import { s3 } from '../aws/client-s3';
import { sqs } from '../aws/client-sqs';
import type { Env } from '../platform/env';
import { probe } from './health';

export interface HealthPorts {
  readonly env: Env<'table' | 'keys' | 'jobQueues' | 'backupBucket'>;
  readonly dynamo: { send(c: DescribeTableCommand): Promise<unknown> };
  readonly kms: { send(c: DescribeKeyCommand): Promise<unknown> };
  readonly s3: { send(c: HeadBucketCommand): Promise<unknown> };
  readonly sqs: { send(c: GetQueueAttributesCommand): Promise<unknown> };
  /** @default 2000 */
  readonly timeoutMs?: number;
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

/** The deep check with this container's clients. */
export function checkDependencies(env: HealthPorts['env']): Promise<z.infer<typeof HealthReport>> {
  return checkHealth({ env, dynamo: dynamoDb(), kms: kms(), s3: s3(), sqs: sqs() });
}
