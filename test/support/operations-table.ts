/**
 * Generates frontend/src/api/operations.gen.ts from the manifest's routes: for
 * each operationId its method and path (the only route facts the dashboard
 * needs at run time) and, for types only, the contract export that defines it.
 * The dashboard may not import the manifest or zod at run time, so the table
 * is committed; test/unit/frontend-operations.test.ts fails when it is stale.
 *
 * Regenerate: npx tsx test/support/operations-table.ts
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RouteDef } from '../../functions/contracts/route';
import { routes } from '../../functions/platform/manifest';

const ROOT = join(__dirname, '..', '..');
const CONTRACTS_DIR = join(ROOT, 'functions', 'contracts');
export const OPERATIONS_TABLE_PATH = join(ROOT, 'frontend', 'src', 'api', 'operations.gen.ts');
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

export function renderOperationsTable(): string {
  const where = contractExports();
  const sorted = [...routes].sort((a, b) => a.operationId.localeCompare(b.operationId));
  const modules = new Set<string>();
  const rows: string[] = [];
  const types: string[] = [];
  for (const r of sorted) {
    const at = where.get(r);
    if (!at) throw new Error(`route ${r.operationId} is in the manifest but not exported from functions/contracts/`);
    modules.add(at.module);
    rows.push(`  ${r.operationId}: { method: '${r.method}', path: '${r.path}' },`);
    types.push(`  ${r.operationId}: typeof ${namespaceOf(at.module)}.${at.name};`);
  }
  return [
    `// Generated from the manifest's routes by \`${REGENERATE_COMMAND}\`. Do not edit.`,
    `// test/unit/frontend-operations.test.ts fails when this file is out of date.`,
    ...[...modules].sort().map((m) => `import type * as ${namespaceOf(m)} from '../../../functions/contracts/${m}';`),
    '',
    '/** Method and path template of every API operation, by operationId. */',
    'export const OPERATIONS = {',
    ...rows,
    '} as const;',
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
  console.log(`wrote ${OPERATIONS_TABLE_PATH}`);
}
