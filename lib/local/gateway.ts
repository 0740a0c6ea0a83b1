/**
 * CloudFront + API Gateway HTTP API, locally, on one node:http server:
 *
 * - `/api/*`: matched against the manifest routes, turned into a real HTTP API
 *   payload v2.0 event (with the `x-origin-verify` header CloudFront adds),
 *   handed to the route's Lambda handler, and its v2 result written back.
 *   No matching route → 404 `{"message":"Not Found"}` like API Gateway.
 * - everything else: the built SPA from `frontend/dist`; paths without a file
 *   extension are SPA routes (index.html), as lib/edge.ts's CloudFront function
 *   does; a placeholder page when nothing is built.
 * - every response carries the security headers of the CloudFront
 *   response-headers policy.
 * - a request whose `Host` is not 127.0.0.1 or localhost on this port gets
 *   421 problem+json (DNS rebinding).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { API_TIMEOUT_SECONDS, preflights as manifestPreflights, routes as manifestRoutes } from '../../functions/platform/manifest';
import type { RouteDef } from '../../functions/contracts/route';
import { ORIGIN_VERIFY_HEADER, VIEWER_IP_HEADER } from '../../functions/platform/names';
import { compressedCache, isCompressible, pickEncoding } from './compression';
import { LOCAL_ACCOUNT_ID } from './kms';
import { invokeFunction, LambdaTimeoutError, moduleHandlerResolver, type HandlerResolver } from './lambda';

/** API Gateway's payload limit. */
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS, securityHeaders } from '../edge-policy';

export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;
export const LOCAL_API_ID = 'local0api1';

/**
 * The CloudFront response-headers policy (lib/edge-policy.ts, shared with
 * lib/edge.ts). Browsers ignore HSTS over plain http://127.0.0.1; it is sent
 * so the header set matches AWS.
 */
export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS };

/** The HTTP API gave up waiting for the integration: the caller gets 503 (the function may still run). */
class IntegrationTimeoutError extends Error {
  constructor(key: string, ms: number) {
    super(`Integration of ${key} timed out after ${ms} ms`);
  }
}

export interface GatewayOptions {
  /** 0 → ephemeral. @default 8787 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Value CloudFront puts in `x-origin-verify`. */
  originVerifySecret: string;
  /** Built SPA. @default <repo>/frontend/dist */
  staticDir?: string;
  /** @default manifest routes */
  routes?: readonly RouteDef[];
  /** Test hook; the default loads `functions/<entry>.ts`. */
  resolveHandler?: HandlerResolver;
  region?: string;
  bodyLimitBytes?: number;
  /** How long the gateway waits for a function before answering 503, as API Gateway does. @default API_TIMEOUT_SECONDS */
  integrationTimeoutMs?: number;
  /** Called for handler errors (default: console.error). */
  onError?: (err: unknown, routeKey: string) => void;
  /** With Turnstile on: the widget's origin, which the CSP then allows for scripts and frames (lib/edge-policy.ts). */
  turnstileOrigin?: string;
}

export interface Gateway {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  stop(): Promise<void>;
}

/** What the gateway routes on: a manifest route, or an `OPTIONS` preflight route (manifest `preflights`). */
type GatewayRoute = Pick<RouteDef, 'path' | 'fn'> & { readonly method: string };

interface CompiledRoute {
  route: GatewayRoute;
  key: string;
  regex: RegExp;
  params: string[];
  literalSegments: number;
}

