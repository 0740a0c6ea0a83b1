/**
 * One construct that sets every Lambda default (Node.js 22, arm64, esbuild,
 * own log group with retention, X-Ray, custom least-privilege role): it sets
 * the env vars of each manifest Need and grants exactly the FunctionDef's
 * `calls`, each on the resource its need names.
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
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { envVarNames } from '../functions/platform/env';
import type { AwsCall, FunctionDef, Need } from '../functions/platform/manifest';
import type { Tier } from '../functions/platform/tiers';
import { TIERS } from '../functions/platform/tiers';
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
/** Left out of every bundle: SDK v3 ships with the Node.js 22 runtime. */
export const BUNDLE_EXTERNAL_MODULES: readonly string[] = ['@aws-sdk/*'];

/**
 * How every function is bundled (NodejsFunction's esbuild flags). Exported so
 * test/infra/bundles.ts builds byte-for-byte the same bundles for the size
 * test and `npm run bench -- bundles`. Source maps stay on: Lambda loads them
 * with `--enable-source-maps` (NODE_OPTIONS below), and the bench measures
 * import time that way.
 */
export const LAMBDA_BUNDLING: Readonly<nodejs.BundlingOptions> & { readonly tsconfig: string } = {
  minify: true,
  sourceMap: true,
  sourceMapMode: nodejs.SourceMapMode.DEFAULT,
  sourcesContent: false,
  target: ESBUILD_TARGET,
  format: nodejs.OutputFormat.CJS,
  // No native modules: Argon2id is WebAssembly (hash-wasm).
  externalModules: [...BUNDLE_EXTERNAL_MODULES],
  // A package's ESM build before its CommonJS one (esbuild's node default is the reverse): ESM
  // tree-shakes, so hash-wasm bundles its Argon2 alone, not the UMD build of every hash (217 KB).
  // Packages with an `exports` map (most) resolve through it either way.
  mainFields: ['module', 'main'],
  tsconfig: path.join(REPO_ROOT, 'tsconfig.json'),
};

/** Env vars Lambda reserves and sets itself; never set by the stack. */
export const RESERVED_ENV = new Set(['AWS_REGION']);
/** Env vars that exist only for the local runtime (optional in the schema). */
export const LOCAL_ONLY_ENV = new Set(['MAIL_OUTBOX_DIR', 'CLOUDFLARE_SANDBOX_URL', 'CLOUDFLARE_SANDBOX_ADMIN_TOKEN', 'TURNSTILE_SITEVERIFY_URL', 'TURNSTILE_SCRIPT_URL']);
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
  /** The sync bucket (large snapshot blobs), SSE-KMS with its own `encryptionKey`. */
  readonly syncBucket?: s3.IBucket;
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

/**
 * The need that names the resource each call acts on: data-plane calls come
 * with the resource's own need, the read-only probes with `health`.
 */
const NEED_OF_CALL: Readonly<Record<AwsCall, readonly Need[]>> = {
  'dynamodb:GetItem': ['table'],
  'dynamodb:PutItem': ['table'],
  'dynamodb:UpdateItem': ['table'],
  'dynamodb:DeleteItem': ['table'],
  'dynamodb:ConditionCheckItem': ['table'],
  'dynamodb:Query': ['table'],
  'dynamodb:Scan': ['table'],
  'dynamodb:BatchGetItem': ['table'],
  'dynamodb:BatchWriteItem': ['table'],
  'dynamodb:DescribeTable': ['health'],
  'kms:GenerateDataKey': ['keys'],
  'kms:Decrypt': ['keys'],
  'kms:DescribeKey': ['health'],
  'sqs:SendMessage': ['jobQueues'],
  'sqs:GetQueueAttributes': ['health'],
  's3:GetObject': ['backupBucket', 'syncBlobs'],
  's3:PutObject': ['backupBucket', 'syncBlobs'],
  's3:DeleteObject': ['syncBlobs'],
  's3:AbortMultipartUpload': ['backupBucket'],
  's3:ListBucket': ['backupBucket', 'health'],
  'ses:SendEmail': ['mail'],
};

/**
 * EncryptionContext of the envelope keys (functions/crypto/keyring.ts `dekContext`,
 * blind-index.ts `BLIND_INDEX_CONTEXT`): the CMK only makes or unwraps keys whose
 * context says what they are, and a DEK's names its tenant.
 */
