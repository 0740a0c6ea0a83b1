/**
 * The session-vault example app of the local runtime (lib/local/example-app.ts): registered as
 * an application through the public API the first time, reused on later starts with its origin
 * and redirect URI following the port, and served on its own origin with the built SDK, its
 * config and a CSP that lets it talk to flarevault only. The browser walk is test/e2e/vault-app.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerExampleApp, startExampleApp, type ExampleAppServer } from '../../lib/local/example-app';
import { baseUrl } from '../setup/env';

const dir = mkdtempSync(join(tmpdir(), 'fv-example-'));
const stateFile = join(dir, 'example-app.json');
const servers: ExampleAppServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function developerView(reg: { email: string; password: string; workspaceId: string; applicationId: string }) {
  const login = await fetch(`${baseUrl()}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: reg.email, password: reg.password, client: 'token' }),
  });
  expect(login.status).toBe(200);
  const { token } = (await login.json()) as { token: string };
  const res = await fetch(`${baseUrl()}/api/v1/workspaces/${reg.workspaceId}/applications/${reg.applicationId}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { application: { clientId: string; allowedOrigins: string[]; redirectUris: string[]; enabled: boolean } }).application;
}

test('first start registers the app for its origin; later starts reuse it and follow the port', async () => {
  const first = await startExampleApp({ apiUrl: baseUrl() });
  servers.push(first);
  const reg = await registerExampleApp({ apiUrl: baseUrl(), appUrl: first.url, stateFile });
  expect(reg.clientId).toMatch(/^fv_app_/);
  expect(statSync(stateFile).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual(reg);
  expect(await developerView(reg)).toMatchObject({ clientId: reg.clientId, allowedOrigins: [first.url], redirectUris: [`${first.url}/`], enabled: true });

  const second = await startExampleApp({ apiUrl: baseUrl() });
  servers.push(second);
  const again = await registerExampleApp({ apiUrl: baseUrl(), appUrl: second.url, stateFile });
  expect(again).toEqual(reg);
  expect(await developerView(reg)).toMatchObject({ clientId: reg.clientId, allowedOrigins: [second.url], redirectUris: [`${second.url}/`] });
});

test('a remembered registration that no longer signs in is replaced by a new one', async () => {
  const server = await startExampleApp({ apiUrl: baseUrl() });
  servers.push(server);
  const reg = await registerExampleApp({ apiUrl: baseUrl(), appUrl: server.url, stateFile: join(dir, 'gone.json') });
  const stale = { ...reg, password: 'not-the-password-anymore-123' };
  writeFileSync(join(dir, 'gone.json'), JSON.stringify(stale));
  const fresh = await registerExampleApp({ apiUrl: baseUrl(), appUrl: server.url, stateFile: join(dir, 'gone.json') });
  expect(fresh.clientId).not.toBe(reg.clientId);
  expect(fresh.email).not.toBe(reg.email);
});

test('the app is served on its own origin: page, built SDK, config, CSP; other hosts and paths refused', async () => {
  const app = await startExampleApp({ apiUrl: baseUrl() });
  servers.push(app);
  expect((await fetch(`${app.url}/config.json`)).status).toBe(503);
  app.configure({ apiUrl: baseUrl(), clientId: 'fv_app_example123', redirectUri: `${app.url}/` });
  const config = await fetch(`${app.url}/config.json`);
  expect(await config.json()).toEqual({ apiUrl: baseUrl(), clientId: 'fv_app_example123', redirectUri: `${app.url}/` });
  expect(config.headers.get('cache-control')).toBe('no-store');

  const page = await fetch(`${app.url}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<script type="module" src="./app.js"></script>');
  const csp = page.headers.get('content-security-policy')!;
  expect(csp).toContain(`connect-src 'self' ${baseUrl()}`);
  expect(csp).toContain("script-src 'self'");
  expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  const appJs = await (await fetch(`${app.url}/app.js`)).text();
  expect(appJs).toContain("from './sdk/index.js'");
  const sdk = await fetch(`${app.url}/sdk/index.js`);
  expect(sdk.status).toBe(200); // built by `npm run build` (npm test builds before jest)
  expect(sdk.headers.get('content-type')).toContain('text/javascript');
  expect(await sdk.text()).toContain('export {');

  expect((await fetch(`${app.url}/../package.json`)).status).toBe(404);
  expect((await fetch(`${app.url}/sdk/../../package.json`)).status).toBe(404);
  expect((await fetch(`${app.url}/`, { method: 'POST' })).status).toBe(405);
  const { request } = await import('node:http');
  const status = await new Promise<number>((res, rej) => {
    const req = request(`${app.url}/`, { headers: { host: 'evil.example' } }, (r) => (r.resume(), res(r.statusCode!)));
    req.on('error', rej);
    req.end();
  });
  expect(status).toBe(421);
});
