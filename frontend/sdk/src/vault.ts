/**
 * The session vault client: signs the user in through flarevault's hosted
 * login (authorization code + PKCE S256, `state` checked) and reads and writes
 * their values with the Session API.
 *
 * The session token lives in this object only: never in localStorage,
 * sessionStorage or a cookie, and it is never decoded (an opaque string). A
 * reload forgets it; `login()` then passes straight through the hosted login
 * while the user's flarevault session lasts. Only the PKCE verifier, the
 * `state` and the page to come back to survive the redirect, in
 * sessionStorage, and are removed by `handleCallback()`.
 */
import { buildUrl, operationPath, type QueryValues } from '../../core/operation-path';
import { OPERATIONS } from '../../core/operations.gen';
import { ApiError, problemOf, retryAfterOf, syntheticProblem } from '../../core/problem';
import { errorFor, LoginError, NotSignedInError } from './errors';
import { SDK_OPERATIONS } from './operations';
import { randomToken, s256Challenge, type WebCrypto } from './pkce';

/** What the SDK uses of the browser; injectable for tests and other runtimes. */
export interface BrowserPorts {
  fetch: typeof fetch;
  location: Pick<Location, 'href' | 'assign'>;
  history: Pick<History, 'replaceState'>;
  sessionStorage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  crypto: WebCrypto;
}

export interface VaultOptions {
  /** flarevault's origin, e.g. `https://vault.example.com` (local: `http://127.0.0.1:8787`). */
  apiUrl: string;
  /** The application's public client id (`fv_app_…`), from the dashboard. */
  clientId: string;
  /** A redirect URI registered for the application, exactly; the page that calls `handleCallback()`. */
  redirectUri: string;
  /**
   * On 410 `session-expired`: `'login'` (default) sends the user through the hosted login and back
   * to the same page (the call never settles: the page navigates away); `'throw'` throws
   * SessionExpiredError.
   */
  onSessionExpired?: 'login' | 'throw';
  /** Defaults to the browser's globals. */
  browser?: Partial<BrowserPorts>;
}

export interface VaultEntry<T = unknown> {
  key: string;
  value: T;
  version: number;
  updatedAt: string;
}

export interface VaultWrite {
  key: string;
  version: number;
  size: number;
  updatedAt: string;
}

export interface VaultKey {
  key: string;
  size: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface SetOptions {
  /** Write only if the stored value still has this version (sent as `If-Match`); else VersionConflictError. */
  ifVersion?: number;
}

interface PendingLogin {
  state: string;
  verifier: string;
  returnTo: string;
  startedAt: number;
}

/** A login that has not come back within this time is forgotten (the code lives 60 s anyway). */
const PENDING_TTL_MS = 10 * 60_000;
const NEVER = new Promise<never>(() => undefined);

function defaultPorts(): BrowserPorts {
  const g = globalThis as unknown as Partial<BrowserPorts> & { window?: unknown };
  return {
    fetch: (...args) => g.fetch!(...args),
    location: g.location!,
    history: g.history!,
    sessionStorage: g.sessionStorage!,
    crypto: g.crypto!,
  };
}

export class SessionVault {
  readonly #options: Required<Omit<VaultOptions, 'browser'>>;
  readonly #ports: BrowserPorts;
  readonly #pendingKey: string;
  #token: string | null = null;
  #expiresAt: string | null = null;
  #redirecting: Promise<never> | null = null;

  constructor(options: VaultOptions) {
    for (const name of ['apiUrl', 'clientId', 'redirectUri'] as const) {
      if (typeof options[name] !== 'string' || !options[name]) throw new TypeError(`flarevault: ${name} is required`);
    }
    this.#options = { onSessionExpired: 'login', ...options, apiUrl: new URL(options.apiUrl).origin };
    this.#ports = { ...defaultPorts(), ...options.browser };
    this.#pendingKey = `flarevault.login.${options.clientId}`;
  }

