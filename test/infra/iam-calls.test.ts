/**
 * Least privilege, checked: each function's role holds exactly the IAM
 * actions of the AWS SDK commands its bundle can reach, plus the platform,
 * event-source and KMS-via-service actions their rules justify
 * (test/infra/iam-calls.ts). No action without a command, no command
 * without an action.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { Template as TemplateOf } from 'aws-cdk-lib/assertions';
import { BLIND_INDEX_CONTEXT } from '../../functions/crypto/blind-index';
import { dekContext } from '../../functions/crypto/keyring';
import { userTenant } from '../../functions/tenancy/tenant';
import { functions } from '../../functions/platform/manifest';
import type { FlarevaultFunction } from '../../lib/function';
import { functionBundles } from './bundles';
import {
  actionsOfCalls,
  compareGrants,
  grantedActions,
  type KmsEncryptedServices,
  requiredActions,
  sdkReferences,
  via,
} from './iam-calls';
import { resourcesOf, synth } from './synth';

// With a mail sender: without one, functions needing mail get no SES grant by design (synth warns).
const { stack, template } = synth({ context: { mailFrom: 'noreply@example.com' } });
const bundles = functionBundles();

const roleId = (f: FlarevaultFunction) => stack.getLogicalId(f.role.node.defaultChild as never);
const functionLogicalId = (f: FlarevaultFunction) => stack.getLogicalId(f.function.node.defaultChild as never);

function encryptedServices(t: Template): KmsEncryptedServices {
  const props = (type: string) => Object.values(resourcesOf(t, type)).map((r) => JSON.stringify(r.Properties ?? {}));
  return {
    dynamodb: props('AWS::DynamoDB::Table').some((p) => p.includes('"SSEType":"KMS"')),
    s3: props('AWS::S3::Bucket').some((p) => p.includes('"SSEAlgorithm":"aws:kms"')),
    sqs: props('AWS::SQS::Queue').some((p) => p.includes('"KmsMasterKeyId"')),
  };
}
const encrypted = encryptedServices(template);

function hasSqsEventSource(f: FlarevaultFunction): boolean {
  const id = functionLogicalId(f);
  return Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping')).some(
    (m) => JSON.stringify(m.Properties?.FunctionName) === JSON.stringify({ Ref: id }),
  );
}

/** Lambda sends a failed asynchronous event to an SQS queue with the function's role (lib/log-subscriptions.ts). */
function hasAsyncFailureQueue(f: FlarevaultFunction): boolean {
  const id = functionLogicalId(f);
  return Object.values(resourcesOf(template, 'AWS::Lambda::EventInvokeConfig')).some(
    (c) => JSON.stringify(c.Properties?.FunctionName) === JSON.stringify({ Ref: id }) && (c.Properties?.DestinationConfig as any)?.OnFailure?.Destination !== undefined,
  );
}

const deployed: [string, FlarevaultFunction][] = [
  ...[...stack.functions.entries()],
  ...Object.entries(stack.jobs.workers).map(([tier, w]): [string, FlarevaultFunction] => [`worker (${tier})`, w]),
];

function callsOf(entry: string): string[] {
  const bundle = bundles.get(entry)!.text;
  return actionsOfCalls(sdkReferences(bundle), bundle);
}

describe.each(deployed)('function %s', (_name, fn) => {
  const entry = (functions as Record<string, { entry: string }>)[fn.functionId]!.entry;

  test('its role holds exactly the actions its SDK calls need', () => {
    const required = requiredActions({ calls: callsOf(entry), sqsEventSource: hasSqsEventSource(fn), asyncFailureQueue: hasAsyncFailureQueue(fn) }, encrypted);
    expect({ entry, ...compareGrants(required, grantedActions(template, roleId(fn))) }).toEqual({ entry, unused: [], missing: [] });
  });

  test('the manifest declares exactly its SDK calls', () => {
    const declared = [...(functions as Record<string, { calls: readonly string[] }>)[fn.functionId]!.calls].sort();
    expect({ entry, declared }).toEqual({ entry, declared: callsOf(entry) });
  });
});

