/**
 * The local stack: the same resources and handlers as the CDK stack, on one
 * machine, with real protocol emulators.
 *
 *   DynamoDB Local (Java) · fauxqs (SQS + S3) · local KMS endpoint
 *   gateway (CloudFront + HTTP API) · SQS pollers (worker Lambdas) · schedule timers
 *   log subscriptions (stdout lines → their destination function, lib/local/log-subscriptions.ts)
 *
 * Handlers find the emulators through AWS_ENDPOINT_URL_<SERVICE>; nothing in
 * functions/ knows it runs locally. All handlers share one process env (the
 * union of every function's needs); in AWS each function only gets its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { OutboxEntry } from '../../functions/platform/outbox';
import type { Need } from '../../functions/platform/manifest';
import type { Tier } from '../../functions/platform/tiers';
import { freePort, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb';
import type { LocalFauxqs } from './fauxqs';
import type { Gateway } from './gateway';
import type { LocalKms } from './kms';
import { acquireDataDirLock } from './lock';
import { watchOutbox } from './outbox-log';
import type { CloudflareSandbox } from './cloudflare';
import { localTurnstileEnv, startLocalTurnstile, type LocalTurnstile, type TurnstileMode } from './turnstile';
import type { HandlerResolver } from './lambda';
import type { LogSubscriptions } from './log-subscriptions';
import type { Pollers } from './pollers';
import type { Schedules } from './schedules';
import { tableDefinition } from './table-schema';

/*
 * Heavy modules (AWS SDK clients, the manifest with its zod contracts, the
 * emulators) are required lazily, after the JVM has been spawned, so their
 * load time overlaps DynamoDB Local's start-up.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const sdk = () => ({
  ddb: require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb'),
  sqs: require('@aws-sdk/client-sqs') as typeof import('@aws-sdk/client-sqs'),
  s3: require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3'),
});
const manifest = () => require('../../functions/platform/manifest') as typeof import('../../functions/platform/manifest');
const tiers = () => require('../../functions/platform/tiers') as typeof import('../../functions/platform/tiers');
/* eslint-enable @typescript-eslint/no-require-imports */

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const LOCAL_STAGE = 'local';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_TABLE_NAME = 'flarevault-local';
export const LOCAL_BACKUP_BUCKET = 'flarevault-local-backups';
export const LOCAL_SYNC_BUCKET = 'flarevault-local-sync';
/** As the CDK stage default (lib/config.ts DEFAULT_DEVICE_TOKEN_LIFETIME_DAYS): lib/local may not import the CDK config. */
export const LOCAL_DEVICE_TOKEN_LIFETIME_DAYS = 90;
export const localQueueName = (tier: Tier, dlq = false) => `flarevault-local-jobs-${tier}${dlq ? '-dlq' : ''}`;

