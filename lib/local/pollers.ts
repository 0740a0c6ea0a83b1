/**
 * Lambda's SQS event source mapping, locally: per tier queue, up to
 * `TIER_LIMITS[tier].workerConcurrency` concurrent invocations of the worker
 * (like reserved concurrency + `maxConcurrency`), each with a real SQS batch
 * event of up to `batchSize` records, and `reportBatchItemFailures`:
 * successful records are deleted, failed ones reappear after the visibility
 * timeout (and reach the DLQ after maxReceiveCount receives, via the queue's
 * RedrivePolicy). If the handler throws, nothing is deleted.
 */
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { setMaxListeners } from 'node:events';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { queueConsumers as manifestConsumers, type QueueConsumerDef } from '../../functions/platform/manifest';
import { TIER_LIMITS, type Tier } from '../../functions/platform/tiers';
import { invokeFunction, moduleHandlerResolver, type HandlerResolver } from './lambda';

export interface PollerOptions {
  sqs: SQSClient;
  /** Queue URL per tier. */
  queueUrls: Readonly<Record<Tier, string>>;
  /** @default manifest queueConsumers */
  consumers?: readonly QueueConsumerDef[];
  /** @default TIER_LIMITS[tier].workerConcurrency */
  concurrency?: Partial<Record<Tier, number>>;
  resolveHandler?: HandlerResolver;
  /** Long-poll wait. @default 20 (tests: 1) */
  waitTimeSeconds?: number;
  region?: string;
  onError?: (err: unknown, tier: Tier) => void;
}

export interface Pollers {
  /** Invocations in flight right now, per tier. */
  inFlight(tier: Tier): number;
  stop(): Promise<void>;
}

export function toSqsRecord(m: Message, queueArn: string, region: string): SQSRecord {
  const a = m.Attributes ?? {};
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, v] of Object.entries(m.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: v.DataType ?? 'String',
      ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { binaryValue: Buffer.from(v.BinaryValue).toString('base64') } : {}),
      stringListValues: v.StringListValues ?? [],
      binaryListValues: (v.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
    };
  }
  const record: SQSRecord = {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'AIDAFLAREVAULTLOCAL',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(a.MessageGroupId ? { MessageGroupId: a.MessageGroupId } : {}),
      ...(a.MessageDeduplicationId ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
      ...(a.SequenceNumber ? { SequenceNumber: a.SequenceNumber } : {}),
    },
    messageAttributes,
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (m.MD5OfMessageAttributes) record.md5OfMessageAttributes = m.MD5OfMessageAttributes;
  return record;
}

/** Which records to delete, given the handler's response (Lambda's partial batch response rules). */
export function successfulRecords(records: readonly SQSRecord[], response: unknown): SQSRecord[] {
  const failures = (response as { batchItemFailures?: Array<{ itemIdentifier?: unknown }> } | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null) return [...records];
  if (!Array.isArray(failures)) return []; // malformed → Lambda treats the whole batch as failed
  const failed = new Set<string>();
  for (const f of failures) {
    const id = f?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !records.some((r) => r.messageId === id)) return [];
    failed.add(id);
  }
  return records.filter((r) => !failed.has(r.messageId));
}

export async function startPollers(options: PollerOptions): Promise<Pollers> {
  const consumers = options.consumers ?? manifestConsumers;
  const resolver = options.resolveHandler ?? moduleHandlerResolver();
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const wait = options.waitTimeSeconds ?? 20;
  const onError = options.onError ?? ((err: unknown, tier: Tier) => console.error(`[worker:${tier}]`, err));
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per polling slot
  const inFlight = new Map<Tier, number>();
  const loops: Promise<void>[] = [];
  let stopping = false;

  for (const c of consumers) {
    const url = options.queueUrls[c.tier];
    const attrs = await options.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    const arn = attrs.Attributes?.QueueArn ?? `arn:aws:sqs:${region}:000000000000:${url.split('/').pop()}`;
    const slots = options.concurrency?.[c.tier] ?? TIER_LIMITS[c.tier].workerConcurrency;
    inFlight.set(c.tier, 0);
    for (let i = 0; i < slots; i++) loops.push(loop(c, url, arn));
  }

  async function loop(c: QueueConsumerDef, url: string, arn: string): Promise<void> {
    while (!stopping) {
      let messages: Message[] = [];
      try {
        const out = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: Math.min(10, c.batchSize),
            WaitTimeSeconds: wait,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = out.Messages ?? [];
      } catch (err) {
        if (stopping) return;
        onError(err, c.tier);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (messages.length === 0) continue;
      const records = messages.map((m) => toSqsRecord(m, arn, region));
      const event: SQSEvent = { Records: records };
      inFlight.set(c.tier, inFlight.get(c.tier)! + 1);
      let done: SQSRecord[] = [];
      try {
        const response = await invokeFunction(resolver, c.fn, event, region);
        done = successfulRecords(records, response);
      } catch (err) {
        onError(err, c.tier); // the whole batch returns after the visibility timeout
      } finally {
        inFlight.set(c.tier, inFlight.get(c.tier)! - 1);
      }
      for (let i = 0; i < done.length; i += 10) {
        const chunk = done.slice(i, i + 10);
        try {
          await options.sqs.send(
            new DeleteMessageBatchCommand({ QueueUrl: url, Entries: chunk.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })) }),
          );
        } catch (err) {
          onError(err, c.tier);
        }
      }
    }
  }

  return {
    inFlight: (tier) => inFlight.get(tier) ?? 0,
    stop: async () => {
      stopping = true;
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
}
