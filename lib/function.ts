/**
 * One construct that sets every Lambda default (Node.js 22, arm64, esbuild,
 * own log group with retention, X-Ray, custom least-privilege role), and a
 * `bind(need)` helper that grants a manifest Need and sets its env vars in one
 * call — so a function gets exactly the env and IAM its FunctionDef declares.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { envVarNames } from '../functions/config/env';
import type { FunctionDef, Need } from '../functions/manifest';
import type { Tier } from '../functions/tiers';
import { TIERS } from '../functions/tiers';
import type { StageConfig } from './config';
import { sesIdentityArns } from './mail';

/** Repository root (lib/..). */
export const REPO_ROOT = path.resolve(__dirname, '..');

/**
 * The Lambda runtime of every function (esbuild targets the same version).
 * Pinned to the Node.js 22 LTS on purpose: AwsSolutions-L1 ("latest runtime")
 * is acknowledged per function below; moving to Node.js 24 is this line plus
 * the esbuild target.
 */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_22_X;
export const ESBUILD_TARGET = 'node22';

/** Env vars Lambda reserves and sets itself; never set by the stack. */
export const RESERVED_ENV = new Set(['AWS_REGION']);
/** Env vars that exist only for the local runtime (optional in the schema). */
export const LOCAL_ONLY_ENV = new Set(['MAIL_OUTBOX_DIR', 'CLOUDFLARE_SANDBOX_URL', 'CLOUDFLARE_SANDBOX_ADMIN_TOKEN']);
/** Env vars every function gets on top of its needs. */
export const COMMON_ENV = ['POWERTOOLS_SERVICE_NAME', 'NODE_OPTIONS'] as const;

/** Exactly the env var names the stack sets on a function with these needs. */
export function expectedEnvNames(needs: readonly Need[]): string[] {
  return [...envVarNames(needs).filter((n) => !RESERVED_ENV.has(n) && !LOCAL_ONLY_ENV.has(n)), ...COMMON_ENV].sort();
}

export interface EdgeBinding {
  /** Secret whose value CloudFront sends as `x-origin-verify`. */
  readonly originVerifySecret: secretsmanager.ISecret;
  /** Public URL of the dashboard, e.g. `https://app.example.com`. */
  readonly publicUrl: string;
  readonly corsAllowedOrigins: readonly string[];
}

/** What the needs bind to. A need whose resource is missing fails synth. */
export interface FlarevaultResources {
  readonly table?: dynamodb.ITable;
  /** Index ARNs of `table` (no `index/*` wildcard). */
  readonly tableIndexArns?: readonly string[];
  readonly key?: kms.IKey;
  readonly jobQueues?: Readonly<Record<Tier, sqs.IQueue>>;
  readonly backupBucket?: s3.IBucket;
  readonly edge?: EdgeBinding;
  /** Sender address; when unset, functions needing `mail` get no SES grant. */
  readonly mailFrom?: string;
}

export interface FlarevaultFunctionProps {
  /** Manifest key, e.g. `system`; used for the service name. */
  readonly functionId: string;
  /** The manifest FunctionDef (entry, needs, timeout, memory). */
  readonly def: FunctionDef;
  readonly config: StageConfig;
  readonly resources: FlarevaultResources;
  /**
   * Reserved concurrency.
   * @default - unreserved (account pool)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Extra suffix for the service name (e.g. the tier of a worker).
   * @default - none
   */
  readonly variant?: string;
  /**
   * Directory holding the handler modules.
   * @default `<repo>/functions`
   */
  readonly functionsDir?: string;
}

const DYNAMODB_DATA_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
];

