/**
 * The folder rules of docs/architecture.md hold for every import in the
 * repository: no cycle between folders of functions/, and no forbidden import
 * (functions/ → lib/ or clients/, lib/ → domain code or clients/, a domain →
 * api/ or http/, contracts/ → anything but zod, frontend/ → anything but
 * type-only contracts, clients/ → anything but frontend/core/ and type-only
 * contracts). The first
 * block is the test of the test: planted violations must be reported.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkImportRules, importsOf } from './import-rules';

const ROOT = join(__dirname, '..', '..');
const SCANNED = ['functions', 'lib', 'bin', 'frontend', 'clients'];
const SKIPPED = new Set(['node_modules', 'dist']);

function sourcesUnder(dir: string, out: Map<string, string>): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourcesUnder(path, out);
    else if (/\.tsx?$/.test(entry.name)) out.set(relative(ROOT, path).split('\\').join('/'), readFileSync(path, 'utf8'));
  }
  return out;
}

const files = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('the import-rule checker', () => {
  it('reads static, re-exported, required, dynamic and type-query imports, and tells type-only ones apart', () => {
    const text = [
      "import { a } from './a';",
      "import type { B } from './b';",
      "import { type C, type D } from './c';",
      "import { type E, f } from './e';",
      "export { g } from './g';",
      "export type { H } from './h';",
      "const i = require('./i');",
      "const j = import('./j');",
      "type K = typeof import('./k');",
      "import './side-effect';",
    ].join('\n');
    expect(importsOf('x.ts', text)).toEqual([
      { specifier: './a', typeOnly: false },
      { specifier: './b', typeOnly: true },
      { specifier: './c', typeOnly: true },
      { specifier: './e', typeOnly: false },
      { specifier: './g', typeOnly: false },
      { specifier: './h', typeOnly: true },
      { specifier: './i', typeOnly: false },
      { specifier: './j', typeOnly: false },
      { specifier: './k', typeOnly: true },
      { specifier: './side-effect', typeOnly: false },
    ]);
  });

  it('accepts a tree that keeps the rules', () => {
    const ok = files({
      'functions/contracts/route.ts': "import { z } from 'zod';",
      'functions/platform/manifest.ts': "import { r } from '../contracts/route';",
      'functions/errors.ts': '',
      'functions/identity/login.ts': "import { DomainError } from '../errors';\nimport { r } from '../contracts/route';",
      'functions/http/handler.ts': "import { manifest } from '../platform/manifest';",
      'functions/api/auth.ts': "import { login } from '../identity/login';\nimport { h } from '../http/handler';",
      'lib/stack.ts': "import { manifest } from '../functions/platform/manifest';",
      'bin/admin.ts': "import { login } from '../functions/identity/login';",
      'frontend/src/api/types.ts': "import type { R } from '../../../functions/contracts/route';",
      'frontend/src/api/client.ts': "import { ApiError } from '../../core/problem';",
      'frontend/sdk/src/vault.ts': "import { ApiError } from '../../core/problem';\nimport { errorFor } from './errors';",
      'clients/sync/api.ts': "import type * as data from '../../functions/contracts/sync-data';\nimport { ApiError } from '../../frontend/core/problem';\nimport { seal } from './crypto';",
      'bin/sync-client.ts': "import { push } from '../clients/sync/commands';",
    });
    expect(checkImportRules(ok)).toEqual([]);
  });

  it('reports a planted cycle between folders of functions/, naming the imports that close it', () => {
    const cyclic = files({
      'functions/crypto/keyring.ts': "import { table } from '../data/table';",
      'functions/data/table.ts': "import { audit } from '../audit/log';",
      'functions/audit/log.ts': "import type { Keyring } from '../crypto/keyring';",
      'functions/mail/ses.ts': "import { table } from '../data/table';",
    });
    expect(checkImportRules(cyclic)).toEqual([
      {
        rule: 'cycle',
        where: 'audit, crypto, data',
        message: expect.stringContaining('functions/audit/log.ts → functions/crypto/keyring.ts'),
      },
    ]);
  });

  it('reports a top-level file of functions/ as its own unit in a cycle', () => {
    const cyclic = files({
      'functions/errors.ts': "import { x } from './http/problem';",
      'functions/http/problem.ts': "import { DomainError } from '../errors';",
    });
    expect(checkImportRules(cyclic).map((v) => [v.rule, v.where])).toEqual([
      ['forbidden', 'functions/errors.ts'],
      ['cycle', 'errors, http'],
    ]);
  });

  it.each([
    ['functions/ → lib/', 'functions/api/x.ts', "import { s } from '../../lib/stack';"],
    ['functions/ → test/', 'functions/jobs/x.ts', "import { h } from '../../test/support/h';"],
    ['lib/ → a domain', 'lib/admin.ts', "import { setTier } from '../functions/identity/accounts';"],
    ['lib/ → the handler toolkit', 'lib/local/gateway.ts', "import { o } from '../../functions/http/origin';"],
    ['a domain → http/', 'functions/identity/authenticate.ts', "import type { P } from '../http/auth';"],
    ['a domain → api/', 'functions/jobs/worker.ts', "import { h } from '../api/jobs';"],
    ['http/ → a domain', 'functions/http/cookies.ts', "import { C } from '../identity/authenticate';"],
    ['contracts/ → another folder', 'functions/contracts/identity.ts', "import { T } from '../platform/tiers';"],
    ['contracts/ → a package other than zod', 'functions/contracts/x.ts', "import { v4 } from 'uuid';"],
    ['platform/ → a domain', 'functions/platform/env.ts', "import { k } from '../crypto/kms';"],
    ['frontend/ → a value import outside frontend/', 'frontend/src/x.ts', "import { routes } from '../../functions/contracts/jobs';"],
    ['frontend/ → types outside contracts/', 'frontend/src/x.ts', "import type { Env } from '../../functions/platform/env';"],
    ['frontend/core/ → the dashboard', 'frontend/core/x.ts', "import { call } from '../src/api/operations';"],
    ['frontend/core/ → contract types', 'frontend/core/x.ts', "import type { R } from '../../functions/contracts/route';"],
    ['frontend/sdk/ → the dashboard', 'frontend/sdk/src/x.ts', "import { ApiError } from '../../src/api/client';"],
    ['frontend/sdk/ → contract types', 'frontend/sdk/src/x.ts', "import type { R } from '../../../functions/contracts/route';"],
    ['the dashboard → the SDK', 'frontend/src/x.ts', "import { createVault } from '../sdk/src/vault';"],
    ['functions/ → a client', 'functions/sync/x.ts', "import { sealRecord } from '../../clients/sync/crypto';"],
    ['functions/ → a client, type only', 'functions/api/x.ts', "import type { SyncApi } from '../../clients/sync/api';"],
    ['lib/ → a client', 'lib/local/x.ts', "import { sealRecord } from '../../clients/sync/crypto';"],
    ['a client → a domain', 'clients/sync/x.ts', "import { putSnapshot } from '../../functions/sync/snapshots';"],
    ['a client → a value of contracts/', 'clients/sync/x.ts', "import { SyncTypeName } from '../../functions/contracts/sync-data';"],
    ['a client → the dashboard', 'clients/sync/x.ts', "import { ApiError } from '../../frontend/src/api/client';"],
    ['a client → the local runtime', 'clients/sync/x.ts', "import { readRuntimeEnv } from '../../lib/local/runtime-env';"],
  ])('reports a planted forbidden import: %s', (_name, path, text) => {
    expect(checkImportRules(files({ [path]: text }))).toEqual([{ rule: 'forbidden', where: path, message: expect.any(String) }]);
  });
});

describe('the repository', () => {
  const sources = SCANNED.reduce((map, dir) => sourcesUnder(join(ROOT, dir), map), new Map<string, string>());

  it('is scanned whole', () => {
    for (const dir of SCANNED) expect([...sources.keys()].some((p) => p.startsWith(`${dir}/`))).toBe(true);
  });

  it('keeps every import rule (no cycle between folders of functions/, no forbidden import)', () => {
    expect(checkImportRules(sources)).toEqual([]);
  });
});
