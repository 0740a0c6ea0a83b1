/**
 * EventBridge rules from the manifest's `schedules`: rate(everyMinutes) → the
 * Lambda of each schedule's `fn`.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { ScheduleDef } from '../functions/platform/manifest';

export interface FlarevaultSchedulesProps {
  readonly schedules: readonly (Omit<ScheduleDef, 'fn'> & { readonly fn: string })[];
  /** The Lambda serving a manifest function key. */
  readonly functionFor: (fn: string) => lambda.IFunction;
  /**
   * Retries EventBridge makes when the invocation fails.
   * @default 2
   */
  readonly retryAttempts?: number;
}

export class FlarevaultSchedules extends Construct {
  /** Rule per schedule id. */
  public readonly rules: Readonly<Record<string, events.Rule>>;

  constructor(scope: Construct, id: string, props: FlarevaultSchedulesProps) {
    super(scope, id);
    const rules: Record<string, events.Rule> = {};
    for (const s of props.schedules) {
      if (!/^[a-z][a-z0-9-]{0,63}$/.test(s.id)) throw new Error(`FlarevaultSchedules: schedule id "${s.id}" must be kebab-case`);
      if (rules[s.id]) throw new Error(`FlarevaultSchedules: duplicate schedule ${s.id}`);
      if (!Number.isInteger(s.everyMinutes) || s.everyMinutes < 1 || s.everyMinutes > 525_600) {
        throw new Error(`FlarevaultSchedules: ${s.id}.everyMinutes must be an integer in 1..525600 (got ${s.everyMinutes})`);
      }
      const ruleId = s.id.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
      rules[s.id] = new events.Rule(this, ruleId, {
        description: s.description.slice(0, 512),
        schedule: events.Schedule.rate(Duration.minutes(s.everyMinutes)),
        targets: [new targets.LambdaFunction(props.functionFor(s.fn), { retryAttempts: props.retryAttempts ?? 2 })],
      });
    }
    this.rules = rules;
  }
}
