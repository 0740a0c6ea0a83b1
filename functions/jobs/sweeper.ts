/** Scheduled: re-enqueues job chunks stuck past their visibility window (the jobs engine fills this in). */
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../observability/logger';

export const handler = async (event: ScheduledEvent): Promise<{ requeued: number }> => {
  logger.info('sweeper run', { time: event.time });
  return { requeued: 0 };
};
