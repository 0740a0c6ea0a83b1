/**
 * Cloudflare API v4 sandbox: a loopback HTTP server the official `cloudflare` SDK cannot tell
 * from the real API for the subset flarevault uses. See docs/cloudflare-sandbox.md.
 *
 *   const cf = await startCloudflareSandbox({ seed: { zones: 3, recordsPerZone: 150 }, timeScale: 100 });
 *   const client = new Cloudflare({ apiToken: cf.tokens[0].value, baseURL: cf.url, maxRetries: 0 });
 */
import type { IncomingMessage } from 'node:http';
import { errors, type Envelope } from './envelope';
import { Faults, type FaultOptions, type ScriptedFault } from './faults';
import { RequestLog } from './log';
import { PurgeBuckets } from './purge';
import { RateLimiter, type RateLimitOptions } from './ratelimit';
import { seedDemo, seedState, type SeedOptions, type SeedResult } from './seed';
import { createSandboxServer, listen, API_BASE, type Answer } from './server';
import { SandboxState, type Clock, type NewToken, type SandboxSnapshot } from './state';
import type { Token } from './types';

export { SandboxState } from './state';
export type { Clock, NewToken, NewZone, SandboxSnapshot } from './state';
export { Faults } from './faults';
export type { FaultOptions, FaultKind, ScriptedFault } from './faults';
export { RateLimiter } from './ratelimit';
export type { RateLimitOptions } from './ratelimit';
export { RequestLog } from './log';
export type { LogEntry } from './log';
export type { SeedOptions, SeedResult } from './seed';
export type { Account, DnsRecord, PlanName, Token, Zone, ZoneState } from './types';
export { parseBind, emitBind } from './bind';

export interface CloudflareSandboxOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** Always loopback. @default '127.0.0.1' */
  host?: string;
  /** Initial state: seed options, `'demo'`, or nothing (empty). */
  seed?: SeedOptions | 'demo';
  /** Divide every duration (rate-limit window and block, import minute, injected Retry-After). @default 1 */
  timeScale?: number;
  rateLimit?: Omit<RateLimitOptions, 'timeScale'>;
  faults?: FaultOptions;
  /** Injectable clock (ms since epoch). @default Date.now */
  clock?: Clock;
  /** Seed for generated ids and token secrets. @default 1 */
  idSeed?: number;
  /** Persist state to this JSON file (loaded at start if present). In-memory by default. */
  persistPath?: string;
  /** Required in `x-sandbox-admin` for /__sandbox/ calls when set. */
  adminToken?: string;
  /** @default 3 */
  importsPerMinute?: number;
  /** Request log capacity. @default 20000 */
  logLimit?: number;
}

export interface CloudflareSandbox {
  /** Base URL for the SDK's `baseURL` (ends in /client/v4). */
  url: string;
  /** `http://127.0.0.1:PORT` (admin API under `${origin}/__sandbox/`). */
  origin: string;
  port: number;
  state: SandboxState;
  faults: Faults;
  rateLimiter: RateLimiter;
  log: RequestLog;
  /** Tokens created by the last seed (the first one sees every seeded account). */
  tokens: Token[];
  /** Replace the state with a generated one (or the demo). */
  seed(opts?: SeedOptions | 'demo'): SeedResult;
  /** Register one more token. */
  addToken(t?: NewToken): Token;
  close(): Promise<void>;
}

function summary(res: SeedResult) {
  return {
    accounts: res.accounts,
    tokens: res.tokens.map((t) => ({ id: t.id, value: t.value, name: t.name, accounts: t.accounts, zones: t.zones, write: t.write })),
    zones: res.zones.map((z) => ({ id: z.zone.id, name: z.zone.name, account: z.zone.account, plan: z.zone.plan.legacy_id, records: z.records.size })),
  };
}

