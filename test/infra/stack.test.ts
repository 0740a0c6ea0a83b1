/**
 * What the stack promises, checked on the synthesized template: encryption,
 * least privilege, per-tier concurrency, the edge, and that the HTTP API holds
 * exactly the manifest's routes.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { Duration } from 'aws-cdk-lib';
import { API_TIMEOUT_SECONDS, functions, logFilterPattern, logSubscriptions, preflights, queueConsumers, routes, schedules } from '../../functions/platform/manifest';
import type { FunctionDef } from '../../functions/platform/manifest';
import { routeKey } from '../../functions/contracts/route';
import { VIEWER_IP_HEADER } from '../../functions/platform/names';
import { PUBLIC_HEALTH_MAX_AGE_SECONDS } from '../../functions/contracts/system';
import { TIER_LIMITS, TIERS } from '../../functions/platform/tiers';
import { CONTENT_SECURITY_POLICY, ORIGIN_VERIFY_HEADER } from '../../lib/edge';
import { expectedEnvNames } from '../../lib/function';
import { resourcesOf, synth, type Synthed, PROD_CONTEXT } from './synth';

const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
const fnDefs = functions as Readonly<Record<string, FunctionDef>>;

let dev: Synthed;
let t: Template;
beforeAll(() => {
  dev = synth();
  t = dev.template;
});

function logicalIdOf(s: Synthed, construct: { node: { defaultChild?: unknown } }): string {
  return s.stack.getLogicalId(construct.node.defaultChild as never);
}

/** Our functions, keyed by POWERTOOLS_SERVICE_NAME (flarevault-<id> or flarevault-worker-<tier>). */
function ourFunctions(template: Template): Map<string, { id: string; props: Record<string, any> }> {
  const out = new Map<string, { id: string; props: Record<string, any> }>();
  for (const [id, r] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
    const name = (r.Properties as any)?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME;
    if (typeof name === 'string' && name.startsWith('flarevault-')) out.set(name, { id, props: r.Properties as Record<string, any> });
  }
  return out;
}

describe('data', () => {
  test('one table: pk/sk, gsi1, TTL, PITR, on-demand, encrypted with the CMK, no physical name', () => {
    const tables = resourcesOf(t, 'AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(1);
    const keyId = logicalIdOf(dev, dev.stack.data.key);
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
        }),
      ],
      TableName: Match.absent(),
      DeletionProtectionEnabled: false,
    });
    // Non-prod: cheap to tear down.
    t.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  test('every KMS key is symmetric with rotation on; the data key has a stage alias', () => {
    const keys = resourcesOf(t, 'AWS::KMS::Key');
    expect(Object.keys(keys).length).toBeGreaterThanOrEqual(1);
    for (const k of Object.values(keys)) expect(k.Properties).toMatchObject({ EnableKeyRotation: true });
    t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/flarevault/test/data' });
  });

  test('no hard-coded physical names anywhere', () => {
    const named: Record<string, string> = {
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::S3::Bucket': 'BucketName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::IAM::Role': 'RoleName',
      'AWS::SNS::Topic': 'TopicName',
    };
    for (const [type, prop] of Object.entries(named)) {
      for (const [id, r] of Object.entries(resourcesOf(t, type))) {
        expect({ id, name: (r.Properties ?? {})[prop] }).toEqual({ id, name: undefined });
      }
    }
  });
});

