/**
 * Tier worker: consumes job-chunk messages from its tier queue (one function
 * per tier in AWS, one poller pool per tier locally) and reports partial
 * batch failures, so only the chunks that must be retried come back.
 *
 * Per record: processChunk (functions/jobs/process-chunk.ts) claims the chunk with a
 * conditional write, applies it through the Cloudflare batch endpoint behind
 * the shared limiter, and settles it exactly once. A redelivered message for a
 * settled chunk is a no-op; one whose chunk another invocation holds is
 * retried later (so a crashed holder's chunk is picked up when its lease ends).
 * On the last delivery a failing chunk is marked failed (items carry the
 * reason) and the message is reported failed, so it lands in the DLQ.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { queueConsumers } from '../platform/manifest';
import { logger } from '../observability/logger';
import type { JobsDeps } from './deps';
import { jobsFromEnv } from './from-env';
import { parseJobMessage } from './messages';
import { ChunkRetryableError, processChunk } from './process-chunk';

const processor = new BatchProcessor(EventType.SQS);
const maxReceiveCount = Math.min(...queueConsumers.map((c) => c.maxReceiveCount));

export class ChunkBusyError extends Error {
  constructor(chunk: number) {
    super(`chunk ${chunk} is held by another invocation; retry later`);
    this.name = 'ChunkBusyError';
  }
}

/** The record handler, with its deps (tests pass their own). */
export function recordHandlerFor(deps: () => JobsDeps, context?: Pick<Context, 'getRemainingTimeInMillis'>) {
  return async (record: SQSRecord): Promise<void> => {
    const message = parseJobMessage(record.body);
    const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
    try {
      const r = await processChunk(deps(), message, {
        owner: record.messageId,
        receiveCount,
        maxReceiveCount,
        remainingMs: context?.getRemainingTimeInMillis(),
      });
      if (r === 'busy') throw new ChunkBusyError(message.chunk);
    } catch (e) {
      if (e instanceof ChunkRetryableError || e instanceof ChunkBusyError) {
        logger.warn('chunk will be retried', { jobId: message.jobId, chunk: message.chunk, receiveCount, reason: e.message });
      } else {
        logger.error('chunk failed unexpectedly', { jobId: message.jobId, chunk: message.chunk, receiveCount, error: e as Error });
      }
      throw e;
    }
  };
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, recordHandlerFor(jobsFromEnv, context), processor, { context });
};