export async function startCloudflareSandbox(opts: CloudflareSandboxOptions = {}): Promise<CloudflareSandbox> {
  const clock = opts.clock ?? Date.now;
  const state = new SandboxState(clock, opts.idSeed ?? 1);
  const limiter = new RateLimiter(clock, { ...opts.rateLimit, timeScale: opts.timeScale ?? 1 });
  const purges = new PurgeBuckets(clock, () => limiter.timeScale);
  const faults = new Faults(opts.faults);
  const log = new RequestLog(opts.logLimit);
  let tokens: Token[] = [];

  const doSeed = (s?: SeedOptions | 'demo'): SeedResult => {
    const res = s === 'demo' ? seedDemo(state) : seedState(state, s ?? {});
    tokens = res.tokens;
    // Adding to the state (reset: false, e.g. provisioning one more sandbox account) must not
    // lift other tokens' rate-limit blocks.
    if (s === 'demo' || s?.reset !== false) {
      limiter.reset();
      purges.reset();
    }
    return res;
  };
  if (opts.persistPath) state.persistTo(opts.persistPath);
  if (opts.seed && state.zones.size === 0 && state.tokens.size === 0) doSeed(opts.seed);
  if (opts.persistPath) tokens = [...state.tokens.values()];

  const json = (status: number, body: unknown): Answer => ({ status, body: body as Envelope });
  const admin = async (req: IncomingMessage, url: URL, raw: Buffer): Promise<Answer> => {
    if (opts.adminToken && req.headers['x-sandbox-admin'] !== opts.adminToken) {
      return json(401, { success: false, errors: [{ code: 401, message: 'x-sandbox-admin required' }] });
    }
    let body: Record<string, unknown> = {};
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw errors.badJson();
      }
    }
    const p = url.pathname.replace(/^\/__sandbox/, '').replace(/\/+$/, '') || '/';
    const m = (req.method ?? 'GET').toUpperCase();
    const key = `${m} ${p}`;
    switch (key) {
      case 'GET /':
      case 'GET /health':
        return json(200, { ok: true, url: sandbox.url });
      case 'GET /log':
        return json(200, { entries: log.entries(Number(url.searchParams.get('since') ?? 0)), lastSeq: log.lastSeq });
      case 'DELETE /log':
        log.clear();
        return json(200, { ok: true });
      case 'GET /faults':
        return json(200, { settings: faults.settings, pending: faults.pending, injected: faults.injected });
      case 'PUT /faults':
        faults.set(body as FaultOptions);
        return json(200, { settings: faults.settings });
      case 'PATCH /faults':
        faults.update(body as FaultOptions);
        return json(200, { settings: faults.settings });
      case 'DELETE /faults':
        faults.clear();
        return json(200, { settings: faults.settings });
      case 'POST /faults/script':
        faults.script(...((body.faults as ScriptedFault[] | undefined) ?? []));
        return json(200, { pending: faults.pending });
      case 'POST /seed':
        return json(200, summary(doSeed(body.demo ? 'demo' : (body as SeedOptions))));
      case 'POST /reset':
        state.reset();
        limiter.reset();
        purges.reset();
        log.clear();
        faults.clear();
        tokens = [];
        return json(200, { ok: true });
      case 'POST /tokens': {
        const t = state.addToken(body as NewToken);
        return json(200, { id: t.id, value: t.value, name: t.name, accounts: t.accounts, zones: t.zones, write: t.write });
      }
      case 'GET /state':
        return json(200, summary({ accounts: [...state.accounts.values()], tokens: [...state.tokens.values()], zones: [...state.zones.values()] }));
      case 'GET /snapshot':
        return json(200, state.snapshot());
      case 'PUT /snapshot': {
        // Puts back a state taken with GET /snapshot (a bench replays one change two ways from the same start).
        const snap = body as Partial<SandboxSnapshot>;
        if (snap.version !== 1 || !Array.isArray(snap.accounts) || !Array.isArray(snap.tokens) || !Array.isArray(snap.zones)) {
          return json(400, { success: false, errors: [{ code: 400, message: 'a snapshot is {version: 1, accounts, tokens, zones} as GET /__sandbox/snapshot answers' }] });
        }
        state.restore(snap as SandboxSnapshot);
        state.changed();
        return json(200, summary({ accounts: [...state.accounts.values()], tokens: [...state.tokens.values()], zones: [...state.zones.values()] }));
      }
      case 'GET /ratelimit':
        return json(200, { limit: limiter.limit, windowMs: limiter.windowMs, blockMs: limiter.blockMs, timeScale: limiter.timeScale, enabled: limiter.enabled });
      case 'PATCH /ratelimit':
        limiter.configure(body as RateLimitOptions);
        return json(200, { limit: limiter.limit, windowMs: limiter.windowMs, blockMs: limiter.blockMs, timeScale: limiter.timeScale, enabled: limiter.enabled });
      case 'DELETE /ratelimit':
        limiter.reset();
        return json(200, { ok: true });
    }
    const tok = /^DELETE \/tokens\/(.+)$/.exec(key);
    if (tok) return json(200, { revoked: state.revokeToken(decodeURIComponent(tok[1]!)) });
    return json(404, { success: false, errors: [{ code: 404, message: `no admin route ${key}` }] });
  };

  const server = createSandboxServer({ state, limiter, purges, faults, log, importsPerMinute: opts.importsPerMinute ?? 3, admin });
  const addr = await listen(server, opts.port ?? 0, opts.host ?? '127.0.0.1');
  const origin = `http://${addr.address}:${addr.port}`;
  const sandbox: CloudflareSandbox = {
    url: `${origin}${API_BASE}`,
    origin,
    port: addr.port,
    state,
    faults,
    rateLimiter: limiter,
    log,
    get tokens() {
      return tokens;
    },
    seed: doSeed,
    addToken: (t) => state.addToken(t),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return sandbox;
}