function compile(route: GatewayRoute): CompiledRoute {
  const params: string[] = [];
  const segs = route.path.split('/');
  let literal = 0;
  const pattern = segs
    .map((s) => {
      const m = /^\{([A-Za-z0-9_]+)(\+)?\}$/.exec(s);
      if (!m) {
        literal++;
        return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      params.push(m[1]!);
      return m[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { route, key: `${route.method} ${route.path}`, regex: new RegExp(`^${pattern}$`), params, literalSegments: literal };
}

/** Finds the route for method + path; literal segments win over parameters (as in API Gateway). */
export function matchRoute(compiled: readonly CompiledRoute[], method: string, path: string): { route: CompiledRoute; params: Record<string, string> } | undefined {
  let best: { route: CompiledRoute; params: Record<string, string> } | undefined;
  for (const c of compiled) {
    if (c.route.method !== method) continue;
    const m = c.regex.exec(path);
    if (!m) continue;
    if (best && best.route.literalSegments >= c.literalSegments) continue;
    const params: Record<string, string> = {};
    c.params.forEach((p, i) => {
      const raw = m[i + 1]!;
      try {
        params[p] = decodeURIComponent(raw);
      } catch {
        params[p] = raw;
      }
    });
    best = { route: c, params };
  }
  return best;
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)|[^;]*\+(json|xml))/i;

export function isTextContentType(ct: string | undefined): boolean {
  return !!ct && TEXT_TYPES.test(ct.trim());
}

function clfTime(d: Date): string {
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export interface BuildEventInput {
  method: string;
  rawUrl: string;
  /** Node's rawHeaders (name, value, name, value, …). */
  rawHeaders: readonly string[];
  body: Buffer;
  sourceIp: string;
  httpVersion: string;
  routeKey: string;
  pathParameters?: Record<string, string>;
  originVerifySecret: string;
  region?: string;
  now?: Date;
  requestId?: string;
}

/** Builds an API Gateway HTTP API payload v2.0 event, as API Gateway would behind CloudFront. */
export function buildHttpApiEvent(input: BuildEventInput): APIGatewayProxyEventV2 {
  const now = input.now ?? new Date();
  const q = input.rawUrl.indexOf('?');
  const rawPath = q === -1 ? input.rawUrl : input.rawUrl.slice(0, q);
  const rawQueryString = q === -1 ? '' : input.rawUrl.slice(q + 1);

  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < input.rawHeaders.length; i += 2) {
    const name = input.rawHeaders[i]!.toLowerCase();
    const value = input.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      for (const c of value.split(';')) if (c.trim()) cookies.push(c.trim());
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  // What CloudFront (origin custom header) and API Gateway add on the way in.
  headers[ORIGIN_VERIFY_HEADER] = input.originVerifySecret;
  // The /api/* viewer-request function (lib/edge.ts) overwrites this with the viewer's address.
  headers[VIEWER_IP_HEADER] = input.sourceIp;
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${input.sourceIp}` : input.sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-forwarded-port'] ??= (headers.host ?? '').split(':')[1] ?? '80';
  headers['x-amzn-trace-id'] ??= `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString) {
    queryStringParameters = {};
    for (const [k, v] of new URLSearchParams(rawQueryString)) {
      queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
    }
  }

  const requestId = input.requestId ?? randomBytes(10).toString('base64').replace(/=+$/, '=');
  const domainName = (headers.host ?? 'localhost').split(':')[0]!;
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      domainName,
      domainPrefix: domainName.split('.')[0]!,
      http: {
        method: input.method,
        path: rawPath,
        protocol: `HTTP/${input.httpVersion}`,
        sourceIp: input.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: input.routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (cookies.length) event.cookies = cookies;
  if (queryStringParameters) event.queryStringParameters = queryStringParameters;
  if (input.pathParameters && Object.keys(input.pathParameters).length) event.pathParameters = input.pathParameters;
  if (input.body.length > 0) {
    if (isTextContentType(headers['content-type'])) {
      event.body = input.body.toString('utf8');
    } else {
      event.body = input.body.toString('base64');
      event.isBase64Encoded = true;
    }
  }
  return event;
}

interface V2Result {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  multiValueHeaders?: Record<string, Array<string | number | boolean>>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

/** Writes a v2 handler result the way API Gateway does (including its "infer the format" rule). */
function writeResult(res: ServerResponse, result: unknown, base: Record<string, string>, forced: Readonly<Record<string, string>>): void {
  // Lambda hands API Gateway the JSON serialisation of the result: undefined values vanish, toJSON applies.
  result = result === undefined ? undefined : JSON.parse(JSON.stringify(result));
  let r: V2Result;
  if (result && typeof result === 'object' && 'statusCode' in (result as object)) {
    r = result as V2Result;
  } else {
    // No statusCode: API Gateway assumes 200 + JSON of whatever was returned.
    r = { statusCode: 200, headers: { 'content-type': 'application/json' }, body: typeof result === 'string' ? result : JSON.stringify(result ?? null) };
  }
  const out: Record<string, string | string[]> = { ...base };
  for (const [k, v] of Object.entries(r.multiValueHeaders ?? {})) if (Array.isArray(v)) out[k.toLowerCase()] = v.filter((x) => x !== null).map(String).join(',');
  for (const [k, v] of Object.entries(r.headers ?? {})) if (v !== null) out[k.toLowerCase()] = String(v);
  Object.assign(out, forced);
  if (r.cookies?.length) {
    const existing = out['set-cookie'];
    out['set-cookie'] = [...(existing ? [existing].flat() : []), ...r.cookies];
  }
  const body = r.body === undefined || r.body === null ? Buffer.alloc(0) : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : Buffer.from(String(r.body), 'utf8');
  if (!out['content-type'] && body.length) out['content-type'] = 'application/json';
  out['content-length'] = String(body.length);
  res.writeHead(r.statusCode ?? 200, out);
  res.end(body);
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
};

const PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>flarevault</title></head>
<body><h1>flarevault</h1><p>The API is up at <a href="/api/health">/api/health</a>.
The dashboard is not built yet: run <code>npm run build</code> (or <code>npm start</code>, which builds it).</p></body></html>`;

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const preflightRoutes = (options.routes ? [] : manifestPreflights).map((p) => ({ ...p, method: 'OPTIONS' }));
  const compiled = [...(options.routes ?? manifestRoutes), ...preflightRoutes].map(compile);
  const resolver = options.resolveHandler ?? moduleHandlerResolver();
  const staticDir = resolve(options.staticDir ?? join(__dirname, '..', '..', 'frontend', 'dist'));
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  const integrationTimeoutMs = options.integrationTimeoutMs ?? API_TIMEOUT_SECONDS * 1000;
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const onError = options.onError ?? ((err: unknown, key: string) => console.error(`[gateway] ${key}:`, err));
  const compressed = compressedCache();
  const edgeHeaders = securityHeaders({ turnstileOrigin: options.turnstileOrigin });

  function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>): void {
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { ...headers, ...edgeHeaders, 'content-length': String(buf.length) });
    res.end(buf);
  }

  function apiError(res: ServerResponse, status: number, message: string, requestId: string): void {
    send(res, status, JSON.stringify({ message }), { 'content-type': 'application/json', 'apigw-requestid': requestId });
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, body: Buffer, path: string): Promise<void> {
    const requestId = randomBytes(10).toString('base64').replace(/=+$/, '=');
    const match = matchRoute(compiled, req.method ?? 'GET', path);
    if (!match) return apiError(res, 404, 'Not Found', requestId);
    const event = buildHttpApiEvent({
      method: req.method ?? 'GET',
      rawUrl: req.url ?? '/',
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      httpVersion: req.httpVersion,
      routeKey: match.route.key,
      pathParameters: match.params,
      originVerifySecret: options.originVerifySecret,
      region,
      requestId,
    });
    let result: unknown;
    let integrationTimer: NodeJS.Timeout | undefined;
    try {
      // API Gateway stops waiting for the integration after its timeout, whatever the function's own.
      const integrationTimeout = new Promise<never>((_, rej) => {
        integrationTimer = setTimeout(() => rej(new IntegrationTimeoutError(match.route.key, integrationTimeoutMs)), integrationTimeoutMs);
      });
      result = await Promise.race([invokeFunction(resolver, match.route.route.fn, event, region), integrationTimeout]);
    } catch (err) {
      if (err instanceof IntegrationTimeoutError) return apiError(res, 503, 'Service Unavailable', requestId);
      onError(err, match.route.key);
      // Lambda errors and timeouts both surface as 500 from an HTTP API; a timeout of the integration itself is 503.
      return apiError(res, err instanceof LambdaTimeoutError ? 503 : 500, err instanceof LambdaTimeoutError ? 'Service Unavailable' : 'Internal Server Error', requestId);
    } finally {
      clearTimeout(integrationTimer);
    }
    try {
      // CloudFront adds the security headers with `override: true`: they replace what the origin set.
      writeResult(res, result, { 'apigw-requestid': requestId }, edgeHeaders);
    } catch (err) {
      onError(err, match.route.key);
      if (!res.headersSent) apiError(res, 500, 'Internal Server Error', requestId);
    }
  }

  function handleStatic(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'Method Not Allowed', { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD' });
    }
    const index = join(staticDir, 'index.html');
    if (!existsSync(index)) {
      return send(res, 200, req.method === 'HEAD' ? '' : PLACEHOLDER, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      decoded = '/';
    }
    let file = normalize(join(staticDir, decoded));
    if (!file.startsWith(staticDir + sep) && file !== staticDir) file = index;
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) {
      // lib/edge.ts's viewer-request function: a path without a file extension is an SPA route.
      const last = decoded.slice(decoded.lastIndexOf('/'));
      if (last.includes('.')) return send(res, 404, 'Not Found', { 'content-type': 'text/plain; charset=utf-8' });
      file = index;
    }
    const data = readFileSync(file);
    const immutable = file !== index && /[/\\]assets[/\\]/.test(file);
    const contentType = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const headers: Record<string, string> = { 'content-type': contentType, 'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache' };
    let body: Buffer = data;
    if (isCompressible(contentType, data.length)) {
      headers.vary = 'Accept-Encoding';
      const encoding = pickEncoding(req.headers['accept-encoding']);
      if (encoding) {
        const { mtimeMs, size } = statSync(file);
        body = compressed.get(file, `${mtimeMs}:${size}`, data, encoding);
        headers['content-encoding'] = encoding;
      }
    }
    send(res, 200, req.method === 'HEAD' ? Buffer.alloc(0) : body, headers);
  }

  // Filled once listening (the port may be ephemeral); no request arrives before.
  let allowedHosts = new Set<string>();
  let origins = '';
  /**
   * DNS rebinding: a web page whose name re-resolves to 127.0.0.1 reaches this server as the
   * same origin as itself, but its requests still name its own host. Only loopback names on
   * this port are answered, for the API and the SPA alike.
   */
  function misdirected(req: IncomingMessage, res: ServerResponse): boolean {
    const host = (req.headers.host ?? '').toLowerCase();
    if (allowedHosts.has(host)) return false;
    req.resume();
    const problem = {
      type: 'https://flarevault.dev/problems/misdirected-request',
      title: 'Misdirected Request',
      status: 421,
      detail: `This local flarevault answers only at ${origins}, not at Host ${JSON.stringify(host.slice(0, 100))} (protection against DNS rebinding).`,
    };
    send(res, 421, JSON.stringify(problem), { 'content-type': 'application/problem+json' });
    return true;
  }

  const server = createServer((req, res) => {
    if (misdirected(req, res)) return;
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    const isApi = path === '/api' || path.startsWith('/api/');
    if (!isApi) {
      req.resume();
      try {
        handleStatic(req, res, path);
      } catch (err) {
        onError(err, `static ${path}`);
        if (!res.headersSent) send(res, 500, 'Internal Server Error', { 'content-type': 'text/plain; charset=utf-8' });
      }
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      apiError(res, 413, 'Request Entity Too Large', randomUUID());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      if (tooLarge) return;
      size += c.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        apiError(res, 413, 'Request Entity Too Large', randomUUID());
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (tooLarge) return;
      handleApi(req, res, Buffer.concat(chunks), path).catch((err) => {
        onError(err, path);
        if (!res.headersSent) apiError(res, 500, 'Internal Server Error', randomUUID());
      });
    });
    req.on('error', () => res.destroy());
  });
  server.keepAliveTimeout = 5_000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(options.port ?? 8787, host, () => {
      server.off('error', rej);
      res();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // Browsers leave out the default port.
  allowedHosts = new Set([host, 'localhost'].flatMap((name) => (port === 80 ? [`${name}:80`, name] : [`${name}:${port}`])));
  origins = `http://${host}:${port} or http://localhost:${port}`;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    stop: () =>
      new Promise<void>((res) => {
        server.close(() => res());
        server.closeAllConnections();
      }),
  };
}