export interface LocalStackOptions {
  /** Gateway port; 0 → ephemeral. @default 8787 */
  port?: number;
  /** Where persistent state lives. @default <repo>/.flarevault */
  dataDir?: string;
  /**
   * true: DynamoDB on disk (dataDir/dynamodb), KMS master key in dataDir/kms-master.key,
   * S3 objects mirrored to dataDir/s3, and dataDir/stack.lock held while running (one stack per
   * data dir). false: all in memory (tests). @default true
   */
  persist?: boolean;
  /** false disables the timers; `scale` divides every period. @default { scale: 1 } */
  schedules?: false | { scale?: number };
  /** false disables the SQS pollers. */
  pollers?: false | { waitTimeSeconds?: number; concurrency?: Partial<Record<Tier, number>> };
  /** Overrides every job queue's visibility timeout (tests); default from the manifest. */
  visibilityTimeoutSeconds?: number;
  /** How often log lines go to their subscriptions (tests). @default log-subscriptions.ts' 200 ms */
  logFlushMs?: number;
  /** Built SPA directory. @default <repo>/frontend/dist */
  staticDir?: string;
  /** Test hook for the gateway, pollers and schedules; default loads functions/<entry>.ts. */
  resolveHandler?: HandlerResolver;
  /** @default the gateway URL */
  publicUrl?: string;
  /** Comma-separated CORS allowlist. @default '' (same-origin only) */
  corsAllowedOrigins?: string;
  /** Write the env into process.env (handlers run in this process). @default true */
  applyToProcessEnv?: boolean;
  /**
   * The Cloudflare sandbox backing `sandbox: true` accounts (its URL and admin token reach the
   * handlers as CLOUDFLARE_SANDBOX_URL / CLOUDFLARE_SANDBOX_ADMIN_TOKEN). State persists in
   * dataDir/cloudflare-sandbox.json when `persist`. false: no sandbox (sandbox accounts are refused).
   * @default { timeScale: 1 }
   */
  cloudflareSandbox?: false | { timeScale?: number; port?: number };
  /**
   * The local OpenID provider (lib/local/oidc-provider.ts), configured as the stage's provider
   * `local` ("Sign in with the local OpenID provider"). false: no provider. `entraProvider`: also
   * the provider `local-entra` on the same issuer, reading `xms_edov` as Microsoft Entra ID is
   * configured (`emailVerifiedClaim`; the tests' stack). @default { port: 0 }
   */
  oidcProvider?: false | { port?: number; entraProvider?: boolean };
  /**
   * Turnstile on signup, magic-link and password-reset requests, verified against the local
   * Turnstile endpoint (always started, lib/local/turnstile/) with Cloudflare's test secret for
   * the mode: `pass`, `fail` or `spent` (token already spent). @default false (off, as in AWS)
   */
  turnstile?: false | TurnstileMode;
  log?: (line: string) => void;
  /**
   * Runs once the table exists and the env is published, before the pollers and timers start and
   * before the stack is returned (`npm start`: the data migrations, from bin/local.ts, since lib/
   * may not import functions/).
   */
  beforeServe?: (env: Record<string, string>) => Promise<void>;
  /** Called for each mail written to the outbox while the stack runs (`npm start` prints it). */
  onMail?: (mail: OutboxEntry) => void;
}

export interface LocalStack {
  /** Gateway URL, e.g. http://127.0.0.1:8787 */
  readonly url: string;
  /** The env the handlers see (also written to process.env unless disabled). */
  readonly env: Readonly<Record<string, string>>;
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string; readonly s3: string; readonly kms: string };
  readonly queueUrls: Readonly<Record<Tier, string>>;
  readonly dlqUrls: Readonly<Record<Tier, string>>;
  /** pid of the DynamoDB Local JVM. */
  readonly dynamodbPid: number;
  readonly pollers?: Pollers;
  readonly schedules?: Schedules;
  /** The manifest's log subscriptions (e.g. access lines → the access-log ingest). */
  readonly logSubscriptions: LogSubscriptions;
  /** The Cloudflare sandbox (base URL …/client/v4, admin origin) unless disabled. */
  readonly cloudflareSandbox?: { readonly url: string; readonly origin: string; readonly adminToken: string };
  /** The local OpenID provider's issuer unless disabled. */
  readonly oidcIssuer?: string;
  /** The local Turnstile endpoint (siteverify and the stand-in widget script). */
  readonly turnstile: LocalTurnstile;
  stop(): Promise<void>;
}

export interface LocalEnvInput {
  region: string;
  tableName: string;
  kmsKeyId: string;
  queueUrls: Readonly<Record<Tier, string>>;
  backupBucket: string;
  syncBucket: string;
  /** @default LOCAL_DEVICE_TOKEN_LIFETIME_DAYS */
  deviceTokenLifetimeDays?: number;
  mailOutboxDir: string;
  originVerifySecret: string;
  publicUrl: string;
  corsAllowedOrigins?: string;
  endpoints: { dynamodb: string; sqs: string; s3: string; kms: string };
  logLevel?: string;
  /** The local Cloudflare sandbox (need `cloudflare`). */
  cloudflareSandbox?: { url: string; adminToken: string };
  /** The stage's OpenID Connect providers (need `oidc`). @default none */
  oidcProviders?: readonly { id: string; name: string; issuer: string; clientId: string; clientSecret: string; emailVerifiedClaim?: string }[];
  /** The local Turnstile endpoint (need `turnstile`) and the test secret the stage verifies with (false: off). */
  turnstile: { siteverifyUrl: string; scriptUrl: string; mode: TurnstileMode | false };
}

