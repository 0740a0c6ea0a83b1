/**
 * One SQS queue + DLQ + worker per tier. Concurrency comes from TIER_LIMITS,
 * batch size / visibility / redrive from the manifest's queueConsumers.
 */
import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionDef, QueueConsumerDef } from '../functions/platform/manifest';
import type { Tier } from '../functions/platform/tiers';
import { TIER_LIMITS, TIERS } from '../functions/platform/tiers';
import type { StageConfig } from './config';
import type { FlarevaultResources } from './function';
import { FlarevaultFunction } from './function';

/** AWS minimum for an SQS event source's maximum concurrency. */
export const MIN_SQS_MAX_CONCURRENCY = 2;

export interface JobQueuesProps {
  readonly config: StageConfig;
  /** One entry per tier (the manifest's `queueConsumers`). */
  readonly consumers: readonly (Omit<QueueConsumerDef, 'fn'> & { readonly fn: string })[];
  /** The manifest's function table, to resolve each consumer's `fn`. */
  readonly functions: Readonly<Record<string, FunctionDef>>;
  /** Everything but the queues (added here). */
  readonly resources: Omit<FlarevaultResources, 'jobQueues'>;
  /**
   * How long a DLQ keeps a failed message.
   * @default Duration.days(14)
   */
  readonly dlqRetention?: Duration;
}

export class JobQueues extends Construct {
  public readonly queues: Readonly<Record<Tier, sqs.Queue>>;
  public readonly deadLetterQueues: Readonly<Record<Tier, sqs.Queue>>;
  public readonly workers: Readonly<Record<Tier, FlarevaultFunction>>;

  constructor(scope: Construct, id: string, props: JobQueuesProps) {
    super(scope, id);
    const byTier = new Map<Tier, Omit<QueueConsumerDef, 'fn'> & { readonly fn: string }>();
    for (const c of props.consumers) {
      if (byTier.has(c.tier)) throw new Error(`JobQueues: two consumers for tier ${c.tier}`);
      byTier.set(c.tier, c);
    }
    const queues = {} as Record<Tier, sqs.Queue>;
    const dlqs = {} as Record<Tier, sqs.Queue>;
    for (const tier of TIERS) {
      const c = byTier.get(tier);
      if (!c) throw new Error(`JobQueues: the manifest has no queue consumer for tier ${tier}`);
      const def = props.functions[c.fn];
      if (!def) throw new Error(`JobQueues: consumer ${tier} names unknown function ${c.fn}`);
      const timeout = def.timeoutSeconds ?? 10;
      if (c.visibilityTimeoutSeconds < timeout || c.visibilityTimeoutSeconds > 43_200) {
        throw new Error(
          `JobQueues ${tier}: visibilityTimeoutSeconds (${c.visibilityTimeoutSeconds}) must be >= the ${c.fn} timeout (${timeout}s; AWS recommends 6x) and <= 43200`,
        );
      }
      if (!Number.isInteger(c.batchSize) || c.batchSize < 1 || c.batchSize > 10) {
        throw new Error(`JobQueues ${tier}: batchSize must be 1..10 without a batching window (got ${c.batchSize})`);
      }
      if (!Number.isInteger(c.maxReceiveCount) || c.maxReceiveCount < 1 || c.maxReceiveCount > 1000) {
        throw new Error(`JobQueues ${tier}: maxReceiveCount must be 1..1000 (got ${c.maxReceiveCount})`);
      }
      dlqs[tier] = new sqs.Queue(this, `${cap(tier)}Dlq`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: props.dlqRetention ?? Duration.days(14),
        removalPolicy: props.config.removalPolicy,
      });
      queues[tier] = new sqs.Queue(this, `${cap(tier)}Queue`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(c.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(4),
        deadLetterQueue: { queue: dlqs[tier], maxReceiveCount: c.maxReceiveCount },
        removalPolicy: props.config.removalPolicy,
      });
    }
    this.queues = queues;
    this.deadLetterQueues = dlqs;

    const resources: FlarevaultResources = { ...props.resources, jobQueues: queues };
    const workers = {} as Record<Tier, FlarevaultFunction>;
    for (const tier of TIERS) {
      const c = byTier.get(tier)!;
      const concurrency = TIER_LIMITS[tier].workerConcurrency;
      const worker = new FlarevaultFunction(this, `${cap(tier)}Worker`, {
        functionId: c.fn,
        variant: tier,
        def: props.functions[c.fn]!,
        config: props.config,
        resources,
        reservedConcurrentExecutions: concurrency,
      });
      worker.function.addEventSource(
        new SqsEventSource(queues[tier], {
          batchSize: c.batchSize,
          maxConcurrency: Math.max(MIN_SQS_MAX_CONCURRENCY, concurrency),
          reportBatchItemFailures: true,
        }),
      );
      workers[tier] = worker;
    }
    this.workers = workers;
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
