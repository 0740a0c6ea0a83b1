/**
 * The example application of the session vault, served by the local runtime on an origin of its
 * own (`npm start`: the gateway port + 1): a static page (frontend/example/) that signs in through
 * the hosted login and keeps a note in the vault with @flarevault/sdk (frontend/sdk/dist, built by
 * `npm run build`). `/config.json` tells the page where flarevault is and which application it is.
 *
 * `registerExampleApp` makes it a registered application the first time (a local "example
 * developer" account, its personal workspace, the application with this origin and redirect
 * URI) through the public API, the calls a developer makes in the dashboard, and keeps what it
 * made in `<dataDir>/example-app.json` (0600) so later starts reuse it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createApplication, getApplication, updateApplication } from '../../functions/contracts/applications';
import { listOutbox, login, signup } from '../../functions/contracts/identity';
import { verifyEmail } from '../../functions/contracts/email-auth';
import type { RouteDef } from '../../functions/contracts/route';

const ROOT = resolve(__dirname, '..', '..');
export const EXAMPLE_APP_DIR = join(ROOT, 'frontend', 'example');
export const SDK_DIST_DIR = join(ROOT, 'frontend', 'sdk', 'dist');

export interface ExampleAppConfig {
  /** flarevault's origin (the gateway). */
  apiUrl: string;
  clientId: string;
  redirectUri: string;
}

export interface ExampleAppServer {
  readonly url: string;
  readonly port: number;
  /** What `/config.json` answers (until set: 503). */
  configure(config: ExampleAppConfig): void;
  stop(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

/** Path → file: the page's own files, and the built SDK under /sdk/. */
function fileFor(path: string): string | undefined {
  if (path === '/' || path === '/index.html') return join(EXAMPLE_APP_DIR, 'index.html');
  const m = /^\/(app\.js|app\.css)$/.exec(path);
  if (m) return join(EXAMPLE_APP_DIR, m[1]!);
  const sdk = /^\/sdk\/(index\.js(?:\.map)?)$/.exec(path);
  if (sdk) return join(SDK_DIST_DIR, sdk[1]!);
  return undefined;
}

/** The page may talk to itself and to flarevault only; the code in the address bar never leaves as a Referer. */
function securityHeaders(apiUrl: string): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      `connect-src 'self' ${new URL(apiUrl).origin}`,
      "img-src 'self' data:",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ].join('; '),
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  };
}

export async function startExampleApp(options: { port?: number; host?: string; apiUrl: string }): Promise<ExampleAppServer> {
  let config: ExampleAppConfig | undefined;
  const headers = securityHeaders(options.apiUrl);
  let allowedHost = '';
  const send = (res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...headers, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra });
    res.end(body);
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    // DNS rebinding, and one origin only: the application is registered for 127.0.0.1:<port>.
    if ((req.headers.host ?? '').toLowerCase() !== allowedHost) return send(res, 421, `This example app answers only at http://${allowedHost}/\n`, 'text/plain; charset=utf-8');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method Not Allowed\n', 'text/plain; charset=utf-8', { allow: 'GET, HEAD' });
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/config.json') {
      if (!config) return send(res, 503, '{"message":"the example app is not registered yet"}', 'application/json', { 'cache-control': 'no-store' });
      return send(res, 200, JSON.stringify(config), 'application/json', { 'cache-control': 'no-store' });
    }
    const file = fileFor(path);
    if (!file || !existsSync(file)) {
      const hint = file?.startsWith(SDK_DIST_DIR) ? ' (the SDK is not built: npm run build)' : '';
      return send(res, 404, `Not Found${hint}\n`, 'text/plain; charset=utf-8');
    }
    send(res, 200, req.method === 'HEAD' ? '' : readFileSync(file), MIME[extname(file)] ?? 'application/octet-stream', { 'cache-control': 'no-cache' });
  };
  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      if (!res.headersSent) send(res, 500, `Internal Server Error: ${(err as Error).message}\n`, 'text/plain; charset=utf-8');
    }
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', rej);
      res();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowedHost = `${host}:${port}`;
  return {
    url: `http://${host}:${port}`,
    port,
    configure: (c) => {
      config = c;
    },
    stop: () =>
      new Promise<void>((res) => {
        server.close(() => res());
        server.closeAllConnections();
      }),
  };
}

