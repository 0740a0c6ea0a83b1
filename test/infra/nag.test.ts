/**
 * cdk-nag AwsSolutions over the whole app: zero unacknowledged errors or
 * warnings, for the default stage, a prod stage with every option on, and a
 * stage that uploads a built SPA (BucketDeployment's helper Lambda).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PolicyViolation } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { synth, type SynthOptions, type Synthed, PROD_CONTEXT } from './synth';

function findings(opts: SynthOptions | Synthed): string[] {
  const { app } = 'app' in opts ? opts : synth(opts);
  // cdk-nag 3 is a policy-validation plugin; validateScope runs the same rules the
  // CLI runs at `cdk synth` and honours Validations.of(x).acknowledge(...).
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations.flatMap((v: PolicyViolation) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} ${r.constructPath}: ${v.description}`),
  );
}

let spaDir: string;
beforeAll(() => {
  spaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flarevault-spa-'));
  fs.writeFileSync(path.join(spaDir, 'index.html'), '<!doctype html><title>flarevault</title>');
});
afterAll(() => fs.rmSync(spaDir, { recursive: true, force: true }));

test('default (dev-like) stage: no unacknowledged AwsSolutions findings', () => {
  expect(findings({})).toEqual([]);
});

test('prod stage with domain, WAF, mail, alarm e-mail: no unacknowledged findings', () => {
  expect(
    findings({
      region: 'us-east-1',
      context: { ...PROD_CONTEXT, corsAllowedOrigins: 'https://tools.example.com' },
    }),
  ).toEqual([]);
});

test.each([undefined, 'eu-west-1'])('stage with a built SPA (BucketDeployment + invalidation), region %s: no unacknowledged findings', (region) => {
  const s = synth({ region, stackProps: { spaDistPath: spaDir } });
  expect(s.stack.edge.deployment).toBeDefined();
  expect(findings(s)).toEqual([]);
});
