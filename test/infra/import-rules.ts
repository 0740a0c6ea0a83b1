/**
 * The import rules of docs/architecture.md, as a function over an in-memory
 * file map (repo-relative path → source text), so a test can plant violations
 * and see them reported, and the real test can run it over the repository.
 *
 * Imports are read with the TypeScript parser (static imports and re-exports,
 * `require('…')`, `import('…')`, `typeof import('…')`), so type-only imports are
 * told apart from value imports. Only relative specifiers name repository files;
 * bare specifiers are packages.
 */
import { posix } from 'node:path';
import * as ts from 'typescript';

export interface Import {
  readonly specifier: string;
  /** Erased at compile time: `import type`, `export type … from`, all-`type` named imports, `typeof import()`. */
  readonly typeOnly: boolean;
}

export interface Violation {
  readonly rule: 'cycle' | 'forbidden';
  /** The importing file (forbidden) or the folders of `functions/` in the cycle. */
  readonly where: string;
  readonly message: string;
}

/** Every import of one file. */
export function importsOf(path: string, text: string): Import[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, path.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: Import[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: isTypeOnlyImport(node) });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || (!!named?.length && named.every((e) => e.isTypeOnly)) });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      found.push({ specifier: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0]!)) {
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isRequire || node.expression.kind === ts.SyntaxKind.ImportKeyword) found.push({ specifier: node.arguments[0].text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // `import './x'` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

const EXTENSIONS = ['', '.ts', '.tsx', '/index.ts', '/index.tsx'];

/**
 * The repository path a relative specifier names (a file of the map when one matches),
 * or undefined for a package (a bare specifier, or a path into node_modules/).
 */
export function resolveImport(fromPath: string, specifier: string, files: ReadonlyMap<string, string>): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = posix.normalize(posix.join(posix.dirname(fromPath), specifier));
  if (base.split('/').includes('node_modules')) return undefined;
  return EXTENSIONS.map((ext) => base + ext).find((p) => files.has(p)) ?? base;
}

/**
 * The unit of the folder rules: the first folder under `functions/`
 * (`functions/jobs/store.ts` → `jobs`); a top-level file is its own unit
 * (`functions/errors.ts` → `errors`). Undefined outside `functions/`.
 */
export function unitOf(path: string): string | undefined {
  const m = /^functions\/([^/]+)/.exec(path);
  if (!m) return undefined;
  return path.slice('functions/'.length).includes('/') ? m[1] : m[1]!.replace(/\.tsx?$/, '');
}

/** Units below the handler layer: they never import `api/` (handlers) or `http/` (the handler toolkit). */
const BELOW_HTTP = new Set([
  'contracts',
  'platform',
  'tenancy',
  'errors',
  'observability',
  'aws',
  'crypto',
  'data',
  'mail',
  'audit',
  'workspaces',
  'applications',
  'access-log',
  'identity',
  'cloudflare',
  'jobs',
  'backup',
  'vault',
  'app-auth',
  'devices',
  'sync',
]);

/** What `http/` (the handler toolkit) may use: never a domain; the authenticator is injected. */
const HTTP_MAY_IMPORT = new Set(['http', 'contracts', 'platform', 'tenancy', 'errors', 'observability', 'aws']);

/** Packages a contract may use: contracts are shared with the dashboard, SDK and CLI. */
const CONTRACT_PACKAGES = new Set(['zod']);

function forbidden(from: string, imp: Import, to: string | undefined): string | undefined {
  const fromUnit = unitOf(from);
  const toUnit = to && unitOf(to);
  if (from.startsWith('functions/')) {
    if (to && /^(lib|bin|frontend|test|clients)\//.test(to)) return 'functions/ never imports lib/, bin/, frontend/, clients/ or test/';
    if (fromUnit === 'contracts' && (to ? toUnit !== 'contracts' : !CONTRACT_PACKAGES.has(imp.specifier))) {
      return 'contracts/ imports only zod and other contracts';
    }
    if (fromUnit === 'platform' && to && toUnit !== 'platform' && toUnit !== 'contracts') return 'platform/ imports only contracts/ (and packages)';
    if (fromUnit && BELOW_HTTP.has(fromUnit) && (toUnit === 'api' || toUnit === 'http')) return `${fromUnit}/ is below the handlers: it never imports api/ or http/`;
    if (fromUnit === 'http' && toUnit && !HTTP_MAY_IMPORT.has(toUnit)) return `http/ (the handler toolkit) never imports a domain (${toUnit}/); api/ injects what it needs`;
  }
  if (from.startsWith('lib/') && to?.startsWith('clients/')) return 'lib/ never imports clients/ (the server never runs client code)';
  if (from.startsWith('lib/') && to?.startsWith('functions/') && toUnit !== 'platform' && toUnit !== 'contracts') {
    return 'lib/ imports only functions/platform and functions/contracts';
  }
  // Reference clients (clients/) hold the end-to-end crypto; they use the shared client core and contract types only.
  if (from.startsWith('clients/') && to && !to.startsWith('clients/') && !to.startsWith('frontend/core/')) {
    if (!imp.typeOnly || toUnit !== 'contracts') return 'clients/ imports only clients/, frontend/core/ and types (import type) of functions/contracts';
  }
  if (from.startsWith('frontend/') && to && !to.startsWith('frontend/')) {
    if (!imp.typeOnly) return 'frontend/ imports code outside frontend/ only as types (import type)';
    if (toUnit !== 'contracts') return 'frontend/ imports types only from functions/contracts';
  }
  // The shared core and the SDK are published as @flarevault/sdk: its bundle and type declarations stand alone.
  if (from.startsWith('frontend/core/') && to && !to.startsWith('frontend/core/')) return 'frontend/core/ imports nothing outside frontend/core/';
  if (from.startsWith('frontend/sdk/') && to && !/^frontend\/(sdk|core)\//.test(to)) return 'frontend/sdk/ imports only frontend/sdk/ and frontend/core/';
  if (from.startsWith('frontend/src/') && to?.startsWith('frontend/sdk/')) return 'the dashboard (frontend/src/) shares frontend/core/ with the SDK, never the SDK itself';
  return undefined;
}

/** Cycles between units of `functions/`: the strongly connected components of the unit graph (Tarjan). */
function unitCycles(edges: ReadonlyMap<string, ReadonlyMap<string, string>>): Violation[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) connect(v);
  return components.map((units) => {
    const inside = new Set(units);
    const examples = units.flatMap((u) => [...(edges.get(u) ?? [])].filter(([to]) => inside.has(to)).map(([, example]) => example));
    return { rule: 'cycle', where: units.join(', '), message: `folders of functions/ import each other in a loop: ${examples.join('; ')}` };
  });
}

/** Every violation of the import rules in these files. */
export function checkImportRules(files: ReadonlyMap<string, string>): Violation[] {
  const violations: Violation[] = [];
  /** unit → imported unit → one example `file → file`. */
  const edges = new Map<string, Map<string, string>>();
  for (const [path, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const fromUnit = unitOf(path);
    for (const imp of importsOf(path, text)) {
      const to = resolveImport(path, imp.specifier, files);
      const rule = forbidden(path, imp, to);
      if (rule) violations.push({ rule: 'forbidden', where: path, message: `${path} → ${to ?? imp.specifier}: ${rule}` });
      const toUnit = to && unitOf(to);
      if (fromUnit && toUnit && toUnit !== fromUnit) {
        const out = edges.get(fromUnit) ?? edges.set(fromUnit, new Map()).get(fromUnit)!;
        if (!out.has(toUnit)) out.set(toUnit, `${path} → ${to}`);
      }
    }
  }
  return [...violations, ...unitCycles(edges)];
}
