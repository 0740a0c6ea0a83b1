/**
 * Scheduled: re-enqueues job chunks stuck past their visibility window, fails
 * chunks whose every delivery crashed (their message is in the DLQ), finalizes
 * jobs whose last settle crashed, and cancels idle browser-paced jobs.
 */
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../observability/logger';
import { sweep, type SweepReport } from './sweep';
import { jobsFromEnv } from './from-env';

export const handler = async (event: ScheduledEvent): Promise<SweepReport> => {
  const report = await sweep(jobsFromEnv());
  logger.info('sweeper run', { time: event.time, ...report });
  return report;
};