describe('queues and workers', () => {
  test('each tier queue has a DLQ with the manifest maxReceiveCount and visibility timeout', () => {
    for (const tier of TIERS) {
      const c = queueConsumers.find((q) => q.tier === tier)!;
      const queue = dev.stack.jobs.queues[tier];
      const dlq = dev.stack.jobs.deadLetterQueues[tier];
      const q = t.toJSON().Resources[logicalIdOf(dev, queue)].Properties;
      expect(q).toMatchObject({
        VisibilityTimeout: c.visibilityTimeoutSeconds,
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(dev, dlq), 'Arn'] }, maxReceiveCount: c.maxReceiveCount },
      });
      expect(t.toJSON().Resources[logicalIdOf(dev, dlq)].Properties).toMatchObject({ SqsManagedSseEnabled: true });
    }
  });

  test('every queue (and DLQ) denies non-TLS access', () => {
    const queues = Object.keys(resourcesOf(t, 'AWS::SQS::Queue'));
    // A queue and a DLQ per tier, and the log-subscription destinations' on-failure queues.
    expect(queues).toHaveLength(TIERS.length * 2 + dev.stack.logSubscriptions.failureQueues.size);
    const policies = Object.values(resourcesOf(t, 'AWS::SQS::QueuePolicy'));
    for (const q of queues) {
      const guarded = policies.some(
        (p) =>
          JSON.stringify((p.Properties as any).Queues).includes(`"${q}"`) &&
          (p.Properties as any).PolicyDocument.Statement.some(
            (s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false' && s.Action === 'sqs:*',
          ),
      );
      expect({ q, guarded }).toEqual({ q, guarded: true });
    }
  });

  test('worker reserved concurrency equals TIER_LIMITS; event source has maxConcurrency and ReportBatchItemFailures', () => {
    const fns = ourFunctions(t);
    for (const tier of TIERS) {
      const c = queueConsumers.find((q) => q.tier === tier)!;
      const worker = fns.get(`flarevault-worker-${tier}`);
      expect(worker).toBeDefined();
      expect(worker!.props.ReservedConcurrentExecutions).toBe(TIER_LIMITS[tier].workerConcurrency);
      expect(worker!.props.Timeout).toBe(fnDefs[c.fn]!.timeoutSeconds ?? 10);
      t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: worker!.id },
        EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(dev, dev.stack.jobs.queues[tier]), 'Arn'] },
        BatchSize: c.batchSize,
        ScalingConfig: { MaximumConcurrency: Math.max(2, TIER_LIMITS[tier].workerConcurrency) },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
  });
});

