/**
 * Issue 18's Done-when: the `flarevault` CLI as shipped (the esbuild bundle of `npm run build:cli`)
 * run as a child process against the local stack, its config dir a temp dir.
 *
 * One user's story, in order: login by device authorization (the user code read from the CLI's
 * stderr, approved over HTTP with a session; credentials.json 0600 in a 0700 dir) → export a sandbox
 * zone to YAML → plan it (0 changes, exit 0) → edit the file (add, change, remove) → plan with
 * `--prune --detailed-exitcode` (exit 2, the diff shown) → apply with progress to done (the sandbox
 * changed) → re-plan (0 changes) → revert (the zone back to the exported state: plan 0). Then: every
 * command's `--json` parses, a bad file gives file:line:col and sends nothing (and the API's field
 * errors land on the file too), `jobs plan` of a request file, a prune past the safety threshold
 * exits 3 (and applies with --force), batches Cloudflare refuses end the job failed (exit 4), the
 * two-person rule stops apply with who approves, a refused credential says "run flarevault login",
 * and logout deletes the key (then 401) and the file.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isMap, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { sandboxAdmin } from '../support/cli-account';
import { deviceAuthorizationPath } from '../support/device-authorization';
import { call, signUpWithToken } from '../support/http';

jest.setTimeout(240_000);

const ROOT = resolve(__dirname, '..', '..');
const BUNDLE = join(ROOT, 'dist', 'cli', 'flarevault.cjs');
const ACCOUNTS = '/api/v1/cloudflare/accounts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the flarevault CLI against the local stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-it-'));
  const configDir = join(dir, 'config');
  /** The child's environment: the stack's URL, this test's config dir, no API key, no colour (not a TTY anyway). */
  const baseEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, FLAREVAULT_CONFIG_DIR: configDir, NO_COLOR: '1' };
    delete env.FLAREVAULT_API_KEY;
    return env;
  };
  const start = (args: string[], env = baseEnv()) => spawn(process.execPath, [BUNDLE, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const finished = (child: ReturnType<typeof start>): Promise<Run> =>
    new Promise((res, rej) => {
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      child.on('error', rej);
      child.on('close', (code) => res({ code, stdout, stderr }));
    });
  const cli = (args: string[], env?: NodeJS.ProcessEnv) => finished(start(args, env));
  const json = (r: Run) => JSON.parse(r.stdout) as Record<string, any>;
  const jobIdIn = (text: string) => /\(job ([\w-]+)\)/.exec(text)?.[1];

  let user: Awaited<ReturnType<typeof signUpWithToken>>;
  let accountId: string;
  let zone: { id: string; name: string };
  const zonesFile = join(dir, 'zones.yaml');
  const exported = join(dir, 'exported.yaml');

  beforeAll(async () => {
    execFileSync('npm', ['run', '--silent', 'build:cli'], { cwd: ROOT, stdio: 'inherit' });
    user = await signUpWithToken();
    const created = await call('POST', ACCOUNTS, { token: user.token, body: { name: 'CLI demo', sandbox: true } });
    if (created.status !== 201) throw new Error(`sandbox account: ${created.status} ${created.text}`);
    accountId = created.body.account.id;
    const zones = await call('GET', `${ACCOUNTS}/${accountId}/zones`, { token: user.token });
    zone = zones.body.zones[0];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const records = async (name: string) => {
    const r = await call('GET', `${ACCOUNTS}/${accountId}/zones/${zone.id}/dns-records?name=${encodeURIComponent(name)}&perPage=50`, { token: user.token });
    expect(r.status).toBe(200);
    return r.body.records as { name: string; type: string; content: string; ttl: number }[];
  };

  /** `flarevault login` as a child process, its user code read from stderr and approved over HTTP with the session. */
  async function loginApproved(name: string): Promise<Run> {
    const child = start(['login', '--no-browser', '--url', process.env.FLAREVAULT_URL!, '--name', name]);
    const done = finished(child);
    const userCode = await new Promise<string>((res, rej) => {
      let seen = '';
      const timer = setTimeout(() => rej(new Error(`no user code on stderr: ${seen}`)), 20_000);
      child.stderr!.on('data', (c: Buffer) => {
        seen += c.toString('utf8');
        const m = /enter the code ([A-Z]{4}-[A-Z]{4})/.exec(seen);
        if (m) {
          clearTimeout(timer);
          res(m[1]!);
        }
      });
    });
    const view = await call('GET', deviceAuthorizationPath(userCode), { token: user.token });
    expect(view.body).toMatchObject({ deviceName: `flarevault CLI on ${name}`, platform: 'cli', scopes: ['account:read', 'cloudflare:read', 'cloudflare:write', 'jobs:read', 'jobs:write'] });
    expect((await call('POST', deviceAuthorizationPath(userCode, '/approve'), { token: user.token })).status).toBe(204);
    return done;
  }

  it('logs in by device authorization approved over HTTP; credentials.json is 0600 in a 0700 dir', async () => {
    const r = await loginApproved('ci-runner');
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(/^Logged in to http/);

    const path = join(configDir, 'credentials.json');
    expect(statSync(configDir).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(path, 'utf8'));
    expect(stored).toMatchObject({ url: process.env.FLAREVAULT_URL, token: expect.stringMatching(/^fv_key_/), workspaceId: user.userId });
    const ws = await cli(['workspaces', '--json']);
    expect(ws.code).toBe(0);
    expect(json(ws).workspaces).toEqual([expect.objectContaining({ id: user.userId, active: true })]);
  });

  it('exports a zone to YAML that plans to 0 changes (exit 0)', async () => {
    const ex = await cli(['dns', 'export', zone.name, '-o', exported]);
    expect(ex.code).toBe(0);
    expect(ex.stdout).toContain(`Wrote ${exported}`);
    const doc = parseDocument(readFileSync(exported, 'utf8'));
    expect(doc.errors).toEqual([]);
    expect(doc.getIn(['account'])).toBe(accountId);
    expect((doc.getIn(['zones', zone.name, 'records']) as YAMLSeq).items.length).toBeGreaterThan(100);

    const plan = await cli(['dns', 'plan', exported, '--detailed-exitcode']);
    expect(plan.stderr).toMatch(/^planning…\n/); // off a TTY: plain progress lines on stderr
    expect(plan).toMatchObject({ code: 0 });
    expect(plan.stdout).toMatch(/^Plan: no changes\.\nJob \S+ \(planned\)\n$/);
  });

  let applied: string;

  it('plans an edit with --prune --detailed-exitcode (exit 2, the diff), applies it with progress to done, re-plans to 0', async () => {
    const doc = parseDocument(readFileSync(exported, 'utf8'));
    const list = doc.getIn(['zones', zone.name, 'records']) as YAMLSeq<YAMLMap>;
    const byName = (n: string, type: string) => list.items.findIndex((m) => isMap(m) && m.get('name') === n && m.get('type') === type);
    const a = list.items.find((m) => m.get('type') === 'A' && m.get('proxied') === false && m.get('name') !== '@')!;
    const changedName = String(a.get('name'));
    const oldContent = String(a.get('content'));
    a.set('content', '203.0.113.77');
    const txt = list.items.find((m) => m.get('type') === 'TXT' && String(m.get('name')).startsWith('host-'))!;
    const removedName = String(txt.get('name'));
    list.items.splice(byName(removedName, 'TXT'), 1);
    list.items.push(doc.createNode({ name: 'cli-added', type: 'CNAME', content: 'target.example.net', ttl: 300, comment: 'from the CLI test' }) as YAMLMap);
    expect(isSeq(list)).toBe(true);
    writeFileSync(zonesFile, doc.toString({ lineWidth: 0 }));

    const plan = await cli(['dns', 'plan', zonesFile, '--prune', '--detailed-exitcode']);
    expect(plan.code).toBe(2);
    const lines = plan.stdout.split('\n');
    expect(lines[0]).toBe(`${zone.name}  (1 to create, 1 to update, 1 to delete)`);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  \\+ cli-added +CNAME target\\.example\\.net \\(ttl 300, comment "from the CLI test"\\)$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  ~ ${changedName} +A +content: ${oldContent.replace(/\./g, '\\.')} → 203\\.0\\.113\\.77$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  - ${removedName} +TXT `)));
    expect(plan.stdout).toContain('Plan: 1 to create, 1 to update, 1 to delete.');
    // Without --prune the removal is shown, skipped, and nothing would delete it.
    const kept = await cli(['dns', 'plan', zonesFile]);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toMatch(new RegExp(`· ${removedName} +TXT .* — skipped: not in the file`));

    const apply = await cli(['dns', 'apply', zonesFile, '--prune', '--yes']);
    expect(apply.code).toBe(0);
    expect(apply.stderr).toMatch(/^checking: /m);
    expect(apply.stderr).toMatch(/^applying: 3\/3 \(100%\) [\d.]+\/s ETA 0s$/m);
    expect(apply.stdout).toMatch(/^done: 3 done, 0 failed, 0 cancelled, 0 skipped/m);
    applied = jobIdIn(apply.stdout)!;
    expect(applied).toBeDefined();
    expect((await records(`cli-added.${zone.name}`)).map((r) => [r.type, r.content, r.ttl])).toEqual([['CNAME', 'target.example.net', 300]]);
    expect((await records(`${changedName}.${zone.name}`)).map((r) => r.content)).toContain('203.0.113.77');
    expect((await records(`${removedName}.${zone.name}`)).filter((r) => r.type === 'TXT')).toEqual([]);

    const again = await cli(['dns', 'plan', zonesFile, '--prune', '--detailed-exitcode']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Plan: no changes.');
  });

  it('reverts the apply: the zone is back to the exported state (plan of the export: 0 changes)', async () => {
    const shown = await cli(['jobs', 'show', applied, '--json']);
    expect(json(shown)).toMatchObject({ job: { id: applied, status: 'done' }, counts: { create: 1, update: 1, delete: 1, done: 3 } });
    const revert = await cli(['jobs', 'revert', applied, '--apply', '--yes']);
    expect(revert.code).toBe(0);
    expect(revert.stdout).toMatch(/^ {2}- cli-added +CNAME/m);
    expect(revert.stdout).toMatch(/^done: 3 done/m);
    expect(await records(`cli-added.${zone.name}`)).toEqual([]);
    const plan = await cli(['dns', 'plan', exported, '--prune', '--detailed-exitcode']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Plan: no changes.');
  });

  it('--json parses on every command, results and errors alike', async () => {
    const accounts = json(await cli(['accounts', '--json']));
    expect(accounts.accounts).toEqual([expect.objectContaining({ id: accountId, sandbox: true })]);
    const zones = json(await cli(['zones', '--json', '--search', zone.name]));
    expect(zones.zones.map((z: { id: string }) => z.id)).toEqual([zone.id]);
    const plan = json(await cli(['dns', 'plan', zonesFile, '--prune', '--json']));
    expect(plan).toMatchObject({ job: { kind: 'dns-sync', status: 'planned' }, changes: 3, counts: { create: 1, update: 1, delete: 1 } });
    expect(plan.items).toHaveLength(3);
    const list = json(await cli(['jobs', 'list', '--json', '--limit', '3']));
    expect(list.jobs[0].id).toBe(plan.job.id);
    const cancelled = json(await cli(['jobs', 'cancel', plan.job.id, '--json']));
    expect(cancelled.job.status).toBe('cancelled');
    const watched = await cli(['jobs', 'watch', plan.job.id, '--json']);
    expect(watched.code).toBe(1); // a cancelled job is not "done"
    expect(json(watched).job.status).toBe('cancelled');
    const bind = await cli(['dns', 'export', zone.name, '--format', 'bind', '--json']);
    expect(json(bind)).toMatchObject({ format: 'bind', zones: [{ zone: zone.name, zoneId: zone.id }] });
    expect(json(bind).content).toMatch(new RegExp(`^${zone.name.replace(/\./g, '\\.')}\\.\\s.*\\sIN\\s+SOA\\s`, 'm'));
    const missing = await cli(['jobs', 'show', 'j0000000000000000000000', '--json']);
    expect(missing.code).toBe(1);
    expect(json(missing)).toMatchObject({ exitCode: 1, status: 404 });
  });

  it('a bad file gives file:line:col for every problem and sends nothing (exit 1)', async () => {
    const before = json(await cli(['jobs', 'list', '--json', '--limit', '1'])).jobs[0].id;
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `zones:\n  ${zone.name}:\n    records:\n      - { name: www, type: A, content: 192.0.2.1, ttl: 5 }\n      - { name: mx, type: MX, content: mail.example.net }\n  "not a zone":\n    records: []\n`);
    const r = await cli(['dns', 'plan', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      `${bad}:4:56: zones.${zone.name}.records.0.ttl: must be 1 (auto) or 60..86400`,
      `${bad}:5:9: zones.${zone.name}.records.1.priority: an MX record needs a priority`,
      `${bad}:6:3: zones.not a zone: must be a zone name, e.g. example.com`,
    ]);
    // A record outside the managed names is refused by the API (400): its field path lands on the file too.
    const outside = join(dir, 'outside.yaml');
    writeFileSync(outside, `zones:\n  ${zone.name}:\n    manage: { include: ["app*"] }\n    records:\n      - { name: www, type: A, content: 192.0.2.1 }\n`);
    const o = await cli(['dns', 'plan', outside]);
    expect(o.code).toBe(1);
    expect(o.stderr).toBe(`${outside}:5:17: zones.${zone.name}.records.0.name: www is outside the names this zone manages (manage.include / manage.exclude)\n`);
    expect(json(await cli(['jobs', 'list', '--json', '--limit', '1'])).jobs[0].id).toBe(before);
    // A zone the account does not have fails the plan (plan-failed, invalid-selection): the zone's line.
    const unknown = join(dir, 'unknown.yaml');
    writeFileSync(unknown, `zones:\n  ${zone.name}:\n    records: []\n  not-ours.example:\n    records: []\n`);
    const u = await cli(['dns', 'plan', unknown, '--no-progress']);
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(new RegExp(`^${unknown.replace(/\./g, '\\.')}:4:3: zones\\.not-ours\\.example: .*not found`, 'm'));
  });

  it('jobs plan takes any job request file (checked against CreateJobBody with positions); two zones export into one file that plans to 0', async () => {
    const request = join(dir, 'request.yaml');
    writeFileSync(request, `kind: dns-create\naccountId: ${accountId}\nzones: [${zone.id}]\nparams:\n  records:\n    - { type: TXT, name: cli-request, content: from a request file, ttl: 300, proxied: false }\n`);
    const planned = await cli(['jobs', 'plan', request]);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toMatch(/^ {2}\+ cli-request TXT +from a request file \(ttl 300\)$/m);
    expect((await cli(['jobs', 'cancel', /^Job (\S+) \(planned\)$/m.exec(planned.stdout)![1]!])).code).toBe(0);
    writeFileSync(request, `kind: dns-create\naccountId: ${accountId}\nzones: [${zone.id}]\nparams:\n  records:\n    - { type: TXT, name: cli-request, content: x, ttl: 7 }\n`);
    const bad = await cli(['jobs', 'plan', request]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`^${request.replace(/\./g, '\\.')}:6:\\d+: params\\.records\\.0\\.ttl: `, 'm'));

    const zones = await call('GET', `${ACCOUNTS}/${accountId}/zones`, { token: user.token });
    const second = zones.body.zones[1] as { id: string; name: string };
    const both = join(dir, 'both.yaml');
    expect((await cli(['dns', 'export', zone.name, second.id, '-o', both])).code).toBe(0);
    const doc = parseDocument(readFileSync(both, 'utf8'));
    expect(Object.keys(doc.toJS().zones)).toEqual([zone.name, second.name]);
    const plan = await cli(['dns', 'plan', both, '--prune', '--detailed-exitcode', '--json']);
    expect(plan.code).toBe(0);
    expect(json(plan)).toMatchObject({ changes: 0, job: { plan: { zonesTotal: 2 } } });
  });

  it('a prune past the safety threshold exits 3 naming the zone; --force applies it', async () => {
    const doc = parseDocument(readFileSync(exported, 'utf8'));
    const list = doc.getIn(['zones', zone.name, 'records']) as YAMLSeq;
    list.items.splice(20); // keep 20 records: deleting the rest touches most of the zone
    const few = join(dir, 'few.yaml');
    writeFileSync(few, doc.toString({ lineWidth: 0 }));
    const r = await cli(['dns', 'apply', few, '--prune', '--yes', '--json', '--no-progress']);
    expect(r.code).toBe(3);
    const err = json(r);
    expect(err).toMatchObject({ exitCode: 3, slug: 'safety-threshold', threshold: 0.3, zones: [{ zoneId: zone.id, zoneName: zone.name }] });
    expect(err.zones[0].share).toBeGreaterThan(0.3);
    const shown = await cli(['jobs', 'show', err.job]);
    expect(shown.stdout).toMatch(new RegExp(`^! Over the safety threshold \\(30% of a zone's records updated or deleted\\): ${zone.name.replace(/\./g, '\\.')} [\\d.]+%; apply needs --force\\.$`, 'm'));
    const human = await cli(['jobs', 'apply', err.job, '--yes']);
    expect(human.code).toBe(3);
    expect(human.stderr).toMatch(new RegExp(`${zone.name.replace(/\./g, '\\.')}: \\d+(\\.\\d)?% of its records\\nRun again with --force`));
    const forced = await cli(['jobs', 'apply', err.job, '--yes', '--force', '--no-progress']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/^done: \d+ done, 0 failed/m);
    // Put the zone back for anyone after us.
    expect((await cli(['jobs', 'revert', err.job, '--apply', '--yes', '--force', '--no-progress'])).code).toBe(0);
  });

  it('a job whose batches Cloudflare refuses ends failed: exit 4, each failed change listed with the reason', async () => {
    // Faults of the stack's sandbox, scoped to this zone's batch endpoint (other suites are not touched).
    await sandboxAdmin('PUT', 'faults', { serverError: 1, serverErrorStatuses: [400], pathPrefixes: [`/zones/${zone.id}/dns_records/batch`], methods: ['POST'] });
    try {
      const r = await cli(['dns', 'apply', zonesFile, '--prune', '--yes', '--no-progress']);
      expect(r.code).toBe(4);
      expect(r.stdout).toMatch(/^failed: 0 done, 3 failed, 0 cancelled, 0 skipped \(job \S+\)$/m);
      expect(r.stdout).toMatch(new RegExp(`^  ✗ ${zone.name.replace(/\./g, '\\.')} cli-added CNAME: .*400`, 'm'));
      expect(r.stdout.match(/^ {2}✗ /gm)).toHaveLength(3);
    } finally {
      await sandboxAdmin('DELETE', 'faults');
    }
    expect(await records(`cli-added.${zone.name}`)).toEqual([]);
  });

  it('under the two-person rule apply stops (exit 1) saying who approves; once allowed, jobs apply <id> finishes it', async () => {
    const rule = (on: boolean) => call('PATCH', `/api/v1/workspaces/${user.userId}/settings`, { token: user.token, body: { twoPersonRule: on } });
    expect((await rule(true)).status).toBe(200);
    const r = await cli(['dns', 'apply', zonesFile, '--prune', '--yes', '--no-progress']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/two-person rule is on: an ADMIN\/OWNER other than you approves job (\S+) in the dashboard, then run `flarevault jobs apply \1`/);
    const id = /approves job (\S+) in/.exec(r.stderr)![1]!;
    expect((await rule(false)).status).toBe(200);
    const applied = await cli(['jobs', 'apply', id, '--yes', '--no-progress']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/^done: 3 done/m);
    expect((await cli(['jobs', 'revert', id, '--apply', '--yes', '--no-progress'])).code).toBe(0);
  });

  it('a refused credential says to run flarevault login (exit 1); a new login deletes the key it replaces; logout deletes the key (then 401) and the file', async () => {
    const refused = await cli(['accounts'], { ...baseEnv(), FLAREVAULT_API_KEY: 'fv_key_not-a-real-key', FLAREVAULT_URL: process.env.FLAREVAULT_URL });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/run `flarevault login`/);

    const path = join(configDir, 'credentials.json');
    // Logging in again replaces the stored key and deletes the one it replaces (a key slot each).
    const { token: first, apiKeyId: firstId } = JSON.parse(readFileSync(path, 'utf8'));
    const again = await loginApproved('ci-runner-2');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`(the previous login's key ${firstId} is deleted)`);
    expect((await call('GET', '/api/v1/workspaces', { token: first })).status).toBe(401);
    const { token } = JSON.parse(readFileSync(path, 'utf8'));
    expect((await call('GET', '/api/v1/workspaces', { token })).status).toBe(200);
    const out = await cli(['logout', '--json']);
    expect(out.code).toBe(0);
    expect(json(out)).toMatchObject({ loggedOut: true, revoked: true });
    expect(existsSync(path)).toBe(false);
    expect((await call('GET', '/api/v1/workspaces', { token })).status).toBe(401);
    const after = await cli(['workspaces']);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/Not logged in: run `flarevault login`/);
  });
});
