/**
 * FlarevaultStack: composes the constructs from the manifest. Every route,
 * queue consumer and schedule comes from functions/platform/manifest.ts, so a route
 * exists here exactly when it exists in the local runtime.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { FunctionDef, LogSubscriptionDef, PreflightDef, QueueConsumerDef, ScheduleDef } from '../functions/platform/manifest';
import * as manifest from '../functions/platform/manifest';
import type { RouteDef } from '../functions/contracts/route';
import { FlarevaultAlarms } from './alarms';
import { FlarevaultApi } from './api';
import { BackupBucket } from './backup';
import { SyncBucket } from './sync-bucket';
import type { StageConfig } from './config';
import { FlarevaultData } from './data';
import { FlarevaultEdge } from './edge';
import type { FlarevaultResources } from './function';
import { FlarevaultFunction } from './function';
import { AccessLogBucket } from './log-bucket';
import { FlarevaultLogSubscriptions } from './log-subscriptions';
import { JobQueues } from './queues';
import { FlarevaultSchedules } from './schedules';

/** Manifest entries with `fn` widened to any function key (so variants type-check). */
type Loose<T extends { fn: string }> = Omit<T, 'fn'> & { readonly fn: string };

/** The parts of the manifest the stack reads (tests may pass a variant). */
export interface FlarevaultManifest {
  readonly functions: Readonly<Record<string, FunctionDef>>;
  readonly routes: readonly RouteDef[];
  readonly queueConsumers: readonly Loose<QueueConsumerDef>[];
  readonly schedules: readonly Loose<ScheduleDef>[];
  /** @default none */
  readonly preflights?: readonly Loose<PreflightDef>[];
  /** @default none */
  readonly logSubscriptions?: readonly (Loose<LogSubscriptionDef> & { readonly sources: readonly string[] })[];
}

export interface FlarevaultStackProps extends StackProps {
  readonly config: StageConfig;
  /**
   * @default the real manifest (functions/platform/manifest.ts)
   */
  readonly manifest?: FlarevaultManifest;
  /**
   * Built SPA folder.
   * @default `<repo>/frontend/dist`
   */
  readonly spaDistPath?: string;
}

export class FlarevaultStack extends Stack {
  public readonly config: StageConfig;
  public readonly data: FlarevaultData;
  public readonly logs: AccessLogBucket;
  public readonly backup: BackupBucket;
  public readonly sync: SyncBucket;
  public readonly jobs: JobQueues;
  public readonly api: FlarevaultApi;
  public readonly edge: FlarevaultEdge;
  public readonly schedules: FlarevaultSchedules;
  public readonly alarms: FlarevaultAlarms;
  public readonly logSubscriptions: FlarevaultLogSubscriptions;
  /** One function per manifest key that serves routes, schedules or log subscriptions (workers live in `jobs`). */
  public readonly functions: ReadonlyMap<string, FlarevaultFunction>;

  constructor(scope: Construct, id: string, props: FlarevaultStackProps) {
    super(scope, id, props);
    const { config } = props;
    const m: FlarevaultManifest = props.manifest ?? manifest;
    this.config = config;

    const consumerFns = new Set<string>(m.queueConsumers.map((c) => c.fn));
    for (const r of m.routes) {
      if (!m.functions[r.fn]) throw new Error(`FlarevaultStack: route ${r.method} ${r.path} names unknown function ${r.fn}`);
      if (consumerFns.has(r.fn)) throw new Error(`FlarevaultStack: route ${r.method} ${r.path} targets queue consumer ${r.fn} (one Lambda per tier; not routable)`);
    }
    for (const s of m.schedules) {
      if (!m.functions[s.fn]) throw new Error(`FlarevaultStack: schedule ${s.id} names unknown function ${s.fn}`);
      if (consumerFns.has(s.fn)) throw new Error(`FlarevaultStack: schedule ${s.id} targets queue consumer ${s.fn} (one Lambda per tier; not schedulable)`);
    }

    this.data = new FlarevaultData(this, 'Data', { config });
    this.logs = new AccessLogBucket(this, 'AccessLogs', { config });
    this.backup = new BackupBucket(this, 'Backup', { config, key: this.data.key, logBucket: this.logs.bucket });
    this.sync = new SyncBucket(this, 'Sync', { config, key: this.data.key, logBucket: this.logs.bucket });

    const base: Omit<FlarevaultResources, 'jobQueues'> = {
      table: this.data.table,
      tableIndexArns: this.data.indexArns,
      key: this.data.key,
      backupBucket: this.backup.bucket,
      syncBucket: this.sync.bucket,
      mailFrom: config.mailFrom,
    };
    this.jobs = new JobQueues(this, 'Jobs', { config, consumers: m.queueConsumers, functions: m.functions, resources: base });

    // The API exists before the edge (CloudFront needs its domain); routes are added after
    // the functions, which need the edge's public URL. No CloudFormation cycle: the
    // distribution references only the Api resource, never routes or integrations.
    this.api = new FlarevaultApi(this, 'Api', { config });
    this.edge = new FlarevaultEdge(this, 'Edge', {
      config,
      apiOriginDomain: this.api.originDomain,
      logBucket: this.logs.bucket,
      spaDistPath: props.spaDistPath,
    });

    const resources: FlarevaultResources = {
      ...base,
      jobQueues: this.jobs.queues,
      edge: {
        originVerifySecret: this.edge.originVerifySecret,
        publicUrl: this.edge.publicUrl,
        corsAllowedOrigins: config.corsAllowedOrigins,
      },
    };
    const functions = new Map<string, FlarevaultFunction>();
    const constructFor = (fn: string): FlarevaultFunction => {
      let f = functions.get(fn);
      if (!f) {
        const def = m.functions[fn];
        if (!def) throw new Error(`FlarevaultStack: unknown function ${fn}`);
        f = new FlarevaultFunction(this, `${fn.charAt(0).toUpperCase()}${fn.slice(1)}Function`, { functionId: fn, def, config, resources });
        functions.set(fn, f);
      }
      return f;
    };
    const functionFor = (fn: string): lambda.IFunction => constructFor(fn).function;
    this.api.addRoutes(m.routes, functionFor);
    this.api.addPreflights(m.preflights ?? [], functionFor);
    this.schedules = new FlarevaultSchedules(this, 'Schedules', { schedules: m.schedules, functionFor });
    this.logSubscriptions = new FlarevaultLogSubscriptions(this, 'LogSubscriptions', {
      config,
      subscriptions: m.logSubscriptions ?? [],
      functionFor: constructFor,
    });
    this.functions = functions;

    this.alarms = new FlarevaultAlarms(this, 'Alarms', {
      config,
      functions: [...functions.values(), ...Object.values(this.jobs.workers)],
      workers: this.jobs.workers,
      deadLetterQueues: this.jobs.deadLetterQueues,
      failureQueues: this.logSubscriptions.failureQueues,
      httpApi: this.api.httpApi,
    });

    new CfnOutput(this, 'Url', { value: this.edge.publicUrl, description: 'Dashboard and API (/api/*)' });
    new CfnOutput(this, 'DistributionId', { value: this.edge.distribution.distributionId });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'BackupBucketName', { value: this.backup.bucket.bucketName });
    new CfnOutput(this, 'SyncBucketName', { value: this.sync.bucket.bucketName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
  }
}