describe('the check itself', () => {
  const system = stack.functions.get('system')!;
  const systemCalls = () => ({ calls: callsOf('api/system'), sqsEventSource: false });

  test('reports an action granted without a command', () => {
    const json = structuredClone(template.toJSON());
    const policy = Object.values(json.Resources as Record<string, { Type: string; Properties: any }>).find(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId(system) }]),
    )!;
    policy.Properties.PolicyDocument.Statement.push(
      { Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: '*' },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } },
    );
    const report = compareGrants(requiredActions(systemCalls(), encrypted), grantedActions(TemplateOf.fromJSON(json), roleId(system)));
    expect(report).toEqual({ unused: ['dynamodb:PutItem', via('kms:Decrypt', 's3')], missing: [] });
  });

  test('reports a command without an action, and an action whose command was removed', () => {
    const calls = systemCalls().calls.filter((c) => c !== 'dynamodb:DescribeTable');
    const bundle = 'const import_lib_dynamodb = require("@aws-sdk/lib-dynamodb"); send(new import_lib_dynamodb.GetCommand({}));';
    const withGet = [...calls, ...actionsOfCalls(sdkReferences(bundle), bundle)];
    const report = compareGrants(requiredActions({ calls: withGet, sqsEventSource: false }, encrypted), grantedActions(template, roleId(system)));
    expect(report).toEqual({
      unused: ['dynamodb:DescribeTable'],
      missing: ['dynamodb:GetItem', via('kms:Decrypt', 'dynamodb'), via('kms:Encrypt', 'dynamodb'), via('kms:GenerateDataKey', 'dynamodb')].sort(),
    });
  });

  test('maps document-client commands, paginators, transactions and multipart uploads to IAM actions', () => {
    const bundle = [
      'var import_lib_dynamodb = require("@aws-sdk/lib-dynamodb"), import_client_s3 = require("@aws-sdk/client-s3");',
      'import_lib_dynamodb.paginateQuery; new import_lib_dynamodb.TransactWriteCommand({ TransactItems: [{ ConditionCheck: {} }, { Put: {} }] }); const del = {}; [{ Delete: del }, { Update }];',
      'new import_client_s3.UploadPartCommand({}); new import_client_s3.AbortMultipartUploadCommand({}); new import_client_s3.HeadBucketCommand({});',
    ].join('\n');
    expect(actionsOfCalls(sdkReferences(bundle), bundle)).toEqual([
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      's3:AbortMultipartUpload',
      's3:ListBucket',
      's3:PutObject',
    ]);
  });

  test('reads a module loaded on first use: its SDK binding declared first, assigned in its initializer', () => {
    const lazy =
      'var import_client_s3, init_probes = __esm({ "probes.ts"() { import_client_s3 = require("@aws-sdk/client-s3"); } });' +
      ' async function probe(c) { init_probes(); return c.send(new import_client_s3.HeadBucketCommand({})); }';
    expect(actionsOfCalls(sdkReferences(lazy), lazy)).toEqual(['s3:ListBucket']);
    // A bare use outside a declaration is still refused.
    const leaked = `${lazy} leak(import_client_s3, 1);`;
    expect(() => sdkReferences(leaked)).toThrow(/used other than as import_client_s3\.Member/);
  });

  test('refuses SDK uses it cannot map', () => {
    expect(() => sdkReferences('var import_client_s3 = require("@aws-sdk/client-s3"); const { PutObjectCommand } = import_client_s3;')).toThrow(
      /used other than as import_client_s3\.Member/,
    );
    const unbound = 'var x = require("@aws-sdk/client-sqs").SQSClient;';
    expect(() => sdkReferences(unbound)).toThrow(/not bound to a name/);
    const helper = 'var import_client_kms = require("@aws-sdk/client-kms"); import_client_kms.buildKey;';
    expect(() => actionsOfCalls(sdkReferences(helper), helper)).toThrow(/neither a client, a command nor a paginator/);
  });
});

describe('envelope key grants', () => {
  const statements = (fn: FlarevaultFunction) => {
    const policy = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).find(
      (r) => JSON.stringify(r.Properties?.Roles) === JSON.stringify([{ Ref: roleId(fn) }]),
    )!;
    return ((policy.Properties as any).PolicyDocument.Statement as any[]).filter(
      (s) => [s.Action].flat().some((a: string) => a === 'kms:Decrypt' || a === 'kms:GenerateDataKey') && !s.Condition?.StringEquals?.['kms:ViaService'],
    );
  };

  test('name the encryption context the code sends: a tenant DEK or the blind-index key, nothing else', () => {
    const dek = dekContext(userTenant('u1'));
    for (const [name, fn] of deployed) {
      if (!fn.needs.includes('keys')) {
        expect({ name, statements: statements(fn) }).toEqual({ name, statements: [] });
        continue;
      }
      const conditions = statements(fn).map((s) => s.Condition);
      expect({ name, conditions }).toEqual({
        name,
        conditions: expect.arrayContaining([
          {
            StringEquals: { 'kms:EncryptionContext:purpose': dek.purpose },
            StringLike: { 'kms:EncryptionContext:tenant': ['user#*', 'workspace#*'] },
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': Object.keys(dek).sort() },
          },
          {
            StringEquals: { 'kms:EncryptionContext:purpose': BLIND_INDEX_CONTEXT.purpose },
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': Object.keys(BLIND_INDEX_CONTEXT) },
          },
        ]),
      });
      expect({ name, count: conditions.length }).toEqual({ name, count: 2 });
    }
  });
});
