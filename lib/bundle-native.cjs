#!/usr/bin/env node
/**
 * esbuild afterBundling hook (lib/function.ts): native modules cannot be
 * bundled, so when a Lambda bundle requires one, copy its JS loader and the
 * Lambda platform binary (linux arm64 glibc) into the asset's node_modules.
 *
 *   node lib/bundle-native.cjs <repoRoot> <outputDir> [constructPath]
 *
 * Works offline. If the arm64 binary package is not installed (npm installs
 * only the host's optional platform package), print a loud warning and leave
 * the asset as is: `cdk synth` keeps working, and docs/deploy.md says how to
 * fetch the binary before `cdk deploy`.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const NATIVE = [{ name: '@node-rs/argon2', lambdaBinary: '@node-rs/argon2-linux-arm64-gnu' }];

const [repoRoot, outputDir, label] = process.argv.slice(2);
if (!repoRoot || !outputDir) {
  console.error('usage: bundle-native.cjs <repoRoot> <outputDir>');
  process.exit(2);
}
const bundle = path.join(outputDir, 'index.js');
const code = fs.existsSync(bundle) ? fs.readFileSync(bundle, 'utf8') : '';

for (const { name, lambdaBinary } of NATIVE) {
  if (!code.includes(`"${name}"`) && !code.includes(`'${name}'`)) continue;
  const missing = [name, lambdaBinary].filter((p) => !fs.existsSync(path.join(repoRoot, 'node_modules', p, 'package.json')));
  if (missing.length > 0) {
    const version = require(path.join(repoRoot, 'node_modules', name, 'package.json')).version;
    console.error(
      `\n[flarevault] WARNING: ${label || path.basename(outputDir)} requires ${name}, but ${missing.join(', ')} is not installed; ` +
        `this function will fail at runtime in Lambda (arm64).\n` +
        `  Fix before cdk deploy: npm install --no-save --force ${lambdaBinary}@${version}\n`,
    );
    continue;
  }
  for (const pkg of [name, lambdaBinary]) {
    fs.cpSync(path.join(repoRoot, 'node_modules', pkg), path.join(outputDir, 'node_modules', pkg), { recursive: true, dereference: true });
  }
}