  /** Whether a session token is in memory (it may still turn out expired or revoked on the next call). */
  get signedIn(): boolean {
    return this.#token !== null;
  }

  /** When the token in memory expires (ISO time), as the server said; null when signed out. */
  get expiresAt(): string | null {
    return this.#expiresAt;
  }

  /**
   * Sends the browser to the hosted login (top-level navigation). Signed-in users pass straight
   * through; the others sign in or sign up. They come back to `redirectUri`, where
   * `handleCallback()` finishes, and then to `returnTo` (default: this page; same origin only).
   */
  login(options: { returnTo?: string } = {}): Promise<never> {
    this.#redirecting ??= this.#startLogin(options.returnTo ?? this.#ports.location.href);
    return this.#redirecting;
  }

  async #startLogin(returnTo: string): Promise<never> {
    const { crypto, sessionStorage, location } = this.#ports;
    const pending: PendingLogin = { state: randomToken(crypto), verifier: randomToken(crypto), returnTo, startedAt: Date.now() };
    const challenge = await s256Challenge(crypto, pending.verifier);
    sessionStorage.setItem(this.#pendingKey, JSON.stringify(pending));
    location.assign(
      this.#url(SDK_OPERATIONS.authorize, {
        response_type: 'code',
        client_id: this.#options.clientId,
        redirect_uri: this.#options.redirectUri,
        state: pending.state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    );
    return NEVER;
  }

  /**
   * On the redirect URI page: when the address carries the hosted login's answer (`code` or
   * `error`, with `state`), checks the state, exchanges the code for a session token (kept in
   * memory), removes the answer from the address bar and history, and returns to the page the
   * login started from. Returns false when there is no answer to handle.
   */
  async handleCallback(): Promise<boolean> {
    const { location, history, sessionStorage } = this.#ports;
    const here = new URL(location.href);
    const state = here.searchParams.get('state');
    const code = here.searchParams.get('code');
    const error = here.searchParams.get('error');
    if (!state || (!code && !error)) return false;

    const pending = this.#takePending();
    sessionStorage.removeItem(this.#pendingKey);
    // The code must not stay in the address bar or the history, whatever happens next.
    for (const p of ['code', 'state', 'error', 'error_description', 'iss']) here.searchParams.delete(p);
    history.replaceState(null, '', here.href);

    if (!pending || pending.state !== state) {
      throw new LoginError('state-mismatch', 'This sign-in answer was not started by this page (state does not match); sign in again.');
    }
    if (error) throw new LoginError(error, here.searchParams.get('error_description') ?? `The hosted login answered ${error}.`);

    const res = await this.#send(SDK_OPERATIONS.callback, {
      body: { client_id: this.#options.clientId, code: code!, code_verifier: pending.verifier, redirect_uri: this.#options.redirectUri },
    });
    const session = (await res.json()) as { sessionToken: string; expiresAt: string };
    this.#token = session.sessionToken;
    this.#expiresAt = session.expiresAt;
    const back = new URL(pending.returnTo, here);
    if (back.origin === here.origin) history.replaceState(null, '', back.href);
    return true;
  }

  #takePending(): PendingLogin | null {
    try {
      const p = JSON.parse(this.#ports.sessionStorage.getItem(this.#pendingKey) ?? 'null') as PendingLogin | null;
      return p && Date.now() - p.startedAt < PENDING_TTL_MS ? p : null;
    } catch {
      return null;
    }
  }

  /** This user's keys in this application, with size, version and times. */
  async list(): Promise<VaultKey[]> {
    const res = await this.#authed(SDK_OPERATIONS.list, {});
    return ((await res.json()) as { keys: VaultKey[] }).keys;
  }

  /** The value under `key`, or null when there is none. */
  async get<T = unknown>(key: string): Promise<VaultEntry<T> | null> {
    const res = await this.#authed(SDK_OPERATIONS.get, { params: { key }, absentIsNull: true });
    return res ? ((await res.json()) as VaultEntry<T>) : null;
  }

