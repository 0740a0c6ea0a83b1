/**
 * The IAM-equals-SDK-calls check: which AWS API calls a function's bundle
 * can make, which IAM actions its role holds, and the difference.
 *
 * Reachable = present in the bundle after esbuild's tree shaking (the bundle
 * Lambda runs). A command class that survives tree shaking is code that can
 * run (e.g. a method of an object a factory returns), so it must be granted;
 * a module function nothing calls is dropped by esbuild and needs nothing.
 * Deliberately strict: every `require("@aws-sdk/…")` binding must be used
 * only as `binding.Member`, and every member must be a client, a command, a
 * paginator or a known non-call (exceptions), otherwise the check throws.
 *
 * Actions that no SDK command names, each with its rule:
 * - platform: `logs:CreateLogStream/PutLogEvents` (the runtime writes the
 *   function's log group) and `xray:PutTraceSegments/PutTelemetryRecords`
 *   (active tracing) — every function.
 * - event source: the SQS receive actions the Lambda service uses, with the
 *   function's role, to poll its queue — only a function with an SQS event
 *   source mapping.
 * - asynchronous on-failure queue: `sqs:SendMessage` on the queue Lambda sends a
 *   failed asynchronous event's record to, with the function's role — only a
 *   function with an on-failure destination (lib/log-subscriptions.ts).
 * - KMS via a service (`kms:ViaService` condition): what DynamoDB, S3 or SQS
 *   asks KMS for, on the caller's behalf, when the function touches data that
 *   service encrypts with a KMS key — only when the function makes such a
 *   call, see `viaServiceKms`.
 */
import type { Template } from 'aws-cdk-lib/assertions';

/** One `binding.Member` use of an SDK package in a bundle. */
export interface SdkReference {
  readonly pkg: string;
  readonly member: string;
}

const SERVICE_OF_PACKAGE: Readonly<Record<string, string>> = {
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-kms': 'kms',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/lib-storage': 's3',
  '@aws-sdk/client-sesv2': 'ses',
};

/** Operations whose IAM action is not `<service>:<operation>`. */
const ACTIONS_OF_OPERATION: Readonly<Record<string, readonly string[]>> = {
  // lib-dynamodb document commands send the DynamoDB operation of the same data.
  'dynamodb:Get': ['dynamodb:GetItem'],
  'dynamodb:Put': ['dynamodb:PutItem'],
  'dynamodb:Update': ['dynamodb:UpdateItem'],
  'dynamodb:Delete': ['dynamodb:DeleteItem'],
  'dynamodb:BatchGet': ['dynamodb:BatchGetItem'],
  'dynamodb:BatchWrite': ['dynamodb:BatchWriteItem'],
  'dynamodb:TransactGet': ['dynamodb:GetItem'],
  'dynamodb:TransactGetItems': ['dynamodb:GetItem'],
  // HeadBucket is authorised by ListBucket, HeadObject by GetObject.
  's3:HeadBucket': ['s3:ListBucket'],
  's3:HeadObject': ['s3:GetObject'],
  's3:ListObjectsV2': ['s3:ListBucket'],
  // Every part of a multipart upload is authorised by PutObject; aborting has its own action.
  's3:CreateMultipartUpload': ['s3:PutObject'],
  's3:UploadPart': ['s3:PutObject'],
  's3:CompleteMultipartUpload': ['s3:PutObject'],
  's3:Upload': ['s3:PutObject', 's3:AbortMultipartUpload'],
  // Batch forms are authorised by the single-message actions.
  'sqs:SendMessageBatch': ['sqs:SendMessage'],
  'sqs:DeleteMessageBatch': ['sqs:DeleteMessage'],
  'sqs:ChangeMessageVisibilityBatch': ['sqs:ChangeMessageVisibility'],
};

/** Transaction item kinds and the action IAM checks for each. */
const TRANSACT_ITEM_ACTIONS: Readonly<Record<string, string>> = {
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
};

export const PLATFORM_ACTIONS: readonly string[] = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
export const SQS_EVENT_SOURCE_ACTIONS: readonly string[] = [
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:ReceiveMessage',
];

const escape = (s: string) => s.replace(/[$]/g, '\\$');

