/**
 * The manifest's `logSubscriptions`: a CloudWatch Logs subscription filter on the log group of
 * each source function, delivering the matching lines to the destination function
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html#LambdaFunctionExample).
 * CloudWatch Logs invokes the destination asynchronously
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-cloudwatchlogs.html): a failed invocation
 * is retried twice by Lambda, then its event goes to the destination's on-failure queue
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html), kept 14
 * days and alarmed on (lib/alarms.ts), so no line is lost silently.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as destinations from 'aws-cdk-lib/aws-logs-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { logFilterPattern, type LogSubscriptionDef } from '../functions/platform/manifest';
import type { StageConfig } from './config';
import type { FlarevaultFunction } from './function';

export interface FlarevaultLogSubscriptionsProps {
  readonly config: StageConfig;
  readonly subscriptions: readonly (Omit<LogSubscriptionDef, 'fn' | 'sources'> & { readonly fn: string; readonly sources: readonly string[] })[];
  /** The construct of a manifest function key (made on first use). */
  readonly functionFor: (fn: string) => FlarevaultFunction;
}

/** How long Lambda keeps retrying an event of a destination before it goes to the on-failure queue. */
const MAX_EVENT_AGE = Duration.hours(6);

const pascal = (id: string) => id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());

export class FlarevaultLogSubscriptions extends Construct {
  /** Subscription filters by `<subscription id>/<source function>`. */
  public readonly filters: ReadonlyMap<string, logs.SubscriptionFilter>;
  /** The on-failure queue of each destination function, by function key. */
  public readonly failureQueues: ReadonlyMap<string, sqs.Queue>;

  constructor(scope: Construct, id: string, props: FlarevaultLogSubscriptionsProps) {
    super(scope, id);
    const filters = new Map<string, logs.SubscriptionFilter>();
    const failureQueues = new Map<string, sqs.Queue>();
    for (const s of props.subscriptions) {
      if (!/^[a-z][a-z0-9-]{0,63}$/.test(s.id)) throw new Error(`FlarevaultLogSubscriptions: subscription id "${s.id}" must be kebab-case`);
      if (s.sources.includes(s.fn)) throw new Error(`FlarevaultLogSubscriptions: ${s.id} would deliver ${s.fn}'s own log group to it`);
      const destination = props.functionFor(s.fn);
      if (!failureQueues.has(s.fn)) failureQueues.set(s.fn, this.failureQueue(s.fn, destination, props.config));
      const target = new destinations.LambdaDestination(destination.function);
      for (const source of s.sources) {
        const key = `${s.id}/${source}`;
        if (filters.has(key)) throw new Error(`FlarevaultLogSubscriptions: duplicate source ${key}`);
        filters.set(
          key,
          new logs.SubscriptionFilter(this, `${pascal(s.id)}${pascal(source)}`, {
            logGroup: props.functionFor(source).logGroup,
            destination: target,
            filterPattern: logs.FilterPattern.literal(logFilterPattern(s)),
            filterName: `${s.id}-to-${s.fn}`,
          }),
        );
      }
    }
    this.filters = filters;
    this.failureQueues = failureQueues;
  }

  /** Two retries, then the event (its `awslogs.data` intact, for a replay) to an SQS queue. */
  private failureQueue(fn: string, destination: FlarevaultFunction, config: StageConfig): sqs.Queue {
    const queue = new sqs.Queue(this, `${pascal(fn)}FailureQueue`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: config.removalPolicy,
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself the dead-letter destination of ${fn}'s asynchronous invocations (EventInvokeConfig OnFailure; cdk-nag only recognises an SQS RedrivePolicy): nothing consumes it automatically, an operator replays its events.`,
    });
    // L1, not configureAsyncInvoke + SqsDestination: that grants GetQueueAttributes/GetQueueUrl too,
    // and Lambda needs only SendMessage on the queue (the function's own role sends the record).
    const invokeConfig = new lambda.CfnEventInvokeConfig(this, `${pascal(fn)}AsyncInvoke`, {
      functionName: destination.function.functionName,
      qualifier: '$LATEST',
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: MAX_EVENT_AGE.toSeconds(),
      destinationConfig: { onFailure: { destination: queue.queueArn } },
    });
    destination.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'AsyncFailureQueue', actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    // Lambda checks the role can send when the configuration is made.
    invokeConfig.node.addDependency(destination.role);
    return queue;
  }
}
