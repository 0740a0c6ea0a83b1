/** Shared helpers for the infra suites: synth the stack once per configuration, fast. */
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CONTEXT_KEYS, loadStageConfig } from '../../lib/config';
import { FlarevaultStack, type FlarevaultStackProps } from '../../lib/stack';

export type StageContext = Partial<Record<keyof typeof CONTEXT_KEYS, unknown>>;

export const DEFAULT_CONTEXT: StageContext = {
  stage: 'test',
  domainName: '',
  certificateArn: '',
  waf: false,
  corsAllowedOrigins: '',
  backupRetentionDays: 35,
  alarmEmail: '',
  mailFrom: '',
  originSecretGeneration: 0,
};

/** A fully featured production stage: custom domain, WAF, SES sender, alarm e-mail. */
export const PROD_CONTEXT: StageContext = {
  stage: 'prod',
  domainName: 'app.example.com',
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
  waf: true,
  alarmEmail: 'ops@example.com',
  mailFrom: 'noreply@example.com',
};

export interface SynthOptions {
  readonly context?: StageContext;
  readonly region?: string;
  /** Bundle with esbuild (slow): only for tests that inspect assets. */
  readonly bundle?: boolean;
  readonly stackProps?: Partial<FlarevaultStackProps>;
}

export interface Synthed {
  readonly app: App;
  readonly stack: FlarevaultStack;
  readonly template: Template;
}

export function contextFor(stage: StageContext): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries({ ...DEFAULT_CONTEXT, ...stage }).map(([k, v]) => [CONTEXT_KEYS[k as keyof typeof CONTEXT_KEYS], v]),
  );
}

export function synth(opts: SynthOptions = {}): Synthed {
  const app = new App({
    // The CloudFormation schema check adds seconds per synth; cdk synth and the nag suite keep it.
    builtinCloudFormationValidation: false,
    context: {
      ...contextFor(opts.context ?? {}),
      ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const config = loadStageConfig(app.node);
  const stack = new FlarevaultStack(app, `Flarevault-${config.stage}`, {
    config,
    // Deterministic regardless of a local frontend build; nag.test.ts covers the upload.
    spaDistPath: path.join(__dirname, 'no-spa-build'),
    env: opts.region ? { account: '123456789012', region: opts.region } : undefined,
    ...opts.stackProps,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> } & Record<string, unknown>>;

export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}