/** Every SDK member a bundle uses, by package. Throws on any form it does not understand. */
export function sdkReferences(bundle: string): SdkReference[] {
  const bindings = [...bundle.matchAll(/([\w$]+)\s*=\s*(?:[\w$]+\()?require\("(@aws-sdk\/[^"]+)"\)(?!\s*[.[])/g)].map((m) => ({ id: m[1]!, pkg: m[2]! }));
  const requires = bundle.match(/require\("@aws-sdk\//g)?.length ?? 0;
  if (requires !== bindings.length) throw new Error(`iam-calls: ${requires - bindings.length} require("@aws-sdk/…") not bound to a name`);
  const refs = new Map<string, SdkReference>();
  for (const { id, pkg } of bindings) {
    for (const m of bundle.matchAll(new RegExp(`(?<![\\w$.])${escape(id)}(?![\\w$])`, 'g'))) {
      const at = m.index! + id.length;
      const rest = bundle.slice(at, at + 200);
      if (/^\s*=\s*(?:[\w$]+\()?require\("@aws-sdk\//.test(rest)) continue; // the binding itself
      // Declared without a value (`var a, b;`): a module loaded on first use (dynamic import) binds it in its initializer.
      if (/^\s*[,;]/.test(rest) && /\bvar\s+(?:[\w$]+\s*,\s*)*$/.test(bundle.slice(Math.max(0, m.index! - 2000), m.index))) continue;
      const member = /^\.([\w$]+)/.exec(rest)?.[1];
      if (!member) throw new Error(`iam-calls: ${pkg} is used other than as ${id}.Member: …${bundle.slice(m.index!, at + 40)}…`);
      refs.set(`${pkg}#${member}`, { pkg, member });
    }
  }
  return [...refs.values()];
}

/** The IAM actions the SDK calls of a bundle need (excluding platform and via-service rules). */
export function actionsOfCalls(refs: readonly SdkReference[], bundle: string): string[] {
  const actions = new Set<string>();
  for (const { pkg, member } of refs) {
    if (pkg === '@aws-sdk/util-dynamodb' || /Client$|Exception$|^__/.test(member)) continue;
    const service = SERVICE_OF_PACKAGE[pkg];
    if (!service) throw new Error(`iam-calls: ${pkg} has no IAM service mapping (add it to SERVICE_OF_PACKAGE)`);
    const operation = /^(\w+)Command$/.exec(member)?.[1] ?? /^paginate(\w+)$/.exec(member)?.[1] ?? (member === 'Upload' ? 'Upload' : undefined);
    if (!operation) throw new Error(`iam-calls: ${pkg}.${member} is neither a client, a command nor a paginator`);
    if (service === 'dynamodb' && /^TransactWrite(Items)?$/.test(operation)) {
      // IAM checks each item of a transaction by its own action; the item kinds the bundle builds
      // (`{ Put: … }` or shorthand `{ Put }`) decide which.
      for (const [kind, action] of Object.entries(TRANSACT_ITEM_ACTIONS)) if (new RegExp(`[{,]\\s*${kind}\\s*[:,}]`).test(bundle)) actions.add(action);
      continue;
    }
    for (const a of ACTIONS_OF_OPERATION[`${service}:${operation}`] ?? [`${service}:${operation}`]) actions.add(a);
  }
  return [...actions].sort();
}

/** Which services encrypt the data a function touches with a KMS key it must be allowed to use. */
export interface KmsEncryptedServices {
  readonly dynamodb: boolean;
  readonly s3: boolean;
  readonly sqs: boolean;
}

/** `kms:<Action> via <service>`: the key use a service makes on the caller's behalf. */
export const via = (action: string, service: string) => `${action} via ${service}`;

/**
 * KMS use by a service on the function's behalf (granted with a `kms:ViaService` condition):
 * - DynamoDB (table encrypted with the CMK): any item read or write → Decrypt, Encrypt, GenerateDataKey
 *   of the table key. DescribeTable reads metadata only.
 * - S3 (bucket SSE-KMS): PutObject → GenerateDataKey; GetObject or a multipart upload (marked by
 *   AbortMultipartUpload) → Decrypt.
 * - SQS (queue SSE-KMS): SendMessage → GenerateDataKey, Decrypt.
 */
export function viaServiceKms(actions: readonly string[], encrypted: KmsEncryptedServices): string[] {
  const has = (a: string) => actions.includes(a);
  const out: string[] = [];
  if (encrypted.dynamodb && actions.some((a) => a.startsWith('dynamodb:') && a !== 'dynamodb:DescribeTable')) {
    out.push(via('kms:Decrypt', 'dynamodb'), via('kms:Encrypt', 'dynamodb'), via('kms:GenerateDataKey', 'dynamodb'));
  }
  if (encrypted.s3 && has('s3:PutObject')) out.push(via('kms:GenerateDataKey', 's3'));
  if (encrypted.s3 && (has('s3:GetObject') || has('s3:AbortMultipartUpload'))) out.push(via('kms:Decrypt', 's3'));
  if (encrypted.sqs && has('sqs:SendMessage')) out.push(via('kms:GenerateDataKey', 'sqs'), via('kms:Decrypt', 'sqs'));
  return out;
}

export interface FunctionCalls {
  /** IAM actions of the bundle's SDK calls (`actionsOfCalls`). */
  readonly calls: readonly string[];
  /** The function has an SQS event source mapping. */
  readonly sqsEventSource: boolean;
  /** The function's asynchronous invocations have an SQS on-failure destination. */
  readonly asyncFailureQueue?: boolean;
}

/** Everything a function's role must hold, each by one of the rules above. */
export function requiredActions(fn: FunctionCalls, encrypted: KmsEncryptedServices): string[] {
  return [...new Set([...fn.calls, ...viaServiceKms(fn.calls, encrypted), ...PLATFORM_ACTIONS, ...(fn.sqsEventSource ? SQS_EVENT_SOURCE_ACTIONS : []), ...(fn.asyncFailureQueue ? ['sqs:SendMessage'] : [])])].sort();
}

type Statement = { Effect?: string; Action?: string | string[]; Condition?: Record<string, Record<string, unknown>> };
type Resource = { Type: string; Properties?: Record<string, unknown> };

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The actions a role holds in the template, KMS via-service grants as `via(action, service)`. */
export function grantedActions(template: Template, roleLogicalId: string): string[] {
  const out = new Set<string>();
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).filter((p) =>
    list(p.Properties?.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })),
  );
  const role = (template.findResources('AWS::IAM::Role') as Record<string, Resource>)[roleLogicalId];
  if (!role) throw new Error(`iam-calls: no role ${roleLogicalId}`);
  const docs = [
    ...policies.map((p) => p.Properties?.PolicyDocument),
    ...list(role.Properties?.Policies as { PolicyDocument: unknown }[]).map((p) => p.PolicyDocument),
  ] as { Statement: Statement[] }[];
  for (const s of docs.flatMap((d) => d.Statement)) {
    if (s.Effect !== 'Allow') continue;
    // `<service>.<region>.amazonaws.com`, the region often a token: { "Fn::Join": ["", ["dynamodb.", { Ref }, ".amazonaws.com"]] }.
    const viaService = s.Condition?.StringEquals?.['kms:ViaService'] as string | { 'Fn::Join': [string, unknown[]] } | undefined;
    const host = typeof viaService === 'object' ? viaService['Fn::Join'][1][0] : viaService;
    if (viaService !== undefined && typeof host !== 'string') throw new Error(`iam-calls: unreadable kms:ViaService ${JSON.stringify(viaService)}`);
    const service = typeof host === 'string' ? host.split('.')[0] : undefined;
    for (const a of list(s.Action)) out.add(service ? via(a, service) : a);
  }
  return [...out].sort();
}

export interface GrantReport {
  /** Granted, but no command, platform rule or service rule needs it. */
  readonly unused: string[];
  /** Needed by a command or rule, but not granted. */
  readonly missing: string[];
}

export function compareGrants(required: readonly string[], granted: readonly string[]): GrantReport {
  return {
    unused: granted.filter((a) => !required.includes(a)).sort(),
    missing: required.filter((a) => !granted.includes(a)).sort(),
  };
}
