/**
 * AWS SDK v3 clients, created lazily once per container and shared by every
 * module. Endpoints come from the standard `AWS_ENDPOINT_URL_<SERVICE>`
 * variables (the local runtime and tests set them), so there is no local
 * branch here. This is the only module in functions/ that holds global state
 * for AWS; domain modules receive these clients as ports.
 *
 * Public API:
 *   dynamoDb(): DynamoDBClient
 *   documentClient(): DynamoDBDocumentClient   // removeUndefinedValues
 *   kms(): KMSClient
 *   sqs(): SQSClient                            // useQueueUrlAsEndpoint: false
 *   s3(): S3Client                              // forcePathStyle: true
 *   resetClientsForTests(): void                // drop cached clients (after env changes)
 *
 * Every client has a connection timeout, a total request timeout and bounded
 * retries, so a stalled or unreachable service fails within seconds (the HTTP
 * toolkit answers 503 + Retry-After, see faults.ts) instead of holding the
 * request until the function times out. DynamoDB, KMS and SQS calls are small
 * (p99 in tens of ms): 2 s per attempt, 2 attempts, ≈ 4 s worst case. S3
 * carries backup parts of several MiB, so its requests get longer.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';

const SMALL_CALLS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
} as const;
const LARGE_BODIES = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
} as const;

let ddb: DynamoDBClient | undefined;
let doc: DynamoDBDocumentClient | undefined;
let kmsC: KMSClient | undefined;
let sqsC: SQSClient | undefined;
let s3C: S3Client | undefined;

export function dynamoDb(): DynamoDBClient {
  ddb ??= new DynamoDBClient({ ...SMALL_CALLS });
  return ddb;
}

export function documentClient(): DynamoDBDocumentClient {
  doc ??= DynamoDBDocumentClient.from(dynamoDb(), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
    unmarshallOptions: { wrapNumbers: false },
  });
  return doc;
}

export function kms(): KMSClient {
  kmsC ??= new KMSClient({ ...SMALL_CALLS });
  return kmsC;
}

/** Queue URLs from the local emulator do not resolve as hosts; keep the configured endpoint. */
export function sqs(): SQSClient {
  sqsC ??= new SQSClient({ ...SMALL_CALLS, useQueueUrlAsEndpoint: false });
  return sqsC;
}

/** Path-style works in AWS and against local emulators alike. */
export function s3(): S3Client {
  s3C ??= new S3Client({ ...LARGE_BODIES, forcePathStyle: true });
  return s3C;
}

export function resetClientsForTests(): void {
  for (const c of [ddb, kmsC, sqsC, s3C]) c?.destroy();
  ddb = doc = kmsC = sqsC = s3C = undefined;
}