describe('functions', () => {
  test('one Lambda per routed/scheduled/subscribed manifest function plus one worker per tier', () => {
    const names = [...ourFunctions(t).keys()].sort();
    const routed = new Set([...routes.map((r) => r.fn), ...schedules.map((s) => s.fn), ...logSubscriptions.map((s) => s.fn)]);
    const expected = [...[...routed].map((f) => `flarevault-${f}`), ...TIERS.map((tier) => `flarevault-worker-${tier}`)].sort();
    expect(names).toEqual(expected);
  });

  test('Node.js 22 on arm64, X-Ray active, own log group, and exactly the env of its needs', () => {
    for (const [name, { props }] of ourFunctions(t)) {
      const id = name.replace(/^flarevault-/, '').replace(/-(free|base|pro)$/, '');
      const def = fnDefs[id]!;
      expect({ name, runtime: props.Runtime, arch: props.Architectures, tracing: props.TracingConfig }).toEqual({
        name,
        runtime: 'nodejs22.x',
        arch: ['arm64'],
        tracing: { Mode: 'Active' },
      });
      expect(props.LoggingConfig?.LogGroup).toEqual({ Ref: expect.any(String) });
      expect(props.Timeout).toBe(def.timeoutSeconds ?? 10);
      expect(props.MemorySize).toBe(def.memoryMb ?? 512);
      expect({ name, env: Object.keys(props.Environment.Variables).sort() }).toEqual({ name, env: expectedEnvNames(def.needs) });
    }
  });

  test('expectedEnvNames is envVarNames(needs) minus Lambda-reserved/local-only, plus the common vars', () => {
    expect(expectedEnvNames(['table', 'edge'])).toEqual(
      ['CORS_ALLOWED_ORIGINS', 'LOG_LEVEL', 'NODE_OPTIONS', 'ORIGIN_VERIFY_SECRET', 'POWERTOOLS_SERVICE_NAME', 'PUBLIC_URL', 'STAGE', 'TABLE_NAME'].sort(),
    );
  });

  test('the origin secret reaches functions only as a deploy-time Secrets Manager reference', () => {
    for (const [name, { props }] of ourFunctions(t)) {
      const secret = props.Environment.Variables.ORIGIN_VERIFY_SECRET;
      if (!fnDefs[name.replace(/^flarevault-/, '')]?.needs.includes('edge')) {
        expect(secret).toBeUndefined();
        continue;
      }
      expect(JSON.stringify(secret)).toContain('{{resolve:secretsmanager:');
    }
  });

  test('every log group has a retention', () => {
    const groups = Object.values(resourcesOf(t, 'AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(ourFunctions(t).size + 1);
    for (const g of groups) expect(g.Properties?.RetentionInDays).toEqual(expect.any(Number));
  });
});

describe('IAM', () => {
  const statements = (template: Template) =>
    [...Object.entries(resourcesOf(template, 'AWS::IAM::Policy')), ...Object.entries(resourcesOf(template, 'AWS::IAM::Role'))].flatMap(([id, r]) => {
      const docs = r.Type === 'AWS::IAM::Policy' ? [(r.Properties as any).PolicyDocument] : ((r.Properties as any).Policies ?? []).map((p: any) => p.PolicyDocument);
      return docs.flatMap((d: any) => (d.Statement as any[]).map((s) => ({ id, ...s })));
    });
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

  test('no wildcard actions; Resource "*" only for X-Ray (no resource-level permissions)', () => {
    for (const s of statements(t)) {
      for (const a of list(s.Action)) expect({ id: s.id, action: a }).toEqual({ id: s.id, action: expect.not.stringContaining('*') });
      if (list(s.Resource).includes('*')) {
        expect({ id: s.id, actions: list(s.Action).sort() }).toEqual({ id: s.id, actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'] });
      }
    }
  });

  test('no function role carries a managed policy (no AWSLambdaBasicExecutionRole)', () => {
    for (const [id, r] of Object.entries(resourcesOf(t, 'AWS::IAM::Role'))) {
      if (JSON.stringify(r.Properties?.AssumeRolePolicyDocument).includes('lambda.amazonaws.com') && !id.startsWith('CustomS3AutoDeleteObjects')) {
        expect({ id, managed: r.Properties?.ManagedPolicyArns }).toEqual({ id, managed: undefined });
      }
    }
  });

  test('table access names the table and its index, never index/*', () => {
    const tableId = logicalIdOf(dev, dev.stack.data.table);
    const tableStatements = statements(t).filter((s) => s.Sid === 'TableData');
    expect(tableStatements.length).toBeGreaterThan(0);
    for (const s of tableStatements) {
      expect(s.Resource).toEqual([
        { 'Fn::GetAtt': [tableId, 'Arn'] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/gsi1']] },
      ]);
    }
  });
});

describe('buckets', () => {
  test('every bucket blocks public access and its policy denies non-TLS requests', () => {
    const buckets = resourcesOf(t, 'AWS::S3::Bucket');
    const policies = Object.values(resourcesOf(t, 'AWS::S3::BucketPolicy'));
    for (const [id, b] of Object.entries(buckets)) {
      expect(b.Properties?.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const guarded = policies.some(
        (p) =>
          JSON.stringify((p.Properties as any).Bucket) === JSON.stringify({ Ref: id }) &&
          (p.Properties as any).PolicyDocument.Statement.some((s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false'),
      );
      expect({ id, guarded }).toEqual({ id, guarded: true });
    }
  });

  test('backup bucket: SSE-KMS with the CMK + bucket key, versioned, logged, lifecycle valid for the retention', () => {
    const keyId = logicalIdOf(dev, dev.stack.data.key);
    const b = t.toJSON().Resources[logicalIdOf(dev, dev.stack.backup.bucket)].Properties;
    expect(b.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } } },
    ]);
    expect(b.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(b.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logicalIdOf(dev, dev.stack.logs.bucket) }, LogFilePrefix: 'backup-bucket/' });
    const rule = b.LifecycleConfiguration.Rules.find((r: any) => r.Id === 'age-out-backups');
    // 35 days: STANDARD_IA at 30, GLACIER_IR (90) dropped, expire at 35.
    expect(rule).toMatchObject({
      Status: 'Enabled',
      ExpirationInDays: 35,
      Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
      NoncurrentVersionExpiration: { NoncurrentDays: 7 },
    });
  });
});

describe('sync bucket', () => {
  const syncBucket = () => t.toJSON().Resources[logicalIdOf(dev, dev.stack.sync.bucket)].Properties;

  test('SSE-KMS with the stack key + bucket key, unversioned (a clear really deletes), logged, private', () => {
    const keyId = logicalIdOf(dev, dev.stack.data.key);
    const b = syncBucket();
    expect(b.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } } },
    ]);
    expect(b.VersioningConfiguration).toBeUndefined();
    expect(b.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logicalIdOf(dev, dev.stack.logs.bucket) }, LogFilePrefix: 'sync-bucket/' });
  });

  test('its policy denies a put that does not name SSE-KMS with the stack key', () => {
    const bucketId = logicalIdOf(dev, dev.stack.sync.bucket);
    const keyId = logicalIdOf(dev, dev.stack.data.key);
    const policy = Object.values(resourcesOf(t, 'AWS::S3::BucketPolicy')).find((p) => JSON.stringify((p.Properties as any).Bucket) === JSON.stringify({ Ref: bucketId }))!;
    expect((policy.Properties as any).PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Sid: 'RequireSseKmsWithStackKey',
        Effect: 'Deny',
        Action: 's3:PutObject',
        Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': { 'Fn::GetAtt': [keyId, 'Arn'] } } },
      }),
    );
  });

  test('only the sync function reaches it: SYNC_BUCKET and its key, Get/Put/DeleteObject on its objects and nothing on the backup bucket', () => {
    const bucketId = logicalIdOf(dev, dev.stack.sync.bucket);
    const backupId = logicalIdOf(dev, dev.stack.backup.bucket);
    const sync = ourFunctions(t).get('flarevault-sync')!;
    expect(sync.props.Environment.Variables.SYNC_BUCKET).toEqual({ Ref: bucketId });
    expect(sync.props.Environment.Variables.SYNC_BUCKET_KEY_ID).toEqual({ 'Fn::GetAtt': [logicalIdOf(dev, dev.stack.data.key), 'Arn'] });
    const role = dev.stack.functions.get('sync')!.role;
    const policy = Object.values(resourcesOf(t, 'AWS::IAM::Policy')).find((p) => JSON.stringify((p.Properties as any).Roles) === JSON.stringify([{ Ref: dev.stack.getLogicalId(role.node.defaultChild as never) }]))!;
    const s3Statements = ((policy.Properties as any).PolicyDocument.Statement as any[]).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('s3:')));
    expect(s3Statements).toEqual([
      expect.objectContaining({ Sid: 'SyncBlobsObjects', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] } }),
    ]);
    expect(JSON.stringify(s3Statements)).not.toContain(backupId);
    const withBucket = [...ourFunctions(t).entries()].filter(([, f]) => f.props.Environment.Variables.SYNC_BUCKET !== undefined).map(([n]) => n);
    expect(withBucket).toEqual(['flarevault-sync']);
  });
});

