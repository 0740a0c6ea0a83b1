/** HTTP server: Cloudflare API v4 routes under /client/v4, the admin API under /__sandbox/. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BlockList, isIPv6, type AddressInfo } from 'node:net';
import { applyBatch } from './batch';
import { emitBind, parseBind } from './bind';
import { buildRecord, checkConflicts, createRecord, deleteRecord, getRecord, listRecords, updateRecord } from './dns';
import { CfError, errorBody, errors, ok, paginate, type Envelope } from './envelope';
import { Faults, serverErrorBody, type FaultDecision } from './faults';
import { RequestLog } from './log';
import { budgetOf, RateLimiter, userIdOf } from './ratelimit';
import { assertRoomForRecord } from './quota';
import { purgeCache, type PurgeBuckets } from './purge';
import { getSetting, listSettings, patchSetting } from './settings';
import type { SandboxState } from './state';
import type { Token } from './types';
import { createZone, deleteZone, editZone, listZones } from './zones';

export const API_BASE = '/client/v4';
const MAX_BODY = 8 * 1024 * 1024;
const MAX_IMPORT = 256 * 1024;

export interface Answer {
  status: number;
  body: Envelope | string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface ServerDeps {
  state: SandboxState;
  limiter: RateLimiter;
  /** Cache purge's own per-plan buckets (purge.ts). */
  purges: PurgeBuckets;
  faults: Faults;
  log: RequestLog;
  /** Imports per zone per (scaled) minute. @default 3 */
  importsPerMinute: number;
  /** Admin API handler (requests under /__sandbox/). */
  admin: (req: IncomingMessage, url: URL, body: Buffer) => Promise<Answer>;
}