/** What `registerExampleApp` keeps in the data dir. */
export interface ExampleAppRegistration {
  email: string;
  password: string;
  workspaceId: string;
  applicationId: string;
  clientId: string;
}

async function api<T>(apiUrl: string, route: RouteDef, init: { params?: Record<string, string>; body?: unknown; token?: string }): Promise<T> {
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(init.params?.[name] ?? ''));
  const res = await fetch(apiUrl + path, {
    method: route.method,
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  if (!res.ok) throw Object.assign(new Error(`${route.operationId} answered ${res.status}: ${text.slice(0, 300)}`), { status: res.status });
  return (text ? JSON.parse(text) : undefined) as T;
}

interface SignedIn {
  user: { id: string };
  token: string;
}
interface AppBody {
  application: { id: string; clientId: string; allowedOrigins: string[]; redirectUris: string[]; enabled: boolean };
}

/**
 * Registers the example app once (or again when what the data dir remembers is gone), and on
 * every start points its origin and redirect URI at `appUrl` (the port may have changed).
 */
/** `turnstileToken`: sent with the sign-up when the local stage turns Turnstile on (the widget's dummy token). */
export async function registerExampleApp(options: { apiUrl: string; appUrl: string; stateFile: string; turnstileToken?: string }): Promise<ExampleAppRegistration> {
  const { apiUrl, stateFile } = options;
  const origin = new URL(options.appUrl).origin;
  const wanted = { allowedOrigins: [origin], redirectUris: [`${origin}/`] };
  let saved: ExampleAppRegistration | undefined;
  try {
    saved = JSON.parse(readFileSync(stateFile, 'utf8')) as ExampleAppRegistration;
  } catch {
    saved = undefined;
  }
  if (saved) {
    try {
      const { token } = await api<SignedIn>(apiUrl, login, { body: { email: saved.email, password: saved.password, client: 'token' } });
      const params = { workspaceId: saved.workspaceId, applicationId: saved.applicationId };
      const { application } = await api<AppBody>(apiUrl, getApplication, { params, token });
      const same = JSON.stringify([application.allowedOrigins, application.redirectUris]) === JSON.stringify([wanted.allowedOrigins, wanted.redirectUris]);
      if (!same || !application.enabled) await api<AppBody>(apiUrl, updateApplication, { params, token, body: { ...wanted, enabled: true } });
      return saved;
    } catch (err) {
      // The account or the application is gone (a wiped database, a deleted app): register anew.
      if ((err as { status?: number }).status === undefined) throw err;
    }
  }
  const email = `example-developer-${randomBytes(3).toString('hex')}@flarevault.localhost`;
  const password = `example-${randomBytes(12).toString('base64url')}`;
  const { user, token } = await api<SignedIn>(apiUrl, signup, { body: { email, password, client: 'token', ...(options.turnstileToken ? { turnstileToken: options.turnstileToken } : {}) } });
  await verifyFromOutbox(apiUrl, token);
  // Signing up makes a personal workspace with the user's id.
  const { application } = await api<AppBody>(apiUrl, createApplication, {
    params: { workspaceId: user.id },
    token,
    body: { name: 'Example app', ...wanted },
  });
  const registration: ExampleAppRegistration = { email, password, workspaceId: user.id, applicationId: application.id, clientId: application.clientId };
  writeFileSync(stateFile, JSON.stringify(registration, null, 2), { mode: 0o600 });
  return registration;
}

/**
 * Registering an application needs a verified email: the developer opens the sign-up's verification
 * link, here read from the local outbox (its route shows the signed-in user their own mail).
 */
async function verifyFromOutbox(apiUrl: string, token: string): Promise<void> {
  const { messages } = await api<{ messages: Array<{ text: string }> }>(apiUrl, listOutbox, { token });
  const link = messages.map((m) => /Verification token: (\S+)/.exec(m.text)?.[1]).find(Boolean);
  if (!link) throw new Error('example app: the sign-up mailed no verification link');
  await api(apiUrl, verifyEmail, { body: { token: link } });
}
