/**
 * The CloudWatch Logs subscription event a Lambda destination receives (documented format:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html#LambdaFunctionExample):
 * `{ awslogs: { data } }`, `data` being base64 of the gzip of the JSON
 * `{ messageType, owner, logGroup, logStream, subscriptionFilters, logEvents: [{ id, timestamp, message }] }`.
 * `messageType` is DATA_MESSAGE, or CONTROL_MESSAGE when CloudWatch Logs checks the destination.
 *
 *   decodeSubscriptionEvent(event) -> CloudWatchLogsDecodedData   throws MalformedSubscriptionError
 */
import { gunzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData } from 'aws-lambda';

export class MalformedSubscriptionError extends Error {
  constructor(reason: string) {
    super(`malformed CloudWatch Logs subscription payload: ${reason}`);
    this.name = 'MalformedSubscriptionError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function decodeSubscriptionEvent(event: unknown): CloudWatchLogsDecodedData {
  const data = isObject(event) && isObject(event.awslogs) ? event.awslogs.data : undefined;
  if (typeof data !== 'string' || data === '') throw new MalformedSubscriptionError('no awslogs.data');
  let decoded: unknown;
  try {
    decoded = JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8'));
  } catch (e) {
    throw new MalformedSubscriptionError(`awslogs.data is not base64 gzip JSON (${(e as Error).message})`);
  }
  if (!isObject(decoded) || typeof decoded.messageType !== 'string' || !Array.isArray(decoded.logEvents)) {
    throw new MalformedSubscriptionError('no messageType or logEvents');
  }
  return decoded as unknown as CloudWatchLogsDecodedData;
}
