/**
 * The shared operation core (frontend/core/) and the dashboard's typed
 * operations (frontend/src/api/operations.ts): the committed operationId →
 * method/path table and its contract types match the manifest, the runtime
 * fills and encodes path parameters and keeps the client's wire habits, and no
 * API path is written by hand anywhere else in the dashboard, the core or the SDK.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import { setCsrfToken } from '../../frontend/src/api/client';
import { call, operationPath, sendOperation } from '../../frontend/src/api/operations';
import { OPERATIONS } from '../../frontend/core/operations.gen';
import { routes } from '../../functions/platform/manifest';
import { OPERATION_TYPES_PATH, OPERATIONS_TABLE_PATH, REGENERATE_COMMAND, renderOperationTypes, renderOperationsTable } from '../support/operations-table';

const FRONTEND = join(__dirname, '..', '..', 'frontend');
/** Client code that must name operations, never paths: the dashboard, the shared core, the SDK. */
const CLIENT_SOURCES = ['src', 'core', join('sdk', 'src')].map((d) => join(FRONTEND, d));

test('the committed operations table and its contract types are what the manifest generates', () => {
  for (const [path, render] of [[OPERATIONS_TABLE_PATH, renderOperationsTable], [OPERATION_TYPES_PATH, renderOperationTypes]] as const) {
    if (readFileSync(path, 'utf8') !== render()) {
      throw new Error(`${relative(FRONTEND, path)} is out of date with the manifest's routes. Regenerate it: ${REGENERATE_COMMAND}`);
    }
  }
  expect(Object.keys(OPERATIONS).sort()).toEqual(routes.map((r) => r.operationId).sort());
  for (const r of routes) expect(OPERATIONS[r.operationId as keyof typeof OPERATIONS]).toEqual({ method: r.method, path: r.path });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** An API path or URL (`/api/…`, `https://host/api/…`); module specifiers such as `../api/client` are not. */
const API_PATH = /^(\w+:\/\/[^/]*)?\/api\//;

/** String and template literal pieces that start an API path, as `file:line text`. */
function apiPathLiterals(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) && API_PATH.test(node.text)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      found.push(`${relative(FRONTEND, file)}:${line} ${node.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('no hand-written API path in the dashboard, the core or the SDK: they go through the operation table', () => {
  const files = CLIENT_SOURCES.flatMap(sourceFiles).filter((f) => f !== OPERATIONS_TABLE_PATH);
  expect(files.length).toBeGreaterThan(20);
  expect(files.flatMap(apiPathLiterals)).toEqual([]);
  // The scan does see paths: the generated table is full of them.
  expect(apiPathLiterals(OPERATIONS_TABLE_PATH).length).toBe(routes.length);
});

describe('calling an operation', () => {
  type Call = { url: string; init: RequestInit };
  let calls: Call[] = [];
  beforeEach(() => {
    calls = [];
    setCsrfToken('tok');
    globalThis.fetch = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return init.method === 'DELETE' ? new Response(null, { status: 204 }) : new Response('{"ok":true}', { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
  });

  test('path parameters are filled and encoded as one segment each; query drops empty values', async () => {
    expect(operationPath('listDnsRecords', { id: 'acc/1?x', zoneId: 'z 1' })).toBe('/api/v1/cloudflare/accounts/acc%2F1%3Fx/zones/z%201/dns-records');
    await call('listZones', { params: { id: 'a1' }, query: { search: '', page: 2, perPage: undefined } });
    expect(calls[0]!.url).toBe('/api/v1/cloudflare/accounts/a1/zones?page=2');
    expect(calls[0]!.init.method).toBe('GET');
    expect(calls[0]!.init.body).toBeUndefined();
  });

  test('a POST always carries a JSON body ({} when the route takes none); DELETE carries none', async () => {
    await call('applyJobChunk', { params: { id: 'job1', n: 3 } });
    expect(calls[0]!.url).toBe('/api/v1/jobs/job1/chunks/3/apply');
    expect(calls[0]!.init.method).toBe('POST');
    expect(calls[0]!.init.body).toBe('{}');
    expect((calls[0]!.init.headers as Record<string, string>)['x-csrf-token']).toBe('tok');

    await call('applyJob', { params: { id: 'job1' }, body: { force: true } });
    expect(calls[1]!.init.body).toBe('{"force":true}');

    await expect(call('revokeSession', { params: { id: 's1' } })).resolves.toBeUndefined();
    expect(calls[2]!.init.method).toBe('DELETE');
    expect(calls[2]!.init.body).toBeUndefined();
  });

  test('sendOperation returns the raw Response; a missing path parameter is refused before any request', async () => {
    const res = await sendOperation('exportZoneBind', { params: { id: 'a1', zoneId: 'z1' } });
    expect(res).toBeInstanceOf(Response);
    expect(calls[0]!.url).toBe('/api/v1/cloudflare/accounts/a1/zones/z1/export');
    expect(() => operationPath('getJob', {} as { id: string })).toThrow('getJob: path parameter id is missing');
    expect(calls).toHaveLength(1);
  });
});
