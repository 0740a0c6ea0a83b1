/** Stage config validation, the backup lifecycle plan, and synth-time prop checks. */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as manifest from '../../functions/platform/manifest';
import { loadStageConfig } from '../../lib/config';
import { planBackupLifecycle } from '../../lib/backup';
import type { FlarevaultManifest } from '../../lib/stack';
import { contextFor, resourcesOf, synth, type StageContext } from './synth';

const load = (c: StageContext) => {
  const ctx = contextFor(c);
  return loadStageConfig({ tryGetContext: (k: string) => ctx[k] });
};

describe('stage config', () => {
  test('defaults: non-prod destroys, CLI strings are coerced', () => {
    const c = load({ stage: 'dev', waf: 'false', backupRetentionDays: '14', corsAllowedOrigins: 'https://a.example.com, http://localhost:5173' });
    expect(c).toMatchObject({ stage: 'dev', isProd: false, waf: false, backupRetentionDays: 14, removalPolicy: RemovalPolicy.DESTROY });
    expect(c.corsAllowedOrigins).toEqual(['https://a.example.com', 'http://localhost:5173']);
    expect(c.domainName).toBeUndefined();
  });

  test('origin secret rotation: a new generation replaces the secret', () => {
    const ids = (gen: number) => Object.keys(resourcesOf(synth({ context: { originSecretGeneration: gen } }).template, 'AWS::SecretsManager::Secret'));
    const [a] = ids(0);
    const [b] = ids(2);
    expect(a).toMatch(/^EdgeOriginVerifySecret/);
    expect(b).toMatch(/^EdgeOriginVerifySecret2/);
    expect(a).not.toEqual(b);
  });

  test('prod retains', () => {
    expect(load({ stage: 'prod', waf: 'true' })).toMatchObject({ isProd: true, waf: true, removalPolicy: RemovalPolicy.RETAIN });
  });

  test.each<[StageContext, RegExp]>([
    [{ stage: 'Prod!' }, /flarevault:stage: must be 1-16 chars/],
    [{ waf: 'yes' }, /flarevault:waf: must be true or false/],
    [{ backupRetentionDays: 0 }, /flarevault:backupRetentionDays/],
    [{ backupRetentionDays: 'many' }, /flarevault:backupRetentionDays/],
    [{ corsAllowedOrigins: 'https://a.example.com/path' }, /flarevault:corsAllowedOrigins: each entry must be an origin/],
    [{ corsAllowedOrigins: 'http://evil.example.com' }, /flarevault:corsAllowedOrigins/],
    [{ alarmEmail: 'not-an-email' }, /flarevault:alarmEmail: must be an e-mail address/],
    [{ domainName: 'app.example.com' }, /flarevault:domainName and flarevault:certificateArn must be set together/],
    [
      { domainName: 'app.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012' },
      /flarevault:certificateArn: must be an ACM certificate ARN in us-east-1/,
    ],
  ])('rejects %j', (ctx, message) => {
    expect(() => load(ctx)).toThrow(message);
  });
});

describe('backup lifecycle plan', () => {
  test.each([
    [7, [], 7],
    [30, [], 30],
    [31, [{ storageClass: 'STANDARD_IA', days: 30 }], 31],
    [365, [{ storageClass: 'STANDARD_IA', days: 30 }, { storageClass: 'GLACIER_IR', days: 90 }], 365],
  ])('retention %i days', (retention, transitions, expiration) => {
    expect(planBackupLifecycle(retention)).toMatchObject({ transitions, expirationDays: expiration });
  });

  test('rejects invalid transitions', () => {
    expect(() => planBackupLifecycle(100, 10)).toThrow(/standardIaAfterDays must be >= 30/);
    expect(() => planBackupLifecycle(100, 60, 45)).toThrow(/glacierIrAfterDays \(45\) must come after/);
    expect(() => planBackupLifecycle(0)).toThrow(/retentionDays must be a positive integer/);
  });
});

describe('manifest-driven synth checks', () => {
  const base: FlarevaultManifest = {
    functions: manifest.functions,
    routes: manifest.routes,
    queueConsumers: manifest.queueConsumers,
    schedules: manifest.schedules,
  };

  test('a function needing mail gets MAIL_* env and ses:SendEmail on the sender identity and its domain only', () => {
    const m: FlarevaultManifest = {
      ...base,
      functions: { ...base.functions, notifier: { entry: 'api/system', needs: ['mail'], calls: ['ses:SendEmail'] } },
      schedules: [...base.schedules, { id: 'notify', fn: 'notifier', everyMinutes: 60, description: 'test' }],
    };
    const { template } = synth({ context: { mailFrom: 'noreply@mail.example.com' }, stackProps: { manifest: m } });
    const fn = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).find(
      (f) => (f.Properties as any)?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'flarevault-notifier',
    )!;
    expect((fn.Properties as any).Environment.Variables).toMatchObject({ MAIL_TRANSPORT: 'ses', MAIL_FROM: 'noreply@mail.example.com' });
    const ses = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify((p.Properties as any).Roles).includes('NotifierFunctionRole'))
      .flatMap((p) => (p.Properties as any).PolicyDocument.Statement as any[])
      .filter((s) => s.Sid === 'SendMail');
    expect(ses).toHaveLength(1);
    expect(ses[0].Action).toBe('ses:SendEmail');
    expect(JSON.stringify(ses[0].Resource)).toContain(':identity/noreply@mail.example.com');
    expect(JSON.stringify(ses[0].Resource)).toContain(':identity/mail.example.com');
    expect(JSON.stringify(ses[0].Resource)).not.toContain('*');
  });

  test('a route targeting a queue consumer or an unknown function fails synth', () => {
    const route = { ...base.routes[0]!, operationId: 'x', path: '/api/x' };
    expect(() => synth({ stackProps: { manifest: { ...base, routes: [...base.routes, { ...route, fn: 'worker' }] } } })).toThrow(/queue consumer worker/);
    expect(() => synth({ stackProps: { manifest: { ...base, routes: [...base.routes, { ...route, fn: 'nope' }] } } })).toThrow(/unknown function nope/);
  });

  test('visibility timeout shorter than the worker timeout fails synth', () => {
    const consumers = base.queueConsumers.map((c) => ({ ...c, visibilityTimeoutSeconds: 30 }));
    expect(() => synth({ stackProps: { manifest: { ...base, queueConsumers: consumers } } })).toThrow(/visibilityTimeoutSeconds \(30\) must be >= the worker timeout/);
  });
});