describe('device-token lifetime (stage setting flarevault:deviceTokenLifetimeDays)', () => {
  const lifetimeOf = (s: Synthed) => ourFunctions(s.template).get('flarevault-sync')!.props.Environment.Variables.DEVICE_TOKEN_LIFETIME_DAYS;

  test('90 days by default; the stage value reaches the sync function; nonsense fails synth naming the key', () => {
    expect(lifetimeOf(dev)).toBe('90');
    expect(lifetimeOf(synth({ context: { deviceTokenLifetimeDays: '30' } }))).toBe('30');
    expect(() => synth({ context: { deviceTokenLifetimeDays: '0' } })).toThrow(/flarevault:deviceTokenLifetimeDays/);
  });
});

describe('OpenID Connect providers (stage setting flarevault:oidcProviders)', () => {
  const providersOf = (s: Synthed) => ourFunctions(s.template).get('flarevault-signIn')!.props.Environment.Variables.OIDC_PROVIDERS;
  const google = { id: 'google', name: 'Google', issuer: 'https://accounts.google.com', clientId: 'client-1.apps.googleusercontent.com', clientSecretName: 'flarevault/oidc/google' };

  test('none by default; each client secret is a Secrets Manager dynamic reference resolved at deploy, never in the template; only signIn gets them', () => {
    expect(providersOf(dev)).toBe('[]');
    const s = synth({ context: { oidcProviders: JSON.stringify([google]) } });
    const json = JSON.stringify(providersOf(s));
    expect(json).toContain('{{resolve:secretsmanager:');
    expect(json).toContain('flarevault/oidc/google');
    expect(json).toContain('https://accounts.google.com');
    expect(json).not.toContain('clientSecretName');
    const withProviders = [...ourFunctions(s.template).entries()].filter(([, f]) => f.props.Environment.Variables.OIDC_PROVIDERS !== undefined).map(([n]) => n);
    expect(withProviders).toEqual(['flarevault-signIn']);
  });

  test('emailVerifiedClaim (Entra ID: xms_edov) reaches the env; absent, the env has none (the handler reads email_verified)', () => {
    const entra = { id: 'entra', name: 'Microsoft', issuer: 'https://login.microsoftonline.com/tenant-1/v2.0', clientId: 'app-1', clientSecretName: 'flarevault/oidc/entra', emailVerifiedClaim: 'xms_edov' };
    const json = JSON.stringify(providersOf(synth({ context: { oidcProviders: JSON.stringify([google, entra]) } })));
    expect(json).toContain('\\"emailVerifiedClaim\\":\\"xms_edov\\"');
    expect(json.match(/emailVerifiedClaim/g)).toHaveLength(1);
    expect(() => synth({ context: { oidcProviders: JSON.stringify([{ ...entra, emailVerifiedClaim: 'xms edov' }]) } })).toThrow(/emailVerifiedClaim/);
  });

  test('a plain-http issuer, a duplicate id or malformed JSON fails synth naming the key', () => {
    expect(() => synth({ context: { oidcProviders: JSON.stringify([{ ...google, issuer: 'http://accounts.google.com' }]) } })).toThrow(/flarevault:oidcProviders/);
    expect(() => synth({ context: { oidcProviders: JSON.stringify([google, google]) } })).toThrow(/flarevault:oidcProviders/);
    expect(() => synth({ context: { oidcProviders: '[{' } })).toThrow(/flarevault:oidcProviders/);
  });
});

