/**
 * The one manifest: every function, route, queue consumer, schedule and log subscription.
 * The CDK stack (lib/) and the local runtime (lib/local/) both read it, so a
 * route exists in both or in neither. Imports only contracts (zod), never
 * handler code, so reading it is cheap.
 */
import type { RouteDef } from '../contracts/route';
import { routeKey } from '../contracts/route';
import type { Tier } from './tiers';
import { TIERS } from './tiers';
import { getDependencyHealth, getHealth, getOpenApi } from '../contracts/system';
import { identityRoutes } from '../contracts/identity';
import { passkeyRoutes } from '../contracts/passkeys';
import { oidcRoutes } from '../contracts/oidc';
import { emailAuthRoutes } from '../contracts/email-auth';
import { cloudflareRoutes } from '../contracts/cloudflare';
import { dnsSyncRoutes } from '../contracts/dns-sync';
import { jobRoutes } from '../contracts/jobs';
import { workspaceRoutes } from '../contracts/workspaces';
import { applicationRoutes } from '../contracts/applications';
import { accessLogRoutes } from '../contracts/access-log';
import { inviteRoutes } from '../contracts/invites';
import { workspaceGovernanceRoutes } from '../contracts/workspace-governance';
import { sessionRoutes } from '../contracts/sessions';
import { syncRoutes } from '../contracts/sync';
import { syncDashboardRoutes, syncDeviceDataRoutes } from '../contracts/sync-data';
import { ACCESS_LOG_LINE } from './names';

/**
 * What a function touches. Each need maps to env vars (functions/platform/env.ts)
 * and to IAM grants (lib/). A function gets exactly the needs it declares.
 */
export type Need =
  | 'table' // the DynamoDB table's items
  | 'keys' // the CMK, for envelope keys (KMS GenerateDataKey/Decrypt)
  | 'jobQueues' // the tier queues, to enqueue
  | 'backupBucket' // the backup bucket's objects
  | 'syncBlobs' // the sync bucket's objects (large snapshot blobs, SSE-KMS)
  | 'deviceTokens' // the stage's device-token lifetime (no AWS grant)
  | 'oidc' // the stage's OpenID Connect providers (client secrets resolved from Secrets Manager at deploy; no AWS grant)
  | 'turnstile' // the stage's Turnstile site key and secret (resolved from Secrets Manager at deploy; no AWS grant)
  | 'mail' // outbound mail (SES in AWS)
  | 'edge' // behind CloudFront: origin secret, CORS allowlist
  | 'health' // names of every dependency, for read-only probes (no data access)
  | 'cloudflare'; // calls the Cloudflare API (no AWS grant); local runtime: the sandbox's URL + admin token

/**
 * An AWS API call a function's code makes, by its IAM action. The stack grants
 * a function exactly its `calls`, on the resources its needs name (lib/function.ts);
 * test/infra/iam-calls.test.ts checks them against the SDK commands in its bundle.
 */
export type AwsCall =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:ConditionCheckItem'
  | 'dynamodb:Query'
  | 'dynamodb:Scan'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:BatchWriteItem'
  | 'dynamodb:DescribeTable'
  | 'kms:GenerateDataKey'
  | 'kms:Decrypt'
  | 'kms:DescribeKey'
  | 'sqs:SendMessage'
  | 'sqs:GetQueueAttributes'
  | 's3:GetObject'
  | 's3:PutObject'
  | 's3:DeleteObject'
  | 's3:AbortMultipartUpload'
  | 's3:ListBucket'
  | 'ses:SendEmail';

export interface FunctionDef {
  /** Module under functions/, without extension; exports `handler`. */
  readonly entry: string;
  readonly needs: readonly Need[];
  /** Every AWS API call its code makes, and nothing else. */
  readonly calls: readonly AwsCall[];
  /** @default 10 */
  readonly timeoutSeconds?: number;
  /** @default 512 */
  readonly memoryMb?: number;
}

/**
 * API Gateway's HTTP API answers 503 once an integration has run 29 s (CDK's HttpLambdaIntegration
 * default; the quota is 30 s: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
 * A function behind a route stops by then, so nothing keeps running after the caller got its 503.
 */
export const API_TIMEOUT_SECONDS = 29;

/** Item reads and writes of the data layer (repositories and their batched reads, keyring, throttles; transactions). */
const ITEMS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:Query'] as const;
/** Tenant DEKs and the blind-index key: made and unwrapped, never used to encrypt data directly. */
const ENVELOPE = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;
const JOB_STORE = [...ITEMS, 'dynamodb:BatchWriteItem', ...ENVELOPE, 'sqs:SendMessage'] as const;

