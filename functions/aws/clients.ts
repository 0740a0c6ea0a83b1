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
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';

let ddb: DynamoDBClient | undefined;
let doc: DynamoDBDocumentClient | undefined;
let kmsC: KMSClient | undefined;
let sqsC: SQSClient | undefined;
let s3C: S3Client | undefined;

export function dynamoDb(): DynamoDBClient {
  ddb ??= new DynamoDBClient({});
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
  kmsC ??= new KMSClient({});
  return kmsC;
}

/** Queue URLs from the local emulator do not resolve as hosts; keep the configured endpoint. */
export function sqs(): SQSClient {
  sqsC ??= new SQSClient({ useQueueUrlAsEndpoint: false });
  return sqsC;
}

/** Path-style works in AWS and against local emulators alike. */
export function s3(): S3Client {
  s3C ??= new S3Client({ forcePathStyle: true });
  return s3C;
}

export function resetClientsForTests(): void {
  for (const c of [ddb, kmsC, sqsC, s3C]) c?.destroy();
  ddb = doc = kmsC = sqsC = s3C = undefined;
}

/** Earlier names, kept as aliases. */
export const dynamoClient = dynamoDb;
export const kmsClient = kms;
export const sqsClient = sqs;
export const s3Client = s3;