/** Every need any function declares (the local process serves them all). */
export function allNeeds(): Need[] {
  const s = new Set<Need>();
  for (const f of Object.values(manifest().functions)) for (const n of f.needs) s.add(n);
  return [...s];
}

/**
 * The env of the local handlers: what the CDK stack sets per need (functions/platform/env.ts),
 * for the union of needs (mail included: the local runtime always writes to an outbox),
 * plus the AWS SDK endpoint redirection and dummy credentials.
 */
/** The stage's providers backed by the local OpenID provider: `local`, and `local-entra` on request. */
function localOidcProviders(p: { issuer: string; clientId: string; clientSecret: string }, entraProvider = false): NonNullable<LocalEnvInput['oidcProviders']> {
  const local = { id: 'local', name: 'the local OpenID provider', issuer: p.issuer, clientId: p.clientId, clientSecret: p.clientSecret };
  return entraProvider ? [local, { ...local, id: 'local-entra', name: 'Entra ID (the local provider, xms_edov)', emailVerifiedClaim: 'xms_edov' }] : [local];
}

export function buildLocalEnv(i: LocalEnvInput): Record<string, string> {
  return {
    // base
    STAGE: LOCAL_STAGE,
    LOG_LEVEL: i.logLevel ?? 'INFO',
    AWS_REGION: i.region,
    AWS_DEFAULT_REGION: i.region,
    // table / keys / jobQueues / backupBucket
    TABLE_NAME: i.tableName,
    KMS_KEY_ID: i.kmsKeyId,
    JOB_QUEUE_URL_FREE: i.queueUrls.free,
    JOB_QUEUE_URL_BASE: i.queueUrls.base,
    JOB_QUEUE_URL_PRO: i.queueUrls.pro,
    BACKUP_BUCKET: i.backupBucket,
    // syncBlobs: the sync bucket, SSE-KMS with the one key (fauxqs enforces it: requireSseKms)
    SYNC_BUCKET: i.syncBucket,
    SYNC_BUCKET_KEY_ID: i.kmsKeyId,
    // deviceTokens
    DEVICE_TOKEN_LIFETIME_DAYS: String(i.deviceTokenLifetimeDays ?? LOCAL_DEVICE_TOKEN_LIFETIME_DAYS),
    // mail
    MAIL_TRANSPORT: 'outbox',
    MAIL_FROM: 'flarevault <no-reply@flarevault.localhost>',
    MAIL_OUTBOX_DIR: i.mailOutboxDir,
    // edge
    ORIGIN_VERIFY_SECRET: i.originVerifySecret,
    CORS_ALLOWED_ORIGINS: i.corsAllowedOrigins ?? '',
    PUBLIC_URL: i.publicUrl,
    // oidc
    OIDC_PROVIDERS: JSON.stringify(i.oidcProviders ?? []),
    // emulators
    AWS_ENDPOINT_URL_DYNAMODB: i.endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: i.endpoints.sqs,
    AWS_ENDPOINT_URL_S3: i.endpoints.s3,
    AWS_ENDPOINT_URL_KMS: i.endpoints.kms,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    // cloudflare (local only): the sandbox behind `sandbox: true` accounts
    ...(i.cloudflareSandbox
      ? { CLOUDFLARE_SANDBOX_URL: i.cloudflareSandbox.url, CLOUDFLARE_SANDBOX_ADMIN_TOKEN: i.cloudflareSandbox.adminToken }
      : {}),
    // turnstile: empty site key and secret (off, as in AWS) unless the local stage turns it on
    ...(i.turnstile.mode
      ? localTurnstileEnv(i.turnstile, i.turnstile.mode)
      : { TURNSTILE_SITE_KEY: '', TURNSTILE_SECRET_KEY: '', TURNSTILE_SITEVERIFY_URL: i.turnstile.siteverifyUrl, TURNSTILE_SCRIPT_URL: i.turnstile.scriptUrl }),
  };
}

