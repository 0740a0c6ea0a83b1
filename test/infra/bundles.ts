/**
 * Every manifest function bundled as lib/function.ts bundles it for Lambda
 * (esbuild, CJS, tree-shaken and syntax-minified, @aws-sdk/* external, same
 * target and tsconfig), in one esbuild run, once per test file. Identifiers
 * are not minified, so each SDK import keeps one unambiguous binding name
 * (`import_client_s3`); what the bundle contains is the same. Shared by the suites that read
 * bundles (env-reads, iam-calls).
 */
import { join } from 'node:path';
import { type BuildOptions, buildSync } from 'esbuild';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BUNDLE_EXTERNAL_MODULES, ESBUILD_TARGET, LAMBDA_BUNDLING, REPO_ROOT } from '../../lib/function';
import { functions } from '../../functions/platform/manifest';

export interface FunctionBundle {
  /** The bundled JavaScript, as Lambda would run it. */
  readonly text: string;
  /** Source files under functions/ that made it into the bundle. */
  readonly modules: readonly string[];
}

let cached: ReadonlyMap<string, FunctionBundle> | undefined;

/** Every manifest entry once (the worker serves three tiers from one entry). */
const manifestEntries = (): string[] => [...new Set(Object.values(functions).map((d) => d.entry))];
const entryPoints = (entries: readonly string[]) => Object.fromEntries(entries.map((e) => [e, join(REPO_ROOT, 'functions', `${e}.ts`)]));

/** Bundles keyed by manifest entry (e.g. `api/system`). */
export function functionBundles(): ReadonlyMap<string, FunctionBundle> {
  if (cached) return cached;
  const entries = manifestEntries();
  const out = buildSync({
    entryPoints: entryPoints(entries),
    bundle: true,
    write: false,
    metafile: true,
    minifySyntax: true,
    platform: 'node',
    format: 'cjs',
    target: ESBUILD_TARGET,
    tsconfig: join(REPO_ROOT, 'tsconfig.json'),
    logLevel: 'silent',
    external: [...BUNDLE_EXTERNAL_MODULES],
    outdir: join(REPO_ROOT, 'cdk.out', 'function-bundles'),
  });
  const bundles = new Map<string, FunctionBundle>();
  for (const entry of entries) {
    const outPath = join('cdk.out', 'function-bundles', `${entry}.js`);
    const meta = out.metafile.outputs[outPath];
    const file = out.outputFiles.find((f) => f.path === join(REPO_ROOT, outPath));
    if (!meta || !file) throw new Error(`bundles: no output for ${entry}`);
    bundles.set(entry, { text: file.text, modules: Object.keys(meta.inputs).filter((p) => p.startsWith('functions/')) });
  }
  cached = bundles;
  return bundles;
}

/**
 * The esbuild options NodejsFunction derives from `LAMBDA_BUNDLING` (its
 * `buildEsbuildArgs`: target, platform node, format, minify, linked source
 * map without sources content, externals, tsconfig, main fields), for many
 * entry points at once.
 */
export function lambdaBuildOptions(bundling: BundlingOptions & { tsconfig: string } = LAMBDA_BUNDLING): BuildOptions {
  if (bundling.sourceMapMode && bundling.sourceMapMode !== 'default') throw new Error(`bundles: sourceMapMode ${bundling.sourceMapMode} not mirrored here`);
  return {
    bundle: true,
    platform: 'node',
    target: bundling.target,
    format: bundling.format,
    minify: bundling.minify,
    sourcemap: bundling.sourceMap ? 'linked' : false,
    sourcesContent: bundling.sourcesContent,
    external: [...(bundling.externalModules ?? [])],
    tsconfig: bundling.tsconfig,
    ...(bundling.mainFields ? { mainFields: [...bundling.mainFields] } : {}),
  };
}

/** Issue 14: no function's bundle (its `.js`, source map aside) past 1 MB (SI: 1,000,000 bytes). */
export const BUNDLE_MAX_BYTES = 1_000_000;

export interface DeployedBundle {
  readonly entry: string;
  /** Path of the bundled `.js` (its `.js.map` beside it). */
  readonly file: string;
  readonly bytes: number;
  /** Bytes of each input in the bundle, largest first (esbuild metafile). */
  readonly inputs: readonly { path: string; bytes: number }[];
}

/**
 * Every manifest function bundled exactly as lib/function.ts bundles it for
 * Lambda (minified, with its source map), in one esbuild pass, written to
 * `outdir` (inside the repo, so `@aws-sdk/*` resolves from node_modules as it
 * does from the Lambda runtime's).
 */
export function deployedBundles(outdir: string): DeployedBundle[] {
  const entries = manifestEntries();
  const out = buildSync({ ...lambdaBuildOptions(), entryPoints: entryPoints(entries), outdir, write: true, metafile: true, logLevel: 'warning' });
  return entries.map((entry) => {
    const file = join(outdir, `${entry}.js`);
    const meta = Object.entries(out.metafile.outputs).find(([p]) => join(REPO_ROOT, p) === file || p === file)?.[1];
    if (!meta) throw new Error(`bundles: no output for ${entry}`);
    const inputs = Object.entries(meta.inputs)
      .map(([path, i]) => ({ path, bytes: i.bytesInOutput }))
      .sort((a, b) => b.bytes - a.bytes);
    return { entry, file, bytes: meta.bytes, inputs };
  });
}
