/**
 * AWS SDK v3 clients, created once per container on first use. Endpoints come
 * from the standard AWS_ENDPOINT_URL_<SERVICE> variables (set only by the local
 * runtime), so no code here knows where it runs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

export const dynamoClient = once(() => new DynamoDBClient({}));
export const documentClient = once(() =>
  DynamoDBDocumentClient.from(dynamoClient(), { marshallOptions: { removeUndefinedValues: true } }),
);
export const kmsClient = once(() => new KMSClient({}));
/** Queue URLs are used as given; resolving their host as the endpoint breaks locally and gains nothing in AWS. */
export const sqsClient = once(() => new SQSClient({ useQueueUrlAsEndpoint: false }));
export const s3Client = once(() => new S3Client({ forcePathStyle: true }));
