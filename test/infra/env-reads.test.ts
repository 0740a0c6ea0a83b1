/**
 * Every env var a handler reads is set for its function, by construction:
 * bundle each manifest function's entry (as esbuild does for Lambda), collect
 * the needs named by every `loadEnv([...])` in the modules it pulls in, and
 * check they are declared in the manifest (the CDK stack sets exactly the
 * declared needs' vars: test/infra/stack.test.ts; the local runtime sets the
 * union of all needs: test/integration/local-runtime.test.ts). Direct
 * `process.env.X` reads outside functions/platform/env.ts must be on a short,
 * justified list.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { functions, type Need } from '../../functions/platform/manifest';
import { envByNeed } from '../../functions/platform/env';
import { functionBundles } from './bundles';

const ROOT = resolve(__dirname, '..', '..');
/** Direct reads allowed outside the env module, with why. */
const DIRECT_READS: Record<string, string> = {
  POWERTOOLS_SERVICE_NAME: 'set on every function by lib/function.ts (COMMON_ENV); logger default otherwise',
  CLOUDFLARE_BASE_URL: "read by the official cloudflare SDK itself (a comment names it); optional",
};

const modulesOf = (entry: string): readonly string[] => functionBundles().get(entry)!.modules;

describe.each(Object.entries(functions))('function %s', (_name, def) => {
  const modules = modulesOf(def.entry);

  it('reads only the env of needs it declares', () => {
    const read = new Set<string>();
    for (const m of modules) {
      const src = readFileSync(join(ROOT, m), 'utf8');
      for (const call of src.matchAll(/loadEnv\(\s*\[([^\]]*)\]/g)) {
        for (const n of call[1]!.matchAll(/'(\w+)'/g)) read.add(n[1]!);
      }
    }
    for (const n of read) expect(Object.keys(envByNeed)).toContain(n);
    const undeclared = [...read].filter((n) => !(def.needs as readonly Need[]).includes(n as Need));
    expect({ entry: def.entry, undeclared }).toEqual({ entry: def.entry, undeclared: [] });
  });

  it('reads no other env var directly', () => {
    const direct = modules
      .filter((m) => m !== 'functions/platform/env.ts')
      .flatMap((m) => [...readFileSync(join(ROOT, m), 'utf8').matchAll(/process\.env\.([A-Z0-9_]+)/g)].map((x) => x[1]!));
    expect(direct.filter((v) => !(v in DIRECT_READS))).toEqual([]);
  });
});