describe('Turnstile (stage settings flarevault:turnstileSiteKey + flarevault:turnstileSecretName)', () => {
  const authEnv = (s: Synthed) => ourFunctions(s.template).get('flarevault-auth')!.props.Environment.Variables;
  const csp = (s: Synthed) =>
    (Object.values(resourcesOf(s.template, 'AWS::CloudFront::ResponseHeadersPolicy'))[0]!.Properties as any).ResponseHeadersPolicyConfig.SecurityHeadersConfig
      .ContentSecurityPolicy.ContentSecurityPolicy as string;

  test('off by default: empty settings, and the CSP allows no Turnstile script or frame', () => {
    expect(authEnv(dev)).toMatchObject({ TURNSTILE_SITE_KEY: '', TURNSTILE_SECRET_KEY: '' });
    expect(csp(dev)).toBe(CONTENT_SECURITY_POLICY);
    expect(csp(dev)).not.toContain('challenges.cloudflare.com');
  });

  test('on: the site key, the secret as a deploy-time Secrets Manager reference, and the CSP allows Cloudflare for scripts and frames only', () => {
    const on = synth({ context: { turnstileSiteKey: '0x4AAAAAAAexample_SiteKey', turnstileSecretName: 'flarevault/dev/turnstile' } });
    const env = authEnv(on);
    expect(env.TURNSTILE_SITE_KEY).toBe('0x4AAAAAAAexample_SiteKey');
    expect(JSON.stringify(env.TURNSTILE_SECRET_KEY)).toMatch(/\{\{resolve:secretsmanager:.*flarevault\/dev\/turnstile/);
    const policy = csp(on);
    expect(policy).toContain("script-src 'self' https://challenges.cloudflare.com");
    expect(policy).toContain('frame-src https://challenges.cloudflare.com');
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
  });

  test('one without the other fails synth naming the keys', () => {
    expect(() => synth({ context: { turnstileSiteKey: '0x4AAAAAAAexample_SiteKey' } })).toThrow(/flarevault:turnstileSecretName must be set together/);
  });
});

describe('edge', () => {
  const dist = () => Object.values(resourcesOf(t, 'AWS::CloudFront::Distribution'))[0]!.Properties as any;

  test('SPA origin uses Origin Access Control; SPA routing is a viewer-request function, not distribution-wide error pages', () => {
    const cfg = dist().DistributionConfig;
    expect(Object.keys(resourcesOf(t, 'AWS::CloudFront::OriginAccessControl'))).toHaveLength(1);
    const spa = cfg.Origins.find((o: any) => o.S3OriginConfig);
    expect(spa.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Id'] });
    expect(spa.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(cfg.CustomErrorResponses).toBeUndefined();
    expect(cfg.DefaultCacheBehavior.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: expect.anything() }]);
    expect(cfg.Logging).toMatchObject({ Bucket: expect.anything(), Prefix: 'cloudfront/' });
  });

  test('/api/* goes to the HTTP API over TLS 1.2 with the x-origin-verify secret header, uncached, all methods', () => {
    const cfg = dist().DistributionConfig;
    const behaviour = cfg.CacheBehaviors.find((b: any) => b.PathPattern === '/api/*');
    expect(behaviour).toMatchObject({
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      ViewerProtocolPolicy: 'https-only',
    });
    expect(behaviour.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: expect.anything() }]);
    const origin = cfg.Origins.find((o: any) => o.Id === behaviour.TargetOriginId);
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    expect(JSON.stringify(origin.DomainName)).toContain(logicalIdOf(dev, dev.stack.api.httpApi));
    expect(origin.OriginCustomHeaders).toHaveLength(1);
    expect(origin.OriginCustomHeaders[0].HeaderName).toBe(ORIGIN_VERIFY_HEADER);
    expect(JSON.stringify(origin.OriginCustomHeaders[0].HeaderValue)).toContain('{{resolve:secretsmanager:');
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: Match.anyValue(), ExcludePunctuation: true }),
    });
    const secret = Object.values(resourcesOf(t, 'AWS::SecretsManager::Secret'))[0]!.Properties as any;
    expect(secret.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(32);
  });

  test('/api/health is cached at the edge for at most its Cache-Control (5 s), keyed on nothing the viewer sends, before /api/*', () => {
    const cfg = dist().DistributionConfig;
    const patterns = cfg.CacheBehaviors.map((b: any) => b.PathPattern);
    expect(patterns.indexOf('/api/health')).toBeGreaterThanOrEqual(0);
    expect(patterns.indexOf('/api/health')).toBeLessThan(patterns.indexOf('/api/*'));
    const behaviour = cfg.CacheBehaviors.find((b: any) => b.PathPattern === '/api/health');
    expect(behaviour).toMatchObject({ AllowedMethods: ['GET', 'HEAD'], ViewerProtocolPolicy: 'https-only' });
    expect(behaviour.TargetOriginId).toBe(cfg.CacheBehaviors.find((b: any) => b.PathPattern === '/api/*').TargetOriginId);
    const policy = resourcesOf(t, 'AWS::CloudFront::CachePolicy')[behaviour.CachePolicyId.Ref]!.Properties as any;
    expect(policy.CachePolicyConfig).toMatchObject({ MinTTL: 0, DefaultTTL: PUBLIC_HEALTH_MAX_AGE_SECONDS, MaxTTL: PUBLIC_HEALTH_MAX_AGE_SECONDS });
    expect(policy.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin).toMatchObject({
      HeadersConfig: { HeaderBehavior: 'none' },
      CookiesConfig: { CookieBehavior: 'none' },
      QueryStringsConfig: { QueryStringBehavior: 'none' },
    });
  });

  test("/api/* carries the viewer's IP in the edge header, overwriting any client value (AllViewerExceptHostHeader forwards it)", () => {
    const behaviour = dist().DistributionConfig.CacheBehaviors.find((b: any) => b.PathPattern === '/api/*');
    const fnId = behaviour.FunctionAssociations[0].FunctionARN['Fn::GetAtt'][0];
    const cfFunction = resourcesOf(t, 'AWS::CloudFront::Function')[fnId]!.Properties as any;
    expect(cfFunction.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
    // The deployed code, run on CloudFront Functions' event shape.
    const handler = new Function(`${cfFunction.FunctionCode}; return handler;`)() as (e: unknown) => { headers: Record<string, { value: string }> };
    for (const ip of ['198.51.100.10', '2001:db8::1']) {
      const spoofed = { [VIEWER_IP_HEADER]: { value: '6.6.6.6' }, 'x-forwarded-for': { value: '6.6.6.7' } };
      const request = handler({ viewer: { ip }, request: { method: 'POST', uri: '/api/v1/auth/login', headers: spoofed } });
      expect(request.headers[VIEWER_IP_HEADER]).toEqual({ value: ip });
    }
  });

  test('security headers: strict CSP, 2-year HSTS with preload, nosniff, referrer policy, DENY framing', () => {
    t.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          ContentSecurityPolicy: { ContentSecurityPolicy: CONTENT_SECURITY_POLICY, Override: true },
          StrictTransportSecurity: { AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Preload: true, Override: true },
          ContentTypeOptions: { Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
        },
      }),
    });
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  test('no WAF when the flag is off', () => {
    t.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(dist().DistributionConfig.WebACLId).toBeUndefined();
  });
});

