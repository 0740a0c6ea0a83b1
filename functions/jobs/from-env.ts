/**
 * Jobs wiring for one container from the environment: data layer, tier
 * queues, Cloudflare connections (connections.ts: SDK retries off, the shared
 * DynamoDB rate limiter of the token, checked against the stored account on
 * every use).
 */
import { sqs } from '../aws/client-sqs';
import { loadEnv } from '../platform/env';
import { cloudflareEnv } from '../cloudflare/client';
import { dataLayerFromEnv } from '../data/from-env';
import { queueConsumers } from '../platform/manifest';
import { logger } from '../observability/logger';
import { limitsFor } from '../platform/tiers';
import { createConnectionCache } from '../cloudflare/connections';
import { DEFAULT_JOBS_CONFIG, type JobsDeps } from './deps';
import { sqsJobQueue } from './queue';
import { createJobStore } from './store';

let shared: JobsDeps | undefined;

export function jobsFromEnv(): JobsDeps {
  if (shared) return shared;
  const env = loadEnv(['table', 'keys', 'jobQueues', 'cloudflare']);
  const data = dataLayerFromEnv();
  const cfEnv = cloudflareEnv();
  const consumer = queueConsumers[0]!;
  shared = {
    repo: data.repo,
    store: createJobStore(data.table, data.keyring),
    queue: sqsJobQueue(sqs(), { free: env.JOB_QUEUE_URL_FREE, base: env.JOB_QUEUE_URL_BASE, pro: env.JOB_QUEUE_URL_PRO }),
    connect: createConnectionCache({ repo: data.repo, table: data.table, cloudflare: cfEnv }),
    limits: limitsFor,
    audit: data.audit,
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    config: {
      ...DEFAULT_JOBS_CONFIG,
      maxAttempts: consumer.maxReceiveCount,
      visibilityMs: consumer.visibilityTimeoutSeconds * 1000,
    },
    log: (message, extra) => logger.info(message, extra ?? {}),
  };
  return shared;
}
