/**
 * `flarevault login` / `logout` (clients/cli/login.ts) against a scripted server: the init asks for
 * the CLI's scopes with platform `cli`; the code reaches stderr (also with --json); the browser is
 * opened only with a display and without --no-browser; pending and slow_down polls are waited out;
 * the key is stored; a new login deletes the key it replaces; logout deletes the key, then the file,
 * and forgets a key the server already refuses.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Context } from '../../clients/cli/context';
import { readStored } from '../../clients/cli/credentials';
import { CLI_SCOPES, login, logout } from '../../clients/cli/login';
import { Terminal } from '../../clients/cli/terminal';

const URL_ = 'http://fv.test';

interface Sent {
  method: string;
  path: string;
  auth: string | null;
  body: any;
}

/** A server: POST /sync/init, POST /sync/token (the scripted answers in turn), DELETE /api-keys/current. */
function server(tokenAnswers: Array<[number, object]>, revoke: (auth: string | null) => number = () => 204) {
  const sent: Sent[] = [];
  const json = (status: number, body: object) => new Response(JSON.stringify(body), { status, headers: { 'content-type': status < 300 ? 'application/json' : 'application/problem+json' } });
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    const u = new URL(String(url));
    const auth = new Headers(init?.headers).get('authorization');
    sent.push({ method: init?.method ?? 'GET', path: u.pathname, auth, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    if (u.pathname === '/api/v1/sync/init') {
      return json(200, { device_code: 'dc', user_code: 'BCDF-GHJK', verification_uri: `${URL_}/sync/authorize`, verification_uri_complete: `${URL_}/sync/authorize?code=BCDF-GHJK`, interval: 5, expires_in: 300 });
    }
    if (u.pathname === '/api/v1/sync/token') {
      const [status, body] = tokenAnswers.shift()!;
      return json(status, body);
    }
    if (u.pathname === '/api/v1/api-keys/current') {
      const status = revoke(auth);
      return status === 204 ? new Response(null, { status }) : json(status, { type: 'https://flarevault.dev/problems/unauthorized', title: 'Unauthorized', status, detail: 'invalid credential' });
    }
    return json(404, { type: 'not-found', title: 'Not Found', status: 404, detail: u.pathname });
  }) as typeof fetch;
  return { sent, fetchImpl };
}

const pending = (error: string, extra: object = {}): [number, object] => [400, { type: `https://flarevault.dev/problems/${error}`, title: 'Bad Request', status: 400, detail: error, error, ...extra }];
const issued = (n: number): [number, object] => [200, { access_token: `fv_key_${n}`, token_type: 'Bearer', expires_in: 90 * 86400, scope: CLI_SCOPES.join(' '), api_key_id: `key${n}`, workspace_id: 'ws1' }];

function setup(json = false, env: Record<string, string> = {}) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  const dir = mkdtempSync(join(tmpdir(), 'cli-login-'));
  const fullEnv = { FLAREVAULT_CONFIG_DIR: join(dir, 'cfg'), ...env };
  const term = new Terminal({ json }, out as unknown as NodeJS.WriteStream, err as unknown as NodeJS.WriteStream, new PassThrough() as unknown as NodeJS.ReadStream, fullEnv);
  return { env: fullEnv, term, text: () => ({ stdout, stderr }) };
}

describe('flarevault login', () => {
  it('asks for the CLI scopes, shows the code, waits out pending and slow_down, stores the key', async () => {
    const s = setup(false, { DISPLAY: ':0' });
    const srv = server([pending('authorization_pending'), pending('slow_down'), issued(1)]);
    const waits: number[] = [];
    const opened: string[] = [];
    await login(new Context({}, s.env, srv.fetchImpl, s.term), { url: URL_, name: 'laptop' }, { sleep: async (ms) => void waits.push(ms), openUrl: (u) => opened.push(u), platform: 'linux' });
    expect(srv.sent[0]).toMatchObject({ method: 'POST', path: '/api/v1/sync/init', body: { deviceName: 'flarevault CLI on laptop', platform: 'cli', scopes: [...CLI_SCOPES] } });
    expect(srv.sent.filter((r) => r.path === '/api/v1/sync/token').map((r) => r.body)).toEqual(Array(3).fill({ device_code: 'dc', grant_type: 'urn:ietf:params:oauth:grant-type:device_code' }));
    expect(waits).toEqual([5000, 5000, 10_000]); // slow_down: +5 s for this and every later poll (RFC 8628 §3.5)
    expect(opened).toEqual([`${URL_}/sync/authorize?code=BCDF-GHJK`]);
    expect(s.text().stderr).toContain('enter the code BCDF-GHJK');
    expect(readStored(s.env)).toMatchObject({ url: URL_, token: 'fv_key_1', apiKeyId: 'key1', workspaceId: 'ws1', scopes: [...CLI_SCOPES] });
    expect(s.text().stdout).toMatch(/^Logged in to http:\/\/fv\.test \(workspace ws1; API key key1, expires in 90 days\)\./);
  });

  it('opens no browser without a display or with --no-browser; with --json the code still reaches stderr', async () => {
    const opened: string[] = [];
    const headless = setup(true);
    await login(new Context({ json: true }, headless.env, server([issued(1)]).fetchImpl, headless.term), { url: URL_ }, { sleep: async () => undefined, openUrl: (u) => opened.push(u), platform: 'linux' });
    expect(JSON.parse(headless.text().stderr)).toMatchObject({ step: 'authorize', user_code: 'BCDF-GHJK' });
    expect(JSON.parse(headless.text().stdout)).toMatchObject({ apiKeyId: 'key1', workspaceId: 'ws1', replacedApiKeyId: null });
    expect(JSON.parse(headless.text().stdout).token).toBeUndefined(); // the secret stays in the 0600 file
    const noBrowser = setup(false, { DISPLAY: ':0' });
    await login(new Context({}, noBrowser.env, server([issued(1)]).fetchImpl, noBrowser.term), { url: URL_, browser: false }, { sleep: async () => undefined, openUrl: (u) => opened.push(u) });
    expect(opened).toEqual([]);
  });

  it('a new login deletes the key it replaces; logout deletes the key then the file, and forgets one already refused', async () => {
    const s = setup();
    const deleted: Array<string | null> = [];
    const srv = server([issued(1), issued(2)], (auth) => (deleted.push(auth), 204));
    const ctx = new Context({}, s.env, srv.fetchImpl, s.term);
    const quick = { sleep: async () => undefined, openUrl: () => undefined };
    await login(ctx, { url: URL_ }, quick);
    await login(ctx, { url: URL_ }, quick);
    expect(deleted).toEqual(['Bearer fv_key_1']);
    expect(s.text().stdout).toContain("(the previous login's key key1 is deleted)");
    await logout(ctx);
    expect(deleted).toEqual(['Bearer fv_key_1', 'Bearer fv_key_2']);
    expect(readStored(s.env)).toBeUndefined();

    const gone = setup();
    const refused = server([issued(3)], () => 401);
    const ctx2 = new Context({}, gone.env, refused.fetchImpl, gone.term);
    await login(ctx2, { url: URL_ }, quick);
    await logout(ctx2);
    expect(readStored(gone.env)).toBeUndefined();
    expect(gone.text().stdout).toMatch(/Logged out: the key was already invalid/);
  });
});