  /** Stores any JSON value under `key` (encrypted at rest). */
  async set(key: string, value: unknown, options: SetOptions = {}): Promise<VaultWrite> {
    if (value === undefined) throw new TypeError('flarevault: set() needs a JSON value (undefined is not one)');
    const headers: Record<string, string> = options.ifVersion === undefined ? {} : { 'if-match': `"${options.ifVersion}"` };
    const res = await this.#authed(SDK_OPERATIONS.set, { params: { key }, body: value, headers });
    return (await res.json()) as VaultWrite;
  }

  /** Deletes the value under `key`; false when there was none. */
  async delete(key: string): Promise<boolean> {
    return (await this.#authed(SDK_OPERATIONS.delete, { params: { key }, absentIsNull: true })) !== null;
  }

  /** Ends every session of this user in this application (all devices), this one included. */
  async revokeAll(): Promise<void> {
    await this.#authed(SDK_OPERATIONS.revoke, { body: {} });
    this.#forget();
  }

  /**
   * Signs out: forgets the token and leaves through the hosted logout (a top-level navigation,
   * never a fetch), which signs the browser out of flarevault and comes back to
   * `returnTo` (a registered redirect URI; default `redirectUri`).
   */
  logout(options: { returnTo?: string } = {}): Promise<never> {
    this.#forget();
    this.#ports.location.assign(
      this.#url(SDK_OPERATIONS.logout, { client_id: this.#options.clientId, post_logout_redirect_uri: options.returnTo ?? this.#options.redirectUri }),
    );
    return NEVER;
  }

  #forget(): void {
    this.#token = null;
    this.#expiresAt = null;
  }

  #url(op: keyof typeof OPERATIONS, query?: QueryValues, params?: Record<string, string>): string {
    return this.#options.apiUrl + buildUrl(operationPath(op, params), query);
  }

  /** A Session API call with the token; 410 → the hosted login (or SessionExpiredError); 401 forgets the token. */
  async #authed(
    op: keyof typeof OPERATIONS,
    call: { params?: Record<string, string>; body?: unknown; headers?: Record<string, string>; absentIsNull: true },
  ): Promise<Response | null>;
  async #authed(op: keyof typeof OPERATIONS, call: { params?: Record<string, string>; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  async #authed(
    op: keyof typeof OPERATIONS,
    call: { params?: Record<string, string>; body?: unknown; headers?: Record<string, string>; absentIsNull?: boolean },
  ): Promise<Response | null> {
    if (this.#token === null) throw new NotSignedInError();
    try {
      return await this.#send(op, { ...call, headers: { ...call.headers, authorization: `Bearer ${this.#token}` } });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.slug === 'value-not-found' && call.absentIsNull) return null;
      if (err.status === 401) this.#forget();
      if (err.status === 410) {
        this.#forget();
        if (this.#options.onSessionExpired === 'login') return this.login();
      }
      throw err;
    }
  }

  async #send(op: keyof typeof OPERATIONS, call: { params?: Record<string, string>; body?: unknown; headers?: Record<string, string> }): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...call.headers };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.#ports.fetch(this.#url(op, undefined, call.params), {
        method: OPERATIONS[op].method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        // The token is the only credential: no cookies of flarevault's origin on these calls.
        credentials: 'omit',
        mode: 'cors',
      });
    } catch (err) {
      throw new ApiError(syntheticProblem(0, `Could not reach flarevault at ${this.#options.apiUrl}: ${(err as Error).message}`));
    }
    if (res.ok) return res;
    throw errorFor(await problemOf(res), retryAfterOf(res));
  }
}

/** `const vault = createVault({ apiUrl, clientId, redirectUri })`. */
export function createVault(options: VaultOptions): SessionVault {
  return new SessionVault(options);
}