/** The deep health check's read-only probes (api/dependency-probes.ts `checkHealth`): metadata, no data access. */
const HEALTH_PROBES = ['dynamodb:DescribeTable', 'kms:DescribeKey', 'sqs:GetQueueAttributes', 's3:ListBucket'] as const;

export const functions = {
  system: {
    entry: 'api/system',
    needs: ['edge', 'health'],
    calls: ['dynamodb:DescribeTable'],
  },
  // The deep health check (getDependencyHealth) runs here, behind a session: its probes need `health`.
  auth: { entry: 'api/auth', needs: ['edge', 'table', 'keys', 'mail', 'health', 'turnstile'], calls: [...ITEMS, ...ENVELOPE, 'ses:SendEmail', ...HEALTH_PROBES], memoryMb: 1024 },
  // Sign-in (password and its second factors, passkeys) and passkey management: WebAuthn's verifiers
  // (ASN.1, X.509) and auth's password-strength dictionaries would not fit one bundle. Argon2 needs the memory.
  // OpenID Connect sign-in too (openid-client): its second factor is the password sign-in's.
  signIn: { entry: 'api/sign-in', needs: ['edge', 'table', 'keys', 'oidc'], calls: [...ITEMS, ...ENVELOPE], memoryMb: 1024 },
  cloudflare: { entry: 'api/cloudflare', needs: ['edge', 'table', 'keys', 'cloudflare'], calls: [...ITEMS, ...ENVELOPE], timeoutSeconds: API_TIMEOUT_SECONDS },
  workspaces: { entry: 'api/workspaces', needs: ['edge', 'table', 'keys', 'mail'], calls: [...ITEMS, ...ENVELOPE, 'ses:SendEmail'] },
  // The session vault: hosted login for applications, the Session API (app credentials), its admin routes.
  sessions: { entry: 'api/sessions', needs: ['edge', 'table', 'keys'], calls: [...ITEMS, ...ENVELOPE] },
  // Sync: device authorization (RFC 8628), device sessions, the devices' sync data (large snapshot blobs in the
  // sync bucket), the dashboard's sync view. The events long-poll waits up to 20 s (sync/feed.ts): 25 s covers it,
  // within the HTTP API's 29 s integration timeout.
  sync: { entry: 'api/sync', needs: ['edge', 'table', 'keys', 'syncBlobs', 'deviceTokens'], calls: [...ITEMS, ...ENVELOPE, 's3:GetObject', 's3:PutObject', 's3:DeleteObject'], timeoutSeconds: 25 },
  jobs: { entry: 'api/jobs', needs: ['edge', 'table', 'keys', 'jobQueues', 'cloudflare'], calls: JOB_STORE, timeoutSeconds: API_TIMEOUT_SECONDS, memoryMb: 1024 },
  worker: { entry: 'jobs/worker', needs: ['table', 'keys', 'jobQueues', 'cloudflare'], calls: JOB_STORE, timeoutSeconds: 120, memoryMb: 1024 },
  sweeper: { entry: 'jobs/sweeper', needs: ['table', 'keys', 'jobQueues', 'cloudflare'], calls: JOB_STORE, timeoutSeconds: 60 },
  // The destination of the `api-access` log subscription: turns access lines into access-log entries.
  accessLogIngest: { entry: 'access-log/ingest', needs: ['table', 'keys'], calls: [...ITEMS, 'dynamodb:BatchWriteItem', ...ENVELOPE], timeoutSeconds: 60 },
  backup: { entry: 'backup/backup', needs: ['table', 'backupBucket'], calls: ['dynamodb:Scan', 's3:PutObject', 's3:AbortMultipartUpload'], timeoutSeconds: 900, memoryMb: 1024 },
} as const satisfies Record<string, FunctionDef>;

export type FunctionId = keyof typeof functions;

export const routes: readonly RouteDef[] = [getHealth, getDependencyHealth, getOpenApi, ...identityRoutes, ...passkeyRoutes, ...oidcRoutes, ...emailAuthRoutes, ...cloudflareRoutes, ...dnsSyncRoutes, ...jobRoutes, ...workspaceRoutes, ...applicationRoutes, ...accessLogRoutes, ...inviteRoutes, ...workspaceGovernanceRoutes, ...sessionRoutes, ...syncRoutes, ...syncDeviceDataRoutes, ...syncDashboardRoutes];