class Request {
  private parsed?: unknown;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly query: URLSearchParams,
    readonly headers: IncomingMessage['headers'],
    readonly raw: Buffer,
  ) {}
  json(): unknown {
    if (this.parsed !== undefined) return this.parsed;
    if (this.raw.length === 0) return (this.parsed = {});
    try {
      this.parsed = JSON.parse(this.raw.toString('utf8'));
    } catch {
      throw errors.badJson();
    }
    return this.parsed;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(errors.payloadTooLarge('Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

type Auth = { token: Token } | { error: CfError };

/** The client's address as Cloudflare would see it (IPv4-mapped IPv6 unwrapped). */
function clientIpOf(inc: IncomingMessage): string {
  const a = inc.socket.remoteAddress ?? '127.0.0.1';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

function rangeList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const e of entries) {
    const [addr, bits] = e.split('/');
    const type = isIPv6(addr!) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr!, type);
    else list.addSubnet(addr!, Number(bits), type);
  }
  return list;
}

/** Client IP address filtering (`condition.request_ip`): `in` allows only those, `not_in` exempts. */
function ipAllowed(token: Token, ip: string): boolean {
  const cond = token.condition?.request_ip;
  if (!cond) return true;
  const type = isIPv6(ip) ? 'ipv6' : 'ipv4';
  if (cond.in?.length && !rangeList(cond.in).check(ip, type)) return false;
  if (cond.not_in?.length && rangeList(cond.not_in).check(ip, type)) return false;
  return true;
}

function authenticate(state: SandboxState, req: Request, isVerify: boolean, clientIp = '127.0.0.1'): Auth {
  const header = req.headers.authorization;
  if (header === undefined) {
    if (req.headers['x-auth-key'] !== undefined || req.headers['x-auth-email'] !== undefined) {
      return { error: errors.authentication() };
    }
    return { error: errors.missingAuth() };
  }
  const m = /^Bearer ([A-Za-z0-9_\-.]{16,200})$/.exec(header);
  if (!m) return { error: errors.badAuthHeader() };
  const token = state.tokens.get(m[1]!);
  if (!token) return { error: isVerify ? errors.invalidApiToken() : errors.invalidToken() };
  if (!ipAllowed(token, clientIp)) return { error: errors.locationRefused(clientIp) };
  // An account-owned token is not a user's: the user endpoint does not know it.
  if (token.owner === 'account' && req.path === '/user/tokens/verify') return { error: errors.invalidApiToken() };
  if (isVerify) return { token };
  const now = state.clock();
  const expired = token.expires_on !== undefined && Date.parse(token.expires_on) <= now;
  const early = token.not_before !== undefined && Date.parse(token.not_before) > now;
  if (token.status !== 'active' || expired || early) return { error: errors.invalidToken() };
  return { token };
}

function verifyResult(state: SandboxState, token: Token): Envelope {
  const now = state.clock();
  let status = token.status;
  if (status === 'active' && token.expires_on && Date.parse(token.expires_on) <= now) status = 'expired';
  const result: Record<string, unknown> = { id: token.id, status };
  if (token.expires_on) result.expires_on = token.expires_on;
  if (token.not_before) result.not_before = token.not_before;
  return ok(result, [{ code: 10000, message: 'This API Token is valid and active', type: null }]);
}

/** Route one authenticated API request. `path` is below /client/v4. */
async function route(deps: ServerDeps, req: Request, token: Token): Promise<Answer> {
  const { state } = deps;
  const full = `${API_BASE}${req.path}`;
  const seg = req.path.split('/').filter(Boolean);
  const m = req.method;
  const json = (body: Envelope, status = 200): Answer => ({ status, body });
  const write = m !== 'GET' && m !== 'HEAD';
  const isTokenVerify = seg.at(-1) === 'verify';
  if (write && !token.write && !isTokenVerify) throw errors.authentication();

  // /user/tokens/verify
  if (seg[0] === 'user' && seg[1] === 'tokens' && seg[2] === 'verify' && seg.length === 3) {
    if (m !== 'GET') throw errors.noRoute(full);
    return json(verifyResult(state, token));
  }
  // GET /user: the token's user; needs "User Details Read" (an account-owned token has no user).
  if (seg[0] === 'user' && seg.length === 1) {
    if (m !== 'GET') throw errors.noRoute(full);
    if (token.owner === 'account' || !token.userDetails) throw errors.authentication();
    const id = userIdOf(token);
    return json(ok({ id, email: `${id.slice(0, 8)}@users.sandbox.example`, suspended: false, two_factor_authentication_enabled: false, organizations: [], betas: [] }));
  }
  if (seg[0] === 'accounts') {
    if (seg.length === 1 && m === 'GET') {
      const accs = [...state.accounts.values()].filter((a) => state.tokenSeesAccount(token, a.id));
      return json(paginate(accs, 1, Math.max(accs.length, 1)));
    }
    const acc = seg[1] ? state.accounts.get(seg[1]) : undefined;
    if (!acc || !/^[0-9a-f]{32}$/.test(seg[1]!)) throw errors.noRoute(full);
    if (!state.tokenSeesAccount(token, acc.id)) throw errors.authentication();
    if (seg.length === 2 && m === 'GET') return json(ok(acc));
    if (seg.length === 4 && seg[2] === 'tokens' && seg[3] === 'verify' && m === 'GET') return json(verifyResult(state, token));
    throw errors.noRoute(full);
  }
  if (seg[0] !== 'zones') throw errors.noRoute(full);

  if (seg.length === 1) {
    if (m === 'GET') return json(listZones(state, token, req.query));
    if (m === 'POST') return json(createZone(state, token, req.json()));
    throw errors.noRoute(full);
  }
  const zs = state.zoneFor(token, seg[1]!, full);
  if (seg.length === 2) {
    if (m === 'GET') return json(ok(zs.zone));
    if (m === 'PATCH') return json(editZone(state, zs, req.json()));
    if (m === 'DELETE') return json(deleteZone(state, zs));
    throw errors.noRoute(full);
  }
  const sub = seg[2];
  if (sub === 'dns_records') {
    if (seg.length === 3) {
      if (m === 'GET') return json(listRecords(zs, req.query));
      if (m === 'POST') return json(createRecord(state, zs, req.json()));
      throw errors.noRoute(full);
    }
    const leaf = seg[3]!;
    if (seg.length === 4 && leaf === 'batch' && m === 'POST') return json(applyBatch(state, zs, req.json(), full));
    if (seg.length === 4 && leaf === 'export' && m === 'GET') {
      return { status: 200, body: emitBind(zs.zone, [...zs.records.values()], state.nowIso()), contentType: 'text/plain; charset=utf-8' };
    }
    if (seg.length === 4 && leaf === 'import' && m === 'POST') return json(await importBind(deps, zs, req));
    if (seg.length === 4) {
      if (m === 'GET') return json(ok(getRecord(zs, leaf, full)));
      if (m === 'PATCH') return json(updateRecord(state, zs, leaf, req.json(), 'patch', full));
      if (m === 'PUT') return json(updateRecord(state, zs, leaf, req.json(), 'put', full));
      if (m === 'DELETE') return json(deleteRecord(state, zs, leaf, full));
    }
    throw errors.noRoute(full);
  }
  if (sub === 'settings') {
    if (seg.length === 3 && m === 'GET') return json(listSettings(zs));
    if (seg.length === 3 && m === 'PATCH') {
      const items = (req.json() as { items?: Array<{ id: string; value: unknown }> }).items;
      if (!Array.isArray(items)) throw errors.invalidParam(1004, 'items must be an array');
      // validate all first, then apply (all or nothing)
      const copy = new Map(zs.settings);
      const now = state.nowIso();
      for (const it of items) patchSetting({ ...zs, settings: copy, zone: { ...zs.zone } }, it.id, it, full, now);
      for (const it of items) patchSetting(zs, it.id, it, full, now);
      state.changed();
      return json(ok(items.map((it) => (getSetting(zs, it.id, full).result))));
    }
    if (seg.length === 4 && m === 'GET') return json(getSetting(zs, seg[3]!, full));
    if (seg.length === 4 && m === 'PATCH') {
      const res = patchSetting(zs, seg[3]!, req.json(), full, state.nowIso());
      state.changed();
      return json(res);
    }
    throw errors.noRoute(full);
  }
  if (sub === 'purge_cache' && seg.length === 3 && m === 'POST') return json(purgeCache(state, deps.purges, zs, req.json() as Record<string, unknown>));
  throw errors.noRoute(full);
}

async function importBind(deps: ServerDeps, zs: ReturnType<SandboxState['zoneFor']>, req: Request): Promise<Envelope> {
  const { state, limiter } = deps;
  const ctype = req.headers['content-type'] ?? '';
  if (!ctype.startsWith('multipart/form-data')) {
    throw errors.invalidParam(1004, 'Expected a multipart/form-data body with a "file" part');
  }
  let form: FormData;
  try {
    form = await new globalThis.Request('http://sandbox/', { method: 'POST', headers: { 'content-type': ctype }, body: new Uint8Array(req.raw) }).formData();
  } catch {
    throw errors.invalidParam(1004, 'Malformed multipart body');
  }
  const file = form.get('file');
  if (file === null) throw errors.invalidParam(1004, 'Missing "file" part');
  const text = typeof file === 'string' ? file : await (file as Blob).text();
  if (Buffer.byteLength(text) > MAX_IMPORT) throw errors.payloadTooLarge('The BIND file is larger than 256 KiB.');
  const proxiedField = form.get('proxied');
  const proxiedAll = proxiedField === 'true';

  // 3 imports per minute per zone (scaled like the global limit).
  const now = state.clock();
  const minute = 60_000 / limiter.timeScale;
  zs.imports = zs.imports.filter((t) => t > now - minute);
  if (zs.imports.length >= deps.importsPerMinute) {
    const retry = Math.max(1, Math.ceil((zs.imports[0]! + minute - now) / 1000));
    throw new CfError(429, [{ code: 971, message: `At most ${deps.importsPerMinute} DNS imports per minute per zone` }], { 'retry-after': String(retry) });
  }
  zs.imports.push(now);

  const parsed = parseBind(text, zs.zone.name);
  let added = 0;
  let total = 0;
  for (const p of parsed.records) {
    // Cloudflare's own apex NS records are not imported.
    if (p.type === 'NS' && p.name === zs.zone.name && /\.ns\.cloudflare\.com$/.test(p.content)) continue;
    total++;
    const body: Record<string, unknown> = { type: p.type, name: p.name, ttl: p.ttl, content: p.content };
    if (p.priority !== undefined) body.priority = p.priority;
    if (p.data) body.data = p.data;
    if (p.comment) body.comment = p.comment;
    if (p.tags) body.tags = p.tags;
    if (p.settings) body.settings = p.settings;
    try {
      const probe = buildRecord(state, zs, body, {});
      const proxied = p.proxied ?? (proxiedAll && probe.proxiable);
      const rec = proxied && probe.proxiable ? buildRecord(state, zs, { ...body, proxied: true }, { id: probe.id }) : probe;
      checkConflicts(rec, zs.records.values(), zs.zone.name);
      assertRoomForRecord(zs, zs.records.size); // lines past the quota are not imported, like other refused lines
      zs.records.set(rec.id, rec);
      added++;
    } catch (e) {
      if (!(e instanceof CfError)) throw e;
    }
  }
  total += parsed.skipped.length;
  state.changed();
  return ok({ recs_added: added, total_records_parsed: total });
}

function send(res: ServerResponse, a: Answer, extra: Record<string, string>): void {
  if (res.destroyed || res.headersSent) return;
  const body = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
  res.writeHead(a.status, {
    'content-type': a.contentType ?? 'application/json',
    'content-length': Buffer.byteLength(body),
    'cf-ray': `${Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0')}sandbox-LHR`,
    ...extra,
    ...(a.headers ?? {}),
  });
  res.end(body);
}

function fromError(e: unknown): Answer {
  if (e instanceof CfError) return { status: e.status, body: errorBody(e.errors), headers: e.headers };
  // Never a stack trace to the client.
  return { status: 500, body: errorBody([{ code: 10001, message: 'Internal server error' }]) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createSandboxServer(deps: ServerDeps): Server {
  const { state, limiter, faults, log } = deps;
  const server = createServer((inc, res) => {
    const started = Date.now();
    const arrived = state.nowIso();
    const url = new URL(inc.url ?? '/', 'http://sandbox');
    const method = (inc.method ?? 'GET').toUpperCase();
    let fault: FaultDecision | undefined;
    let rateLimited = false;
    let errorCodes: number[] | undefined;
    const authz = inc.headers.authorization;
    const tokenHint = authz?.startsWith('Bearer ') ? authz.slice(-4) : null;
    const isAdmin = url.pathname.startsWith('/__sandbox');

    if (!isAdmin) {
      res.on('close', () => {
        log.add({
          time: arrived,
          method,
          path: url.pathname.replace(API_BASE, '') + url.search,
          tokenHint,
          status: res.writableFinished ? res.statusCode : 0,
          durationMs: Date.now() - started,
          ...(fault?.kind ? { fault: fault.kind } : {}),
          ...(fault?.afterApply ? { afterApply: true } : {}),
          ...(rateLimited ? { rateLimited } : {}),
          ...(errorCodes ? { errorCodes } : {}),
        });
      });
    }

    void (async () => {
      const raw = await readBody(inc);
      if (isAdmin) {
        const a = await deps.admin(inc, url, raw).catch(fromError);
        send(res, a, {});
        return;
      }
      if (!url.pathname.startsWith(`${API_BASE}/`)) {
        send(res, fromError(errors.noRoute(url.pathname)), {});
        return;
      }
      const path = url.pathname.slice(API_BASE.length).replace(/\/+$/, '');
      const req = new Request(method, path, url.searchParams, inc.headers, raw);
      const isVerify = /^\/(user|accounts\/[^/]+)\/tokens\/verify$/.test(path);
      const auth = authenticate(state, req, isVerify, clientIpOf(inc));
      if ('error' in auth) {
        errorCodes = auth.error.errors.map((e) => e.code);
        send(res, fromError(auth.error), {
          ratelimit: `"default";r=${limiter.limit};t=${Math.max(1, Math.ceil(limiter.windowMs / 1000))}`,
          'ratelimit-policy': `"default";q=${limiter.limit};w=${Math.max(1, Math.ceil(limiter.windowMs / 1000))}`,
        });
        return;
      }
      const token = auth.token;
      const decision = limiter.hit(budgetOf(token));
      if (!decision.allowed) {
        rateLimited = true;
        errorCodes = [971];
        send(res, fromError(errors.rateLimited(decision.retryAfter!)), decision.headers);
        return;
      }

      fault = faults.decide(method, path);
      if (fault.latencyMs > 0) await sleep(fault.latencyMs);
      const injure = (): boolean => {
        switch (fault?.kind) {
          case 'rate_limit': {
            const retry = Math.max(1, Math.ceil(faults.settings.retryAfterSeconds! / limiter.timeScale));
            errorCodes = [971];
            send(res, fromError(errors.rateLimited(retry)), { ...decision.headers, ratelimit: `"default";r=0;t=${retry}` });
            return true;
          }
          case 'server_error': {
            const b = serverErrorBody(fault.status ?? 500);
            send(res, { status: fault.status ?? 500, body: b.body, contentType: b.contentType }, decision.headers);
            return true;
          }
          case 'timeout':
            return true; // never answer; the client gives up and closes the socket
          case 'drop':
            inc.socket.destroy();
            return true;
          default:
            return false;
        }
      };
      if (fault.kind && !fault.afterApply && injure()) return;

      let answer: Answer;
      try {
        answer = await route(deps, req, token);
      } catch (e) {
        answer = fromError(e);
      }
      if (typeof answer.body !== 'string' && !answer.body.success) errorCodes = answer.body.errors.map((e) => e.code);
      if (fault.kind && fault.afterApply && injure()) return;
      send(res, answer, decision.headers);
    })().catch((e: unknown) => send(res, fromError(e), {}));
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}