async function createTable(ddb: DynamoDBClient, tableName: string): Promise<void> {
  const { CreateTableCommand, DescribeTimeToLiveCommand, ResourceInUseException, UpdateTimeToLiveCommand } = sdk().ddb;
  try {
    await ddb.send(
      new CreateTableCommand(tableDefinition(tableName)),
    );
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e;
  }
  const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
    await ddb.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }));
  }
}

async function createQueues(sqs: SQSClient, visibilityOverride?: number) {
  const { CreateQueueCommand, GetQueueAttributesCommand } = sdk().sqs;
  const { queueConsumers } = manifest();
  const { TIERS } = tiers();
  const queueUrls = {} as Record<Tier, string>;
  const dlqUrls = {} as Record<Tier, string>;
  await Promise.all(
    TIERS.map(async (tier) => {
      const c = queueConsumers.find((q) => q.tier === tier);
      if (!c) throw new Error(`manifest: no queue consumer for tier ${tier}`);
      const dlq = await sqs.send(
        new CreateQueueCommand({ QueueName: localQueueName(tier, true), Attributes: { MessageRetentionPeriod: String(14 * 24 * 3600) } }),
      );
      const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl!, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
      const q = await sqs.send(
        new CreateQueueCommand({
          QueueName: localQueueName(tier),
          Attributes: {
            VisibilityTimeout: String(visibilityOverride ?? c.visibilityTimeoutSeconds),
            MessageRetentionPeriod: String(4 * 24 * 3600),
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: c.maxReceiveCount }),
          },
        }),
      );
      queueUrls[tier] = q.QueueUrl!;
      dlqUrls[tier] = dlq.QueueUrl!;
    }),
  );
  return { queueUrls, dlqUrls };
}