/**
 * `OPTIONS` routes for the paths applications call from their own origins (`cors: 'application'`):
 * the function answers the CORS preflight itself (functions/http/app-cors.ts), because the allowed
 * origins are per application and API Gateway's CORS configuration would replace them (lib/api.ts).
 */
export interface PreflightDef {
  readonly path: string;
  readonly fn: FunctionId;
}
export const preflights: readonly PreflightDef[] = [
  ...new Map(routes.filter((r) => r.cors === 'application').map((r) => [r.path, { path: r.path, fn: r.fn as FunctionId }])).values(),
];

export interface QueueConsumerDef {
  readonly tier: Tier;
  readonly fn: FunctionId;
  /** Messages per Lambda invocation. */
  readonly batchSize: number;
  /** Must exceed the function timeout (AWS recommends 6x). */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the DLQ. */
  readonly maxReceiveCount: number;
}

/** One queue + DLQ + worker per tier; concurrency comes from TIER_LIMITS. */
export const queueConsumers: readonly QueueConsumerDef[] = TIERS.map((tier) => ({
  tier,
  fn: 'worker' as const,
  batchSize: 5,
  visibilityTimeoutSeconds: 720,
  maxReceiveCount: 5,
}));

export interface ScheduleDef {
  readonly id: string;
  readonly fn: FunctionId;
  /** Fixed rate; the local runtime uses the same period. */
  readonly everyMinutes: number;
  readonly description: string;
}

export const schedules: readonly ScheduleDef[] = [
  { id: 'daily-backup', fn: 'backup', everyMinutes: 24 * 60, description: 'Encrypted backup of the table to S3' },
  { id: 'stuck-job-sweeper', fn: 'sweeper', everyMinutes: 5, description: 'Re-enqueue job chunks stuck past their visibility window' },
];

export interface LogSubscriptionDef {
  readonly id: string;
  /** The functions whose log groups are subscribed. */
  readonly sources: readonly FunctionId[];
  /**
   * The log lines delivered: JSON lines whose top-level `field` equals `equals` (the CloudWatch Logs
   * filter pattern is `logFilterPattern(def)`; the local runtime applies the same test).
   */
  readonly match: { readonly field: string; readonly equals: string };
  /** The destination: CloudWatch Logs invokes it asynchronously with batches of matching lines. */
  readonly fn: FunctionId;
}

/** Functions serving an authenticated route: the toolkit of each records its calls (one access line per call). */
const authenticatedFunctions = [...new Set(routes.filter((r) => r.auth !== 'public').map((r) => r.fn as FunctionId))].sort();

export const logSubscriptions: readonly LogSubscriptionDef[] = [
  { id: 'api-access', sources: authenticatedFunctions, match: { field: 'message', equals: ACCESS_LOG_LINE }, fn: 'accessLogIngest' },
];

/** The CloudWatch Logs filter pattern of a subscription (JSON syntax: `{ $.field = "value" }`). */
export function logFilterPattern(s: Pick<LogSubscriptionDef, 'match'>): string {
  return `{ $.${s.match.field} = "${s.match.equals}" }`;
}

/** Fails fast at import time if two routes collide or name a missing function. */
function validate(): void {
  const seenKeys = new Set<string>();
  const seenIds = new Set<string>();
  for (const r of routes) {
    const key = routeKey(r);
    if (seenKeys.has(key)) throw new Error(`manifest: duplicate route ${key}`);
    if (seenIds.has(r.operationId)) throw new Error(`manifest: duplicate operationId ${r.operationId}`);
    if (!(r.fn in functions)) throw new Error(`manifest: route ${key} names unknown function ${r.fn}`);
    if (!r.path.startsWith('/api/')) throw new Error(`manifest: route ${key} must live under /api/`);
    seenKeys.add(key);
    seenIds.add(r.operationId);
  }
  for (const s of logSubscriptions) {
    if (!(s.fn in functions)) throw new Error(`manifest: log subscription ${s.id} names unknown function ${s.fn}`);
    // A destination reading its own log group would feed on its own lines.
    if (s.sources.includes(s.fn)) throw new Error(`manifest: log subscription ${s.id} delivers ${s.fn}'s own log group to it`);
    if (!/^[A-Za-z0-9_.-]+$/.test(s.match.field) || s.match.equals.includes('"')) throw new Error(`manifest: log subscription ${s.id} has an unsafe match`);
  }
}
validate();

export function routesOf(fn: FunctionId): readonly RouteDef[] {
  return routes.filter((r) => r.fn === fn);
}
