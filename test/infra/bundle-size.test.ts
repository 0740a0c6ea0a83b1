/**
 * Cold start, guarded (issue 14): every function bundled exactly as
 * lib/function.ts bundles it for Lambda (one esbuild pass for all entries)
 * stays under 1 MB, and requires only the AWS SDK packages of the services
 * its manifest `calls` name — each SDK client costs import time at every
 * cold start whether it is used or not. Import times themselves are measured
 * by `npm run bench -- bundles`, never asserted.
 */
import { join } from 'node:path';
import { readFileSync, rmSync } from 'node:fs';
import { REPO_ROOT } from '../../lib/function';
import { functions } from '../../functions/platform/manifest';
import { BUNDLE_MAX_BYTES, deployedBundles } from './bundles';

const outdir = join(REPO_ROOT, 'cdk.out', 'bundle-size');
rmSync(outdir, { recursive: true, force: true });
const bundles = deployedBundles(outdir);

/** The SDK packages that serve each IAM service prefix. */
const PACKAGES_OF_SERVICE: Readonly<Record<string, readonly string[]>> = {
  dynamodb: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'],
  kms: ['@aws-sdk/client-kms'],
  sqs: ['@aws-sdk/client-sqs'],
  s3: ['@aws-sdk/client-s3'],
  ses: ['@aws-sdk/client-sesv2'],
};

describe.each(bundles.map((b) => [b.entry, b] as const))('bundle %s', (entry, bundle) => {
  it(`is at most ${BUNDLE_MAX_BYTES.toLocaleString('en-US')} bytes`, () => {
    // On failure, the largest inputs say what grew.
    const largest = bundle.bytes > BUNDLE_MAX_BYTES ? bundle.inputs.slice(0, 5).map((i) => `${i.path} ${i.bytes}`) : [];
    expect({ entry, bytes: bundle.bytes <= BUNDLE_MAX_BYTES ? 'within' : bundle.bytes, largest }).toEqual({ entry, bytes: 'within', largest: [] });
  });

  it('requires only the SDK packages of the services it calls', () => {
    const calls = Object.values(functions).find((d) => d.entry === entry)!.calls as readonly string[];
    const expected = [...new Set(calls.flatMap((c) => PACKAGES_OF_SERVICE[c.split(':')[0]!] ?? []))].sort();
    const required = [...new Set([...readFileSync(bundle.file, 'utf8').matchAll(/require\("(@aws-sdk\/[^"]+)"\)/g)].map((m) => m[1]!))].sort();
    expect({ entry, required }).toEqual({ entry, required: expected });
  });
});
