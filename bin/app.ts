#!/usr/bin/env node
/**
 * The CDK app: one stack, `Flarevault-<stage>`, configured from cdk.json
 * context (override with `-c flarevault:stage=prod` etc.) and checked by
 * cdk-nag's AwsSolutions pack on every synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadStageConfig } from '../lib/config';
import { FlarevaultStack } from '../lib/stack';

const app = new App();
const config = loadStageConfig(app.node);
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

new FlarevaultStack(app, `Flarevault-${config.stage}`, {
  config,
  env: account || region ? { account, region } : undefined,
  description: `flarevault ${config.stage}: multi-tenant encrypted control plane for Cloudflare zones`,
  tags: { app: 'flarevault', stage: config.stage },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