describe('api', () => {
  test('routes are exactly the manifest routes and its OPTIONS preflight routes', () => {
    const keys = Object.values(resourcesOf(t, 'AWS::ApiGatewayV2::Route')).map((r) => (r.Properties as any).RouteKey).sort();
    expect(keys).toEqual([...routes.map(routeKey), ...preflights.map((p) => `OPTIONS ${p.path}`)].sort());
    expect(preflights.length).toBeGreaterThan(0);
  });

  test('the API has no CORS configuration: API Gateway would answer preflights from a static list and drop the per-application origins', () => {
    const [api] = Object.values(resourcesOf(t, 'AWS::ApiGatewayV2::Api'));
    expect((api!.Properties as any).CorsConfiguration).toBeUndefined();
  });

  test('each route is integrated with its function; one integration per function', () => {
    const fns = ourFunctions(t);
    const integrations = resourcesOf(t, 'AWS::ApiGatewayV2::Integration');
    expect(Object.keys(integrations)).toHaveLength(new Set(routes.map((r) => r.fn)).size);
    for (const route of routes) {
      const [routeRes] = Object.values(resourcesOf(t, 'AWS::ApiGatewayV2::Route')).filter((r) => (r.Properties as any).RouteKey === routeKey(route));
      const target = (routeRes!.Properties as any).Target['Fn::Join'][1][1].Ref as string;
      const integration = integrations[target]!.Properties as any;
      expect(integration.IntegrationUri).toEqual({ 'Fn::GetAtt': [fns.get(`flarevault-${route.fn}`)!.id, 'Arn'] });
      expect(integration.PayloadFormatVersion).toBe('2.0');
      expect(integration.TimeoutInMillis).toBe(API_TIMEOUT_SECONDS * 1000);
    }
  });

  test('every function behind a route stops within the integration timeout (no work after the caller got 503)', () => {
    const routed = [...new Set(routes.map((r) => r.fn))];
    const over = routed.filter((fn) => (fnDefs[fn]!.timeoutSeconds ?? 10) > API_TIMEOUT_SECONDS);
    expect(over).toEqual([]);
  });

  test('$default stage: auto-deploy, throttled, JSON access logs', () => {
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: Match.anyValue(), ThrottlingRateLimit: Match.anyValue() },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logicalIdOf(dev, dev.stack.api.accessLogs), 'Arn'] }, Format: Match.stringLikeRegexp('requestId') },
    });
  });
});

