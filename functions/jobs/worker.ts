/**
 * Tier worker: consumes job-chunk messages from its tier queue (one function
 * per tier in AWS, one poller pool per tier locally), reporting partial batch
 * failures so only failed chunks are retried.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord, Context } from 'aws-lambda';
import { logger } from '../observability/logger';
import { parseJobMessage, type JobMessageHandler } from './messages';

const processor = new BatchProcessor(EventType.SQS);

/** Set by the jobs engine (issue 6); until then every message fails and lands in the DLQ, never silently dropped. */
let handleMessage: JobMessageHandler = async (message) => {
  throw new Error(`no job engine registered for message kind ${message.kind}`);
};

export function registerJobMessageHandler(h: JobMessageHandler): void {
  handleMessage = h;
}

async function recordHandler(record: SQSRecord): Promise<void> {
  const message = parseJobMessage(record.body);
  await handleMessage(message, { messageId: record.messageId, receiveCount: Number(record.attributes.ApproximateReceiveCount ?? '1') });
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, recordHandler, processor, { context });
};