export class FlarevaultFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly functionId: string;
  /** Needs bound so far (the FunctionDef's, in order). */
  public readonly needs: readonly Need[];
  private readonly boundNeeds: Need[] = [];
  private readonly resources: FlarevaultResources;

  constructor(scope: Construct, id: string, props: FlarevaultFunctionProps) {
    super(scope, id);
    const { def, config } = props;
    const timeoutSeconds = def.timeoutSeconds ?? 10;
    const memoryMb = def.memoryMb ?? 512;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 900) {
      throw new Error(`FlarevaultFunction ${props.functionId}: timeoutSeconds must be an integer in 1..900 (got ${timeoutSeconds})`);
    }
    if (!Number.isInteger(memoryMb) || memoryMb < 128 || memoryMb > 10240) {
      throw new Error(`FlarevaultFunction ${props.functionId}: memoryMb must be an integer in 128..10240 (got ${memoryMb})`);
    }
    if (!/^[a-z0-9][a-z0-9/_-]*$/i.test(def.entry) || def.entry.includes('..')) {
      throw new Error(`FlarevaultFunction ${props.functionId}: entry "${def.entry}" must be a module path under functions/`);
    }
    const functionsDir = props.functionsDir ?? path.join(REPO_ROOT, 'functions');
    const entry = path.join(functionsDir, `${def.entry}.ts`);
    const bundling = Stack.of(this).bundlingRequired;
    if (bundling && !fs.existsSync(entry)) {
      throw new Error(`FlarevaultFunction ${props.functionId}: handler ${path.relative(REPO_ROOT, entry)} does not exist`);
    }

    this.functionId = props.functionId;
    this.needs = def.needs;
    this.resources = props.resources;
    const serviceName = props.variant ? `flarevault-${props.functionId}-${props.variant}` : `flarevault-${props.functionId}`;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });

    // A role of our own: no AWSLambdaBasicExecutionRole managed policy (IAM4),
    // only write access to this function's own log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `flarevault ${config.stage} ${serviceName}`,
    });
    // The log group's Arn attribute (`…:log-group:<name>:*`) covers its streams only.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: memoryMb,
      timeout: Duration.seconds(timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      projectRoot: REPO_ROOT,
      description: `flarevault ${config.stage} ${serviceName} (functions/${def.entry}.ts)`,
      environment: {
        STAGE: config.stage,
        LOG_LEVEL: config.isProd ? 'INFO' : 'DEBUG',
        POWERTOOLS_SERVICE_NAME: serviceName,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        minify: true,
        sourceMap: true,
        sourceMapMode: nodejs.SourceMapMode.DEFAULT,
        sourcesContent: false,
        target: ESBUILD_TARGET,
        format: nodejs.OutputFormat.CJS,
        // SDK v3 ships with the Node.js 22 runtime. No native modules: Argon2id is WebAssembly (hash-wasm).
        externalModules: ['@aws-sdk/*'],
        tsconfig: path.join(REPO_ROOT, 'tsconfig.json'),
      },
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Runtime pinned to nodejs22.x (Node.js 22 LTS, in AWS standard support) by project decision: the esbuild target, the local runtime and CI all use Node 22-compatible output. nodejs24.x is newer; the bump is one constant (LAMBDA_RUNTIME in lib/function.ts) once the team moves.',
    });
    // X-Ray accepts no resource-level permissions: PutTraceSegments/PutTelemetryRecords need "*".
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the xray:PutTraceSegments/PutTelemetryRecords statement added by tracing: ACTIVE uses Resource "*"; X-Ray does not support resource-level permissions (https://docs.aws.amazon.com/xray/latest/devguide/security_iam_service-with-iam.html). Every other statement names its resources.',
    });
    for (const need of def.needs) this.bind(need);
  }

  /** Grant the IAM permissions of one Need and set its env vars, in one call. */
  public bind(need: Need): void {
    if (this.boundNeeds.includes(need)) return;
    this.boundNeeds.push(need);
    const r = this.resources;
    const fn = this.function;
    const need_ = <T>(value: T | undefined, what: string): T => {
      if (value === undefined) throw new Error(`FlarevaultFunction ${this.functionId}: need "${need}" requires ${what}, which was not provided`);
      return value;
    };
    switch (need) {
      case 'table': {
        const table = need_(r.table, 'the table');
        fn.addEnvironment('TABLE_NAME', table.tableName);
        this.allow('TableData', DYNAMODB_DATA_ACTIONS, [table.tableArn, ...(r.tableIndexArns ?? [])]);
        // The table is encrypted with the CMK: DynamoDB uses it on the caller's behalf.
        if (r.key) this.allowKeyVia('TableKeyViaDynamoDB', r.key, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], 'dynamodb');
        break;
      }
      case 'keys': {
        const key = need_(r.key, 'the KMS key');
        fn.addEnvironment('KMS_KEY_ID', key.keyArn);
        this.allow('EnvelopeKeys', ['kms:GenerateDataKey', 'kms:Decrypt', 'kms:Encrypt'], [key.keyArn]);
        break;
      }
      case 'jobQueues': {
        const queues = need_(r.jobQueues, 'the job queues');
        for (const tier of TIERS) fn.addEnvironment(`JOB_QUEUE_URL_${tier.toUpperCase()}`, queues[tier].queueUrl);
        this.allow('EnqueueJobs', ['sqs:SendMessage'], TIERS.map((t) => queues[t].queueArn));
        for (const t of TIERS) {
          const k = queues[t].encryptionMasterKey;
          if (k) this.allowKeyVia(`JobQueueKey${t}`, k, ['kms:GenerateDataKey', 'kms:Decrypt'], 'sqs');
        }
        break;
      }
      case 'backupBucket': {
        const bucket = need_(r.backupBucket, 'the backup bucket');
        fn.addEnvironment('BACKUP_BUCKET', bucket.bucketName);
        this.allow('BackupList', ['s3:ListBucket'], [bucket.bucketArn]);
        const objects = bucket.arnForObjects('*');
        this.allow('BackupObjects', ['s3:GetObject', 's3:PutObject'], [objects]);
        Validations.of(this.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(bucket.node.defaultChild as never)}.Arn>/*]`,
          reason:
            'S3 object permissions need an object ARN pattern: backups are written under date-stamped keys only known at run time. Scoped to the one backup bucket, Get/Put only (no Delete: expiry is by lifecycle rule).',
        });
        if (bucket.encryptionKey) this.allowKeyVia('BackupKeyViaS3', bucket.encryptionKey, ['kms:GenerateDataKey', 'kms:Decrypt'], 's3');
        break;
      }
      case 'mail': {
        fn.addEnvironment('MAIL_TRANSPORT', 'ses');
        fn.addEnvironment('MAIL_FROM', r.mailFrom ?? '');
        if (r.mailFrom) {
          this.allow('SendMail', ['ses:SendEmail'], sesIdentityArns(Stack.of(this), r.mailFrom));
        } else {
          Annotations.of(this).addWarningV2(
            'flarevault:mail-not-configured',
            `${this.functionId} needs mail but flarevault:mailFrom is empty: it gets no SES permission and cannot send (set a verified SES sender).`,
          );
        }
        break;
      }
      case 'edge': {
        const edge = need_(r.edge, 'the edge binding (origin secret, public URL)');
        // Resolved by CloudFormation at deploy time ({{resolve:secretsmanager:…}}); never in the template.
        fn.addEnvironment('ORIGIN_VERIFY_SECRET', edge.originVerifySecret.secretValue.unsafeUnwrap());
        fn.addEnvironment('CORS_ALLOWED_ORIGINS', edge.corsAllowedOrigins.join(','));
        fn.addEnvironment('PUBLIC_URL', edge.publicUrl);
        break;
      }
      case 'health': {
        if (r.table) this.allow('HealthTable', ['dynamodb:DescribeTable'], [r.table.tableArn]);
        if (r.jobQueues) this.allow('HealthQueues', ['sqs:GetQueueAttributes'], TIERS.map((t) => r.jobQueues![t].queueArn));
        if (r.backupBucket) this.allow('HealthBucket', ['s3:ListBucket'], [r.backupBucket.bucketArn]);
        if (r.key) this.allow('HealthKey', ['kms:DescribeKey'], [r.key.keyArn]);
        break;
      }
      case 'cloudflare':
        // Outbound HTTPS to api.cloudflare.com only: no AWS grant, no env (the sandbox vars are local-only).
        break;
      default: {
        const never: never = need;
        throw new Error(`FlarevaultFunction ${this.functionId}: unknown need ${String(never)}`);
      }
    }
  }

  private allow(sid: string, actions: string[], resources: string[]): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources }));
  }

  private allowKeyVia(sid: string, key: kms.IKey, actions: string[], service: string): void {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid,
        actions,
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `${service}.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }
}
