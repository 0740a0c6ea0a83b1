/**
 * Jobs wiring for one container from the environment: data layer, tier
 * queues, Cloudflare connections (through functions/cloudflare/client.ts,
 * SDK retries off) each with the shared DynamoDB rate limiter of its token.
 */
import { sqs } from '../aws/clients';
import { loadEnv } from '../config/env';
import { cloudflareClient, cloudflareEnv, resolveConnection } from '../cloudflare/client';
import { userTenant } from '../crypto/tenant';
import { dataLayerFromEnv } from '../data';
import { queueConsumers } from '../manifest';
import { logger } from '../observability/logger';
import { limitsFor } from '../tiers';
import { cfApiFromSdk, type CfApi } from './cf';
import { DEFAULT_JOBS_CONFIG, type JobsDeps } from './engine';
import { createBucketLimiter, tokenKeyHash } from './limiter';
import { sqsJobQueue } from './queue';
import { createJobStore } from './store';

let shared: JobsDeps | undefined;

/** Per-request timeout of the engine's Cloudflare calls. */
export const CF_TIMEOUT_MS = 30_000;

export function jobsFromEnv(): JobsDeps {
  if (shared) return shared;
  const env = loadEnv(['table', 'keys', 'jobQueues', 'cloudflare']);
  const data = dataLayerFromEnv();
  const cfEnv = cloudflareEnv();
  const consumer = queueConsumers[0]!;
  const connections = new Map<string, { api: CfApi; at: number }>();
  shared = {
    repo: data.repo,
    store: createJobStore(data.table, data.keyring),
    queue: sqsJobQueue(sqs(), { free: env.JOB_QUEUE_URL_FREE, base: env.JOB_QUEUE_URL_BASE, pro: env.JOB_QUEUE_URL_PRO }),
    async connect(userId, accountId) {
      const key = `${userId}/${accountId}`;
      const hit = connections.get(key);
      if (hit && Date.now() - hit.at < 60_000) return hit.api;
      const { conn } = await resolveConnection({ repo: data.repo, cloudflare: cfEnv }, userTenant(userId), accountId);
      const client = cloudflareClient(conn, { maxRetries: 0, timeoutMs: CF_TIMEOUT_MS });
      const limiter = createBucketLimiter({ table: data.table, keyHash: tokenKeyHash(conn.token) });
      const api = cfApiFromSdk(client, limiter, { timeoutMs: CF_TIMEOUT_MS });
      connections.set(key, { api, at: Date.now() });
      if (connections.size > 500) connections.delete(connections.keys().next().value!);
      return api;
    },
    limits: limitsFor,
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