const ENVELOPE_KEY_CONTEXTS: readonly { sid: string; conditions: Record<string, Record<string, unknown>> }[] = [
  {
    sid: 'EnvelopeKeysTenantDek',
    conditions: {
      StringEquals: { 'kms:EncryptionContext:purpose': 'dek' },
      StringLike: { 'kms:EncryptionContext:tenant': ['user#*', 'workspace#*'] },
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['purpose', 'tenant'] },
    },
  },
  {
    sid: 'EnvelopeKeysBlindIndex',
    conditions: {
      StringEquals: { 'kms:EncryptionContext:purpose': 'blind-index' },
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['purpose'] },
    },
  },
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
  private readonly config: StageConfig;

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
    this.config = config;
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
      bundling: LAMBDA_BUNDLING,
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
    this.grantCalls(def.calls);
  }

  /** Set the env vars of one Need (the resource its calls act on); grants come from `calls`. */
  public bind(need: Need): void {
    if (this.boundNeeds.includes(need)) return;
    this.boundNeeds.push(need);
    const r = this.resources;
    const fn = this.function;
    switch (need) {
      case 'table':
        fn.addEnvironment('TABLE_NAME', this.need(r.table, need, 'the table').tableName);
        break;
      case 'keys':
        fn.addEnvironment('KMS_KEY_ID', this.need(r.key, need, 'the KMS key').keyArn);
        break;
      case 'jobQueues': {
        const queues = this.need(r.jobQueues, need, 'the job queues');
        for (const tier of TIERS) fn.addEnvironment(`JOB_QUEUE_URL_${tier.toUpperCase()}`, queues[tier].queueUrl);
        break;
      }
      case 'backupBucket':
        fn.addEnvironment('BACKUP_BUCKET', this.need(r.backupBucket, need, 'the backup bucket').bucketName);
        break;
      case 'syncBlobs': {
        const bucket = this.need(r.syncBucket, need, 'the sync bucket');
        fn.addEnvironment('SYNC_BUCKET', bucket.bucketName);
        fn.addEnvironment('SYNC_BUCKET_KEY_ID', this.need(bucket.encryptionKey, need, "the sync bucket's KMS key").keyArn);
        break;
      }
      case 'deviceTokens':
        fn.addEnvironment('DEVICE_TOKEN_LIFETIME_DAYS', String(this.config.deviceTokenLifetimeDays));
        break;
      case 'mail': {
        fn.addEnvironment('MAIL_TRANSPORT', 'ses');
        fn.addEnvironment('MAIL_FROM', r.mailFrom ?? '');
        if (!r.mailFrom) {
          Annotations.of(this).addWarningV2(
            'flarevault:mail-not-configured',
            `${this.functionId} needs mail but flarevault:mailFrom is empty: it gets no SES permission and cannot send (set a verified SES sender).`,
          );
        }
        break;
      }
      case 'edge': {
        const edge = this.need(r.edge, need, 'the edge binding (origin secret, public URL)');
        // Resolved by CloudFormation at deploy time ({{resolve:secretsmanager:…}}); never in the template.
        fn.addEnvironment('ORIGIN_VERIFY_SECRET', edge.originVerifySecret.secretValue.unsafeUnwrap());
        fn.addEnvironment('CORS_ALLOWED_ORIGINS', edge.corsAllowedOrigins.join(','));
        fn.addEnvironment('PUBLIC_URL', edge.publicUrl);
        break;
      }
      case 'health': {
        // Names only: the probes' describe/head calls are granted from `calls`, no data access.
        fn.addEnvironment('TABLE_NAME', this.need(r.table, need, 'the table').tableName);
        fn.addEnvironment('KMS_KEY_ID', this.need(r.key, need, 'the KMS key').keyArn);
        const queues = this.need(r.jobQueues, need, 'the job queues');
        for (const tier of TIERS) fn.addEnvironment(`JOB_QUEUE_URL_${tier.toUpperCase()}`, queues[tier].queueUrl);
        fn.addEnvironment('BACKUP_BUCKET', this.need(r.backupBucket, need, 'the backup bucket').bucketName);
        break;
      }
      case 'oidc': {
        // Each client secret is resolved by CloudFormation ({{resolve:secretsmanager:…}}) at deploy time, as the origin secret.
        const providers = this.config.oidcProviders.map((p) => ({
          id: p.id,
          name: p.name,
          issuer: p.issuer,
          clientId: p.clientId,
          ...(p.emailVerifiedClaim ? { emailVerifiedClaim: p.emailVerifiedClaim } : {}),
          clientSecret: secretsmanager.Secret.fromSecretNameV2(this, `OidcClientSecret-${p.id}`, p.clientSecretName).secretValue.unsafeUnwrap(),
        }));
        fn.addEnvironment('OIDC_PROVIDERS', Stack.of(this).toJsonString(providers));
        break;
      }
      case 'turnstile':
        // Empty (off) unless the stage sets both. The secret is resolved by CloudFormation
        // ({{resolve:secretsmanager:…}}) at deploy time, as the origin secret: never in the template.
        fn.addEnvironment('TURNSTILE_SITE_KEY', this.config.turnstileSiteKey ?? '');
        fn.addEnvironment(
          'TURNSTILE_SECRET_KEY',
          this.config.turnstileSecretName
            ? secretsmanager.Secret.fromSecretNameV2(this, 'TurnstileSecret', this.config.turnstileSecretName).secretValue.unsafeUnwrap()
            : '',
        );
        break;
      case 'cloudflare':
        // Outbound HTTPS to api.cloudflare.com only: no AWS grant, no env (the sandbox vars are local-only).
        break;
      default: {
        const never: never = need;
        throw new Error(`FlarevaultFunction ${this.functionId}: unknown need ${String(never)}`);
      }
    }
  }

  /**
   * Grant exactly the declared calls, each on the resource of its need, plus the
   * KMS use their service makes on the function's behalf (`kms:ViaService`).
   */
  private grantCalls(calls: readonly AwsCall[]): void {
    for (const call of calls) {
      if (!NEED_OF_CALL[call].some((n) => this.needs.includes(n))) {
        throw new Error(`FlarevaultFunction ${this.functionId}: calls ${call} but declares none of the needs ${NEED_OF_CALL[call].join(' / ')}`);
      }
    }
    const r = this.resources;
    const has = (c: AwsCall) => calls.includes(c);
    const of = (service: string) => calls.filter((c) => c.startsWith(`${service}:`));

    const table = r.table;
    const items = of('dynamodb').filter((c) => c !== 'dynamodb:DescribeTable');
    if (table && items.length > 0) {
      this.allow('TableData', items, [table.tableArn, ...(r.tableIndexArns ?? [])]);
      // The table is encrypted with the CMK: DynamoDB uses it on the caller's behalf.
      if (r.key) this.allowKeyVia('TableKeyViaDynamoDB', r.key, ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], 'dynamodb');
    }
    if (table && has('dynamodb:DescribeTable')) this.allow('TableDescribe', ['dynamodb:DescribeTable'], [table.tableArn]);

    const envelope = of('kms').filter((c) => c !== 'kms:DescribeKey');
    if (r.key && envelope.length > 0) {
      for (const { sid, conditions } of ENVELOPE_KEY_CONTEXTS) {
        this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions: envelope, resources: [r.key.keyArn], conditions }));
      }
    }
    if (r.key && has('kms:DescribeKey')) this.allow('KeyDescribe', ['kms:DescribeKey'], [r.key.keyArn]);

    const queues = r.jobQueues;
    const sqsCalls = of('sqs');
    if (queues && sqsCalls.length > 0) {
      this.allow('JobQueues', sqsCalls, TIERS.map((t) => queues[t].queueArn));
      if (has('sqs:SendMessage')) {
        for (const t of TIERS) {
          const k = queues[t].encryptionMasterKey;
          if (k) this.allowKeyVia(`JobQueueKey${t}`, k, ['kms:GenerateDataKey', 'kms:Decrypt'], 'sqs');
        }
      }
    }

    if (r.backupBucket && has('s3:ListBucket')) this.allow('BackupList', ['s3:ListBucket'], [r.backupBucket.bucketArn]);
    // Object calls go to the bucket of each declared need whose calls they are (NEED_OF_CALL).
    const buckets = [
      { need: 'backupBucket' as const, sid: 'Backup', bucket: r.backupBucket, why: 'backups are written under date-stamped keys only known at run time', noDelete: ' (no Delete: expiry is by lifecycle rule)' },
      { need: 'syncBlobs' as const, sid: 'SyncBlobs', bucket: r.syncBucket, why: 'sync blobs are written under random keys only known at run time', noDelete: '' },
    ];
    for (const { need, sid, bucket, why, noDelete } of buckets) {
      const objects = of('s3').filter((c) => c !== 's3:ListBucket' && NEED_OF_CALL[c].includes(need));
      if (!bucket || !this.needs.includes(need) || objects.length === 0) continue;
      this.allow(`${sid}Objects`, objects, [bucket.arnForObjects('*')]);
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(bucket.node.defaultChild as never)}.Arn>/*]`,
        reason: `S3 object permissions need an object ARN pattern: ${why}. Scoped to the one bucket, only ${objects.join(', ')}${noDelete}.`,
      });
      const key = bucket.encryptionKey;
      // SSE-KMS: S3 makes a data key for each put and decrypts it for reads and multipart uploads.
      const viaS3 = [...(objects.includes('s3:PutObject') ? ['kms:GenerateDataKey'] : []), ...(objects.includes('s3:GetObject') || objects.includes('s3:AbortMultipartUpload') ? ['kms:Decrypt'] : [])];
      if (key && viaS3.length > 0) this.allowKeyVia(`${sid}KeyViaS3`, key, viaS3, 's3');
    }

    if (r.mailFrom && has('ses:SendEmail')) this.allow('SendMail', ['ses:SendEmail'], sesIdentityArns(Stack.of(this), r.mailFrom));
  }

  private need<T>(value: T | undefined, need: Need, what: string): T {
    if (value === undefined) throw new Error(`FlarevaultFunction ${this.functionId}: need "${need}" requires ${what}, which was not provided`);
    return value;
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
