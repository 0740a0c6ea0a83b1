/**
 * Generates the operation table from the manifest's routes, in two files:
 *  - frontend/core/operations.gen.ts: for each operationId its method and path
 *    (the only route facts a client needs at run time). The shared core of the
 *    dashboard's typed client and of @flarevault/sdk: plain data, no imports,
 *    so the SDK's bundle and type declarations stand alone.
 *  - frontend/src/api/operation-types.gen.ts: for types only, the contract
 *    export that defines each operation (the dashboard's params, query, body
 *    and response types come from its zod schemas).
 * Clients may not import the manifest or zod at run time, so both are
 * committed; test/unit/frontend-operations.test.ts fails when one is stale.
 *
 * Regenerate: npx tsx test/support/operations-table.ts
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RouteDef } from '../../functions/contracts/route';
import { routes } from '../../functions/platform/manifest';

const ROOT = join(__dirname, '..', '..');
const CONTRACTS_DIR = join(ROOT, 'functions', 'contracts');
export const OPERATIONS_TABLE_PATH = join(ROOT, 'frontend', 'core', 'operations.gen.ts');
export const OPERATION_TYPES_PATH = join(ROOT, 'frontend', 'src', 'api', 'operation-types.gen.ts');
export const REGENERATE_COMMAND = 'npx tsx test/support/operations-table.ts';

/** Where each route object is exported in functions/contracts/ (module name and export name). */
function contractExports(): Map<RouteDef, { module: string; name: string }> {
  const found = new Map<RouteDef, { module: string; name: string }>();
  for (const file of readdirSync(CONTRACTS_DIR).filter((f) => f.endsWith('.ts')).sort()) {
    const module = basename(file, '.ts');
    const exports = require(join(CONTRACTS_DIR, file)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      if (routes.includes(value as RouteDef)) found.set(value as RouteDef, { module, name });
    }
  }
  return found;
}

/** A contract module's namespace in the generated imports (`workspace-governance` → `workspaceGovernance`). */
const namespaceOf = (module: string) => module.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const HEADER = [
  `// Generated from the manifest's routes by \`${REGENERATE_COMMAND}\`. Do not edit.`,
  `// test/unit/frontend-operations.test.ts fails when this file is out of date.`,
];

const sortedRoutes = () => [...routes].sort((a, b) => a.operationId.localeCompare(b.operationId));

/** frontend/core/operations.gen.ts: method and path by operationId. */
export function renderOperationsTable(): string {
  return [
    ...HEADER,
    '',
    '/** Method and path template of every API operation, by operationId. */',
    'export const OPERATIONS = {',
    ...sortedRoutes().map((r) => `  ${r.operationId}: { method: '${r.method}', path: '${r.path}' },`),
    '} as const;',
    '',
    'export type OperationId = keyof typeof OPERATIONS;',
    '',
  ].join('\n');
}

/** frontend/src/api/operation-types.gen.ts: the contract route of every operation. */
export function renderOperationTypes(): string {
  const where = contractExports();
  const modules = new Set<string>();
  const types: string[] = [];
  for (const r of sortedRoutes()) {
    const at = where.get(r);
    if (!at) throw new Error(`route ${r.operationId} is in the manifest but not exported from functions/contracts/`);
    modules.add(at.module);
    types.push(`  ${r.operationId}: typeof ${namespaceOf(at.module)}.${at.name};`);
  }
  return [
    ...HEADER,
    ...[...modules].sort().map((m) => `import type * as ${namespaceOf(m)} from '../../../functions/contracts/${m}';`),
    '',
    '/** The contract route of every operation (types only: its zod schemas give params, query, body and response). */',
    'export interface OperationRoutes {',
    ...types,
    '}',
    '',
  ].join('\n');
}

if (require.main === module) {
  writeFileSync(OPERATIONS_TABLE_PATH, renderOperationsTable());
  writeFileSync(OPERATION_TYPES_PATH, renderOperationTypes());
  console.log(`wrote ${OPERATIONS_TABLE_PATH}\nwrote ${OPERATION_TYPES_PATH}`);
}
