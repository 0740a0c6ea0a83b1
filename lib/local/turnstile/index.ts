/**
 * The local runtime's Turnstile-compatible endpoint (docs/cloudflare-sandbox.md "Turnstile
 * siteverify"): `POST /turnstile/v0/siteverify` as Cloudflare answers its test keys
 * (./siteverify.ts), and a stand-in widget script `GET /turnstile/v0/api.js` (./widget.ts) since
 * challenges.cloudflare.com is not reachable offline. Loopback only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { siteverify, TEST_SECRET_KEYS, TEST_SITE_KEYS } from './siteverify';
import { API_JS, widgetPage } from './widget';

export { DUMMY_TOKEN, TEST_SECRET_KEYS, TEST_SITE_KEYS, siteverify } from './siteverify';

export interface LocalTurnstile {
  /** `http://127.0.0.1:PORT`: the origin the dashboard's CSP allows when Turnstile is on. */
  readonly origin: string;
  readonly siteverifyUrl: string;
  readonly scriptUrl: string;
  /** Siteverify calls answered so far (tests read it). */
  readonly calls: ReadonlyArray<{ readonly params: Record<string, unknown>; readonly success: boolean; readonly errorCodes: readonly string[] }>;
  close(): Promise<void>;
}

const BODY_LIMIT = 64 * 1024;

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Form or JSON, as siteverify accepts both; undefined when neither parses. */
function decode(contentType: string | undefined, raw: string): Record<string, unknown> | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    try {
      const v = JSON.parse(raw) as unknown;
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(raw));
  return undefined;
}

export async function startLocalTurnstile(options: { port?: number } = {}): Promise<LocalTurnstile> {
  const calls: Array<LocalTurnstile['calls'][number]> = [];
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/turnstile/v0/siteverify') {
      if (req.method !== 'POST') return json(res, 405, { success: false, 'error-codes': ['bad-request'] });
      const raw = await readBody(req);
      const params = raw === undefined ? undefined : decode(req.headers['content-type'], raw);
      const answer = params ? siteverify(params) : { success: false, 'error-codes': ['bad-request'] };
      calls.push({ params: params ?? {}, success: answer.success, errorCodes: answer['error-codes'] });
      return json(res, 200, answer);
    }
    if (req.method === 'GET' && url.pathname === '/turnstile/v0/api.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(API_JS);
    }
    if (req.method === 'GET' && url.pathname === '/turnstile/v0/widget') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(widgetPage(url.searchParams.get('sitekey') ?? '', url.searchParams.get('id') ?? ''));
    }
    json(res, 404, { success: false, 'error-codes': ['bad-request'] });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { success: false, 'error-codes': ['internal-error'] });
    });
  });
  await new Promise<void>((ok, ko) => server.once('error', ko).listen(options.port ?? 0, '127.0.0.1', () => ok()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    siteverifyUrl: `${origin}/turnstile/v0/siteverify`,
    scriptUrl: `${origin}/turnstile/v0/api.js`,
    calls,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** The handler env that turns Turnstile on against this endpoint, with Cloudflare's test keys for `mode`. */
export function localTurnstileEnv(t: Pick<LocalTurnstile, 'siteverifyUrl' | 'scriptUrl'>, mode: TurnstileMode): Record<string, string> {
  return {
    // The passing site key in every mode: the widget hands over the dummy token and siteverify decides (the real check).
    TURNSTILE_SITE_KEY: TEST_SITE_KEYS.pass,
    TURNSTILE_SECRET_KEY: TEST_SECRET_KEYS[mode],
    TURNSTILE_SITEVERIFY_URL: t.siteverifyUrl,
    TURNSTILE_SCRIPT_URL: t.scriptUrl,
  };
}

/** `pass`, `fail`, `spent`: which of Cloudflare's test secrets the local stage verifies with. */
export type TurnstileMode = 'pass' | 'fail' | 'spent';
export const TURNSTILE_MODES: readonly TurnstileMode[] = ['pass', 'fail', 'spent'];
