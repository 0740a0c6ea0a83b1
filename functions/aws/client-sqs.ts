/** The SQS client (see clients.ts). */
import { SQSClient } from '@aws-sdk/client-sqs';
import { lazyClient, SMALL_CALLS } from './clients';

/** Queue URLs from the local emulator do not resolve as hosts; keep the configured endpoint. */
export const sqs: () => SQSClient = lazyClient(
  () => new SQSClient({ ...SMALL_CALLS, useQueueUrlAsEndpoint: false }),
  (c) => c.destroy(),
);