describe('log subscriptions', () => {
  const access = logSubscriptions.find((s) => s.id === 'api-access')!;

  test('every function serving an authenticated route has its access lines subscribed', () => {
    const authenticated = new Set(routes.filter((r) => r.auth !== 'public').map((r) => r.fn));
    expect([...access.sources].sort()).toEqual([...authenticated].sort());
    expect(access.sources).not.toContain(access.fn);
    expect(logFilterPattern(access)).toBe('{ $.message = "flarevault.api-access" }');
  });

  test("a filter on each source's own log group, with the pattern, delivering to the ingest Lambda, which logs.amazonaws.com may invoke for that group only", () => {
    const fns = ourFunctions(t);
    const ingestId = fns.get(`flarevault-${access.fn}`)!.id;
    const filters = Object.values(resourcesOf(t, 'AWS::Logs::SubscriptionFilter')).map((f) => f.Properties as any);
    expect(filters).toHaveLength(logSubscriptions.reduce((n, s) => n + s.sources.length, 0));
    const permissions = Object.values(resourcesOf(t, 'AWS::Lambda::Permission')).map((p) => p.Properties as any);
    for (const source of access.sources) {
      const logGroupId = logicalIdOf(dev, dev.stack.functions.get(source)!.logGroup);
      const filter = filters.find((f) => JSON.stringify(f.LogGroupName) === JSON.stringify({ Ref: logGroupId }));
      expect({ source, filter }).toEqual({
        source,
        filter: expect.objectContaining({ FilterPattern: logFilterPattern(access), DestinationArn: { 'Fn::GetAtt': [ingestId, 'Arn'] } }),
      });
      expect(filter.RoleArn).toBeUndefined(); // a Lambda destination takes a resource policy, not a role
      expect(
        permissions.some(
          (p) => p.Principal === 'logs.amazonaws.com' && p.Action === 'lambda:InvokeFunction' && JSON.stringify(p.FunctionName).includes(ingestId) && JSON.stringify(p.SourceArn).includes(logGroupId),
        ),
      ).toBe(true);
    }
    // The ingest's own log group is never subscribed (it would read its own lines).
    const ingestLogGroup = logicalIdOf(dev, dev.stack.functions.get(access.fn)!.logGroup);
    expect(filters.some((f) => JSON.stringify(f.LogGroupName).includes(ingestLogGroup))).toBe(false);
  });

  test('the ingest retries twice, then sends the event to an encrypted TLS-only queue it alone may send to, alarmed on', () => {
    const ingest = dev.stack.functions.get(access.fn)!;
    const queue = dev.stack.logSubscriptions.failureQueues.get(access.fn)!;
    const queueId = logicalIdOf(dev, queue);
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(dev, ingest.function) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    t.hasResourceProperties('AWS::SQS::Queue', Match.objectLike({ SqsManagedSseEnabled: true }));
    const statements = Object.values(resourcesOf(t, 'AWS::IAM::Policy')).flatMap((p) => (p.Properties as any).PolicyDocument.Statement as any[]);
    const senders = statements.filter((st) => JSON.stringify(st.Resource).includes(queueId));
    expect(senders).toEqual([expect.objectContaining({ Sid: 'AsyncFailureQueue', Action: 'sqs:SendMessage' })]);
    const alarms = Object.values(resourcesOf(t, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties as any);
    expect(alarms.some((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && a.Threshold === 0 && JSON.stringify(a.Dimensions).includes(queueId))).toBe(true);
  });
});

describe('schedules and alarms', () => {
  test('one rule per manifest schedule, at its rate, targeting its function', () => {
    const fns = ourFunctions(t);
    const rules = Object.values(resourcesOf(t, 'AWS::Events::Rule'));
    expect(rules).toHaveLength(schedules.length);
    for (const s of schedules) {
      const expr = events.Schedule.rate(Duration.minutes(s.everyMinutes)).expressionString;
      const rule = rules.find((r) => (r.Properties as any).ScheduleExpression === expr);
      expect(rule).toBeDefined();
      expect((rule!.Properties as any).Targets[0].Arn).toEqual({ 'Fn::GetAtt': [fns.get(`flarevault-${s.fn}`)!.id, 'Arn'] });
    }
  });

  test('alarms on every DLQ, API 5xx, each function errors + throttles, and job failures; encrypted TLS-only topic', () => {
    const alarms = Object.values(resourcesOf(t, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties as any);
    for (const tier of TIERS) {
      const dlqId = logicalIdOf(dev, dev.stack.jobs.deadLetterQueues[tier]);
      expect(
        alarms.some((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && a.Threshold === 0 && JSON.stringify(a.Dimensions).includes(dlqId)),
      ).toBe(true);
      expect(alarms.some((a) => a.MetricName === `JobItemFailures-test-${tier}`)).toBe(true);
    }
    expect(alarms.some((a) => a.MetricName === '5xx' && a.Namespace === 'AWS/ApiGateway')).toBe(true);
    const fnCount = ourFunctions(t).size;
    expect(alarms.filter((a) => a.MetricName === 'Errors' && a.Namespace === 'AWS/Lambda')).toHaveLength(fnCount);
    expect(alarms.filter((a) => a.MetricName === 'Throttles' && a.Namespace === 'AWS/Lambda')).toHaveLength(fnCount);
    for (const a of alarms) expect(a.AlarmActions).toHaveLength(1);
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    t.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('prod stage with a domain, WAF, mail and alarm e-mail', () => {
  let prod: Synthed;
  beforeAll(() => {
    prod = synth({
      region: 'us-east-1',
      context: { ...PROD_CONTEXT, backupRetentionDays: 400 },
    });
  });

  test('retains data: deletion protection and RETAIN policies', () => {
    prod.template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    for (const type of ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::S3::Bucket']) {
      for (const [id, r] of Object.entries(resourcesOf(prod.template, type))) expect({ id, p: r.DeletionPolicy }).toEqual({ id, p: 'Retain' });
    }
    prod.template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('WAF web ACL (CLOUDFRONT) with managed rules and a rate rule, attached to the distribution', () => {
    prod.template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      Rules: Match.arrayWith([
        Match.objectLike({ Name: 'AWSManagedRulesCommonRuleSet' }),
        Match.objectLike({ Name: 'AWSManagedRulesKnownBadInputsRuleSet' }),
        Match.objectLike({ Name: 'AWSManagedRulesAmazonIpReputationList' }),
        Match.objectLike({ Name: 'RateLimitPerIp', Statement: { RateBasedStatement: Match.objectLike({ AggregateKeyType: 'IP' }) } }),
      ]),
    });
    const cfg = (Object.values(resourcesOf(prod.template, 'AWS::CloudFront::Distribution'))[0]!.Properties as any).DistributionConfig;
    expect(cfg.WebACLId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    expect(cfg.Aliases).toEqual(['app.example.com']);
    expect(cfg.ViewerCertificate).toMatchObject({ MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
  });

  test('backup lifecycle: STANDARD_IA at 30, GLACIER_IR at 90, expire at the retention', () => {
    const rule = (Object.values(resourcesOf(prod.template, 'AWS::S3::Bucket'))
      .flatMap((b) => (b.Properties as any).LifecycleConfiguration?.Rules ?? []) as any[]).find((r) => r.Id === 'age-out-backups');
    expect(rule).toMatchObject({
      ExpirationInDays: 400,
      Transitions: [
        { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
        { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
      ],
    });
  });

  test('PUBLIC_URL uses the custom domain; alarm e-mail subscribed', () => {
    const sys = ourFunctions(prod.template).get('flarevault-system')!;
    expect(sys.props.Environment.Variables.PUBLIC_URL).toBe('https://app.example.com');
    expect(sys.props.Environment.Variables.LOG_LEVEL).toBe('INFO');
    prod.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  test('WAF outside us-east-1 fails synth with a clear message', () => {
    expect(() => synth({ region: 'eu-west-1', context: { waf: true } })).toThrow(/us-east-1/);
    expect(() => synth({ context: { waf: true } })).toThrow(/flarevault:waf=true needs the stack in us-east-1/);
  });
});
