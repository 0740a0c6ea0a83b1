/**
 * Tier worker: consumes the messages of its tier queue (one function per tier in AWS, one poller
 * pool per tier locally) and reports partial batch failures, so only the messages that must be
 * retried come back. Messages (messages.ts): plan-job / plan-zone (planning.ts), check-job /
 * check-zone (apply's drift check, check.ts), apply-chunk (process-chunk.ts).
 *
 * Per apply-chunk: processChunk claims the chunk with a conditional write, applies it through the
 * Cloudflare batch endpoint behind the shared limiter, and settles it exactly once. A redelivered
 * message for a settled chunk (or a planned zone, a checked one) is a no-op; one whose chunk or
 * zone another invocation holds is retried later (so a crashed holder's work is picked up when its
 * lease ends). On the last delivery a failing chunk is marked failed (items carry the reason), a
 * failing plan or check ends with the problem, and the message is reported failed (→ DLQ).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { queueConsumers } from '../platform/manifest';
import { logger } from '../observability/logger';
import type { JobsDeps } from './deps';
import { jobsFromEnv } from './from-env';
import { messageSubject, parseJobMessage } from './messages';
import { RetryableError } from './retryable';
import { runJobMessage } from './run-message';

const processor = new BatchProcessor(EventType.SQS);
const maxReceiveCount = Math.min(...queueConsumers.map((c) => c.maxReceiveCount));

export class BusyError extends RetryableError {
  constructor(subject: string) {
    super(`${subject} is held by another invocation; retry later`);
    this.name = 'BusyError';
  }
}

/** The record handler, with its deps (tests pass their own). */
export function recordHandlerFor(deps: () => JobsDeps, context?: Pick<Context, 'getRemainingTimeInMillis'>) {
  return async (record: SQSRecord): Promise<void> => {
    const message = parseJobMessage(record.body);
    const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
    const log = { jobId: message.jobId, subject: messageSubject(message), receiveCount };
    try {
      const r = await runJobMessage(deps(), message, {
        owner: record.messageId,
        receiveCount,
        maxReceiveCount,
        remainingMs: context?.getRemainingTimeInMillis(),
      });
      if (r === 'busy') throw new BusyError(messageSubject(message));
    } catch (e) {
      if (e instanceof RetryableError) logger.warn('job message will be retried', { ...log, reason: e.message });
      else logger.error('job message failed unexpectedly', { ...log, error: e as Error });
      throw e;
    }
  };
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, recordHandlerFor(jobsFromEnv, context), processor, { context });
};