async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new (sdk().s3.CreateBucketCommand)({ Bucket: bucket }));
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw e;
  }
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const persist = options.persist ?? true;
  const dataDir = resolve(options.dataDir ?? join(REPO_ROOT, '.flarevault'));
  const log = options.log ?? (() => undefined);
  const region = LOCAL_REGION;
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const s of stoppers.splice(0).reverse()) {
      try {
        await s();
      } catch (e) {
        log(`stop: ${(e as Error).message}`);
      }
    }
  };

  if (persist) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Before the JVM: a second stack must not open the same database file.
  const lock = persist ? acquireDataDirLock(dataDir) : undefined;
  if (lock) stoppers.push(async () => lock.release());
  const outboxDir = join(dataDir, 'outbox');
  mkdirSync(outboxDir, { recursive: true, mode: 0o700 });

  try {
    // Spawn the JVM first (synchronously, port known), then load the rest while it boots.
    const ddbStarting = startDynamoDbLocal({ rootDir: REPO_ROOT, port: await freePort(), dbPath: persist ? join(dataDir, 'dynamodb') : undefined });
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { startFauxqs } = require('./fauxqs') as typeof import('./fauxqs');
    const { startKms } = require('./kms') as typeof import('./kms');
    const { startGateway } = require('./gateway') as typeof import('./gateway');
    const { startPollers } = require('./pollers') as typeof import('./pollers');
    const { startSchedules } = require('./schedules') as typeof import('./schedules');
    const { startLogSubscriptions } = require('./log-subscriptions') as typeof import('./log-subscriptions');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const { DynamoDBClient } = sdk().ddb;
    const { SQSClient } = sdk().sqs;
    const { S3Client } = sdk().s3;
    const cfAdminToken = randomBytes(24).toString('hex');
    const cfOptions = options.cloudflareSandbox ?? {};
    const started = await Promise.allSettled([
      ddbStarting,
      startFauxqs({ rootDir: REPO_ROOT, region, s3Dir: persist ? join(dataDir, 's3') : undefined }),
      startKms({ masterKeyFile: persist ? join(dataDir, 'kms-master.key') : undefined, region }),
      cfOptions === false
        ? Promise.resolve(undefined)
        : (require('./cloudflare') as typeof import('./cloudflare')).startCloudflareSandbox({
            port: cfOptions.port ?? 0,
            timeScale: cfOptions.timeScale,
            adminToken: cfAdminToken,
            persistPath: persist ? join(dataDir, 'cloudflare-sandbox.json') : undefined,
          }),
      startLocalTurnstile(),
    ]);
    for (const r of started) {
      if (r.status !== 'fulfilled' || !r.value) continue;
      const v = r.value;
      stoppers.push('stop' in v ? v.stop : v.close);
    }
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const ddbLocal = (started[0] as PromiseFulfilledResult<DynamoDbLocal>).value;
    const fauxqs = (started[1] as PromiseFulfilledResult<LocalFauxqs>).value;
    const kms = (started[2] as PromiseFulfilledResult<LocalKms>).value;
    const cfSandbox = (started[3] as PromiseFulfilledResult<CloudflareSandbox | undefined>).value;
    const turnstile = (started[4] as PromiseFulfilledResult<LocalTurnstile>).value;
    const turnstileMode = options.turnstile ?? false;
    log(`dynamodb  ${ddbLocal.url} (pid ${ddbLocal.pid}${persist ? `, ${join(dataDir, 'dynamodb')}` : ', in memory'})`);
    log(`sqs+s3    ${fauxqs.url} (fauxqs)`);
    log(`kms       ${kms.url} (${kms.keyArn})`);
    if (cfSandbox) log(`cloudflare ${cfSandbox.url} (sandbox${persist ? `, ${join(dataDir, 'cloudflare-sandbox.json')}` : ', in memory'})`);
    log(`turnstile ${turnstile.siteverifyUrl} (${turnstileMode ? `on: test secret "${turnstileMode}"` : 'off; FLAREVAULT_TURNSTILE=pass|fail|spent turns it on'})`);

    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const ddb = new DynamoDBClient({ region, endpoint: ddbLocal.url, credentials });
    const sqs = new SQSClient({ region, endpoint: fauxqs.url, credentials, useQueueUrlAsEndpoint: false });
    const s3 = new S3Client({ region, endpoint: fauxqs.url, credentials, forcePathStyle: true });
    stoppers.push(async () => {
      ddb.destroy();
      sqs.destroy();
      s3.destroy();
    });
    const [, queues] = await Promise.all([
      createTable(ddb, LOCAL_TABLE_NAME),
      createQueues(sqs, options.visibilityTimeoutSeconds),
      createBucket(s3, LOCAL_BACKUP_BUCKET),
      createBucket(s3, LOCAL_SYNC_BUCKET),
    ]);
    fauxqs.requireSseKms(LOCAL_SYNC_BUCKET, kms.keyArn);

    // Before the gateway, so its stopper runs after the gateway's: the last requests' lines are delivered.
    const logSubscriptions = startLogSubscriptions({
      resolveHandler: options.resolveHandler,
      ...(options.logFlushMs ? { flushMs: options.logFlushMs } : {}),
      region,
      onError: (err, id, n) => log(`[log subscription ${id}] ${n} lines not delivered: ${(err as Error)?.stack ?? err}`),
    });
    stoppers.push(logSubscriptions.stop);

    // The gateway URL is needed for PUBLIC_URL: bind first, then publish env, then serve.
    const originVerifySecret = randomBytes(32).toString('hex');
    let env: Record<string, string> = {};
    const gateway: Gateway = await startGateway({
      port: options.port ?? 8787,
      originVerifySecret,
      staticDir: options.staticDir,
      resolveHandler: options.resolveHandler,
      region,
      turnstileOrigin: turnstileMode ? turnstile.origin : undefined,
    }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') throw new Error(`flarevault: port ${options.port ?? 8787} is already in use (set PORT to another port)`);
      throw e;
    });
    stoppers.push(gateway.stop);
    lock?.setUrl(gateway.url);
    const publicUrl = options.publicUrl ?? gateway.url;
    let oidcProvider: Awaited<ReturnType<typeof import('./oidc-provider').startLocalOidcProvider>> | undefined;
    if (options.oidcProvider !== false) {
      // Both loopback names of the gateway: the callback stays on the host the browser is on (identity/oidc-providers.ts).
      const callback = '/api/v1/auth/oidc/callback';
      const redirectUris = [...new Set([publicUrl, gateway.url, gateway.url.replace('//127.0.0.1', '//localhost')].map((u) => `${u}${callback}`))];
      oidcProvider = await (require('./oidc-provider') as typeof import('./oidc-provider')).startLocalOidcProvider({ port: options.oidcProvider?.port ?? 0, redirectUris });
      stoppers.push(oidcProvider.stop);
      log(`openid    ${oidcProvider.issuer} (the local OpenID provider; demo user demo@flarevault.localhost, password demo)`);
    }
    env = buildLocalEnv({
      region,
      tableName: LOCAL_TABLE_NAME,
      kmsKeyId: kms.keyArn,
      queueUrls: queues.queueUrls,
      backupBucket: LOCAL_BACKUP_BUCKET,
      syncBucket: LOCAL_SYNC_BUCKET,
      mailOutboxDir: outboxDir,
      originVerifySecret,
      publicUrl,
      corsAllowedOrigins: options.corsAllowedOrigins,
      endpoints: { dynamodb: ddbLocal.url, sqs: fauxqs.url, s3: fauxqs.url, kms: kms.url },
      logLevel: process.env.LOG_LEVEL,
      cloudflareSandbox: cfSandbox ? { url: cfSandbox.url, adminToken: cfAdminToken } : undefined,
      oidcProviders: oidcProvider ? localOidcProviders(oidcProvider, options.oidcProvider ? options.oidcProvider.entraProvider : false) : [],
      turnstile: { siteverifyUrl: turnstile.siteverifyUrl, scriptUrl: turnstile.scriptUrl, mode: turnstileMode },
    });
    if (options.applyToProcessEnv ?? true) {
      const previous = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      stoppers.unshift(async () => {
        for (const [k, v] of Object.entries(previous)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      });
    }

    if (options.onMail) {
      const watcher = watchOutbox(outboxDir, options.onMail);
      stoppers.push(async () => watcher.stop());
    }

    if (options.beforeServe) await options.beforeServe(env);

    let pollers: Pollers | undefined;
    if (options.pollers !== false) {
      const p = options.pollers ?? {};
      pollers = await startPollers({
        sqs,
        queueUrls: queues.queueUrls,
        resolveHandler: options.resolveHandler,
        waitTimeSeconds: p.waitTimeSeconds,
        concurrency: p.concurrency,
        region,
      });
      // Lambda would not wait for a 2-minute worker on shutdown either: give in-flight batches a few seconds.
      stoppers.push(() => Promise.race([pollers!.stop(), new Promise<void>((r) => setTimeout(r, 5000).unref())]));
    }
    let schedules: Schedules | undefined;
    if (options.schedules !== false) {
      schedules = startSchedules({ scale: options.schedules?.scale, resolveHandler: options.resolveHandler, region, log });
      stoppers.push(() => Promise.race([schedules!.stop(), new Promise<void>((r) => setTimeout(r, 5000).unref())]));
    }

    let stopped: Promise<void> | undefined;
    return {
      url: gateway.url,
      env,
      endpoints: { dynamodb: ddbLocal.url, sqs: fauxqs.url, s3: fauxqs.url, kms: kms.url },
      queueUrls: queues.queueUrls,
      dlqUrls: queues.dlqUrls,
      dynamodbPid: ddbLocal.pid,
      pollers,
      schedules,
      logSubscriptions,
      cloudflareSandbox: cfSandbox ? { url: cfSandbox.url, origin: cfSandbox.origin, adminToken: cfAdminToken } : undefined,
      oidcIssuer: oidcProvider?.issuer,
      turnstile,
      stop: () => (stopped ??= stopAll()),
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
