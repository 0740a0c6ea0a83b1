/**
 * Alarms → one SNS topic (encrypted with its own key, TLS only, optional
 * e-mail): every DLQ with a message, API 5xx, Lambda errors and throttles per
 * function, and job item failures logged by the workers.
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Tier } from '../functions/platform/tiers';
import type { StageConfig } from './config';
import type { FlarevaultFunction } from './function';

export const METRIC_NAMESPACE = 'Flarevault';

export interface FlarevaultAlarmsProps {
  readonly config: StageConfig;
  /** Every function of the stack (errors + throttles alarms). */
  readonly functions: readonly FlarevaultFunction[];
  /** Worker per tier (job failure metric filter). */
  readonly workers: Readonly<Record<Tier, FlarevaultFunction>>;
  readonly deadLetterQueues: Readonly<Record<Tier, sqs.IQueue>>;
  /** On-failure queues of the log-subscription destinations (lib/log-subscriptions.ts), by function key. */
  readonly failureQueues?: ReadonlyMap<string, sqs.IQueue>;
  readonly httpApi: apigw.IHttpApi;
  /**
   * 5xx responses per 5 minutes that raise the API alarm.
   * @default 5
   */
  readonly api5xxThreshold?: number;
  /**
   * Job item failures per 5 minutes per tier that raise the alarm.
   * @default 10
   */
  readonly jobFailureThreshold?: number;
}

export class FlarevaultAlarms extends Construct {
  public readonly topic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: FlarevaultAlarmsProps) {
    super(scope, id);
    const { config } = props;
    const api5xx = props.api5xxThreshold ?? 5;
    const jobFailures = props.jobFailureThreshold ?? 10;
    if (!(api5xx >= 1) || !(jobFailures >= 1)) throw new Error('FlarevaultAlarms: thresholds must be >= 1');

    // Its own key: the data CMK's policy stays limited to the functions that need it.
    const key = new kms.Key(this, 'TopicKey', {
      description: `flarevault ${config.stage}: encrypts the alarm topic`,
      enableKeyRotation: true,
      removalPolicy: config.removalPolicy,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'], // in a key policy, "*" is this key
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `flarevault ${config.stage} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.topic.addSubscription(new subs.EmailSubscription(config.alarmEmail));
    const action = new actions.SnsAction(this.topic);
    const add = (alarm: cloudwatch.Alarm): void => {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };
    const period = Duration.minutes(5);

    for (const [tier, dlq] of Object.entries(props.deadLetterQueues) as [Tier, sqs.IQueue][]) {
      add(
        new cloudwatch.Alarm(this, `Dlq${cap(tier)}`, {
          alarmDescription: `${tier} job DLQ holds messages: a job chunk failed every retry`,
          metric: dlq.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const [fn, queue] of props.failureQueues ?? []) {
      add(
        new cloudwatch.Alarm(this, `FailureQueue${cap(fn)}`, {
          alarmDescription: `${fn} failed an event on every retry: its lines wait in the on-failure queue for a replay`,
          metric: queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    add(
      new cloudwatch.Alarm(this, 'Api5xx', {
        alarmDescription: `API answered ${api5xx}+ 5xx in 5 minutes`,
        metric: props.httpApi.metricServerError({ period, statistic: 'Sum' }),
        threshold: api5xx,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );

    for (const f of props.functions) {
      const name = f.node.path.split('/').slice(1).join('');
      add(
        new cloudwatch.Alarm(this, `${name}Errors`, {
          alarmDescription: `${f.node.path}: Lambda errors`,
          metric: f.function.metricErrors({ period, statistic: 'Sum' }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
      add(
        new cloudwatch.Alarm(this, `${name}Throttles`, {
          alarmDescription: `${f.node.path}: Lambda throttles`,
          metric: f.function.metricThrottles({ period, statistic: 'Sum' }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    // Workers report per-item failures (reportBatchItemFailures), which never show up as
    // Lambda Errors: count the ERROR lines the Powertools logger writes instead.
    for (const [tier, worker] of Object.entries(props.workers) as [Tier, FlarevaultFunction][]) {
      // Metric filters cannot add literal dimensions, so stage and tier go in the name.
      const metricName = `JobItemFailures-${config.stage}-${tier}`;
      new logs.MetricFilter(this, `JobFailures${cap(tier)}Filter`, {
        logGroup: worker.logGroup,
        filterPattern: logs.FilterPattern.stringValue('$.level', '=', 'ERROR'),
        metricNamespace: METRIC_NAMESPACE,
        metricName,
        metricValue: '1',
        unit: cloudwatch.Unit.COUNT,
      });
      add(
        new cloudwatch.Alarm(this, `JobFailures${cap(tier)}`, {
          alarmDescription: `${tier} workers logged ${jobFailures}+ job item failures in 5 minutes`,
          metric: new cloudwatch.Metric({ namespace: METRIC_NAMESPACE, metricName, period, statistic: 'Sum' }),
          threshold: jobFailures,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
