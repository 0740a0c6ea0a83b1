/**
 * Every manifest function bundled as lib/function.ts bundles it for Lambda
 * (esbuild, CJS, tree-shaken and syntax-minified, @aws-sdk/* external, same
 * target and tsconfig), in one esbuild run, once per test file. Identifiers
 * are not minified, so each SDK import keeps one unambiguous binding name
 * (`import_client_s3`); what the bundle contains is the same. Shared by the suites that read
 * bundles (env-reads, iam-calls).
 */
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { BUNDLE_EXTERNAL_MODULES, ESBUILD_TARGET, REPO_ROOT } from '../../lib/function';
import { functions } from '../../functions/platform/manifest';

export interface FunctionBundle {
  /** The bundled JavaScript, as Lambda would run it. */
  readonly text: string;
  /** Source files under functions/ that made it into the bundle. */
  readonly modules: readonly string[];
}

let cached: ReadonlyMap<string, FunctionBundle> | undefined;

/** Bundles keyed by manifest entry (e.g. `api/system`). */
export function functionBundles(): ReadonlyMap<string, FunctionBundle> {
  if (cached) return cached;
  const entries = [...new Set(Object.values(functions).map((d) => d.entry))];
  const out = buildSync({
    entryPoints: Object.fromEntries(entries.map((e) => [e, join(REPO_ROOT, 'functions', `${e}.ts`)])),
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
