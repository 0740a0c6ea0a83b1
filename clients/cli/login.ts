/**
 * `flarevault login`: device authorization (RFC 8628) whose approval mints an API key for this CLI
 * — POST /sync/init with platform `cli` and the scopes below, the user code and URL shown (and the
 * browser opened, best effort), the token endpoint polled (clients/shared/device-flow.ts) — stored
 * in credentials.json (clients/cli/credentials.ts). `logout` deletes the key on the server, then the file.
 */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import type { Scope } from '../../functions/contracts/route';
import { ApiError } from '../../frontend/core/problem';
import { pollUntilApproved } from '../shared/device-flow';
import { FlarevaultApi, type DeviceAuthorizationStarted } from './api';
import { credentialsPath, deleteStored, readStored, saveStored, type StoredCredentials } from './credentials';
import type { Context } from './context';
import { CliError } from './job-flow';

/** What the CLI's commands need: lists, zone reads and exports, DNS jobs. */
export const CLI_SCOPES: readonly Scope[] = ['account:read', 'cloudflare:read', 'cloudflare:write', 'jobs:read', 'jobs:write'];

export interface LoginOptions {
  url?: string;
  /** `--no-browser` sets false. */
  browser?: boolean;
  name?: string;
}

export interface LoginDeps {
  sleep?: (ms: number) => Promise<void>;
  openUrl?: (url: string) => void;
  platform?: NodeJS.Platform;
}

/**
 * Opens the URL in the user's browser, best effort; never throws. Windows: the URL protocol handler
 * through rundll32 rather than `cmd /c start`, whose shell would read `&` in a URL as a command separator.
 */
export function openInBrowser(url: string, platform: NodeJS.Platform = process.platform): void {
  const [cmd, args] = platform === 'darwin' ? ['open', [url]] : platform === 'win32' ? ['rundll32', ['url.dll,FileProtocolHandler', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no opener: the URL is printed anyway
  }
}

/** A display to open a browser on: always on macOS and Windows; on Linux only with X11 or Wayland. */
const hasDisplay = (env: Readonly<Record<string, string | undefined>>, platform = process.platform) =>
  platform === 'darwin' || platform === 'win32' || !!env.DISPLAY || !!env.WAYLAND_DISPLAY;

function prompt(ctx: Context, s: DeviceAuthorizationStarted): void {
  // Always on stderr (also with --json: the code must reach the person approving it).
  const text = ctx.term.json
    ? JSON.stringify({ step: 'authorize', verification_uri: s.verification_uri, verification_uri_complete: s.verification_uri_complete, user_code: s.user_code, expires_in: s.expires_in })
    : `Open ${s.verification_uri_complete}\n(or ${s.verification_uri} and enter the code ${s.user_code}) to approve this CLI; waiting…`;
  ctx.term.urge(text);
}

export async function login(ctx: Context, o: LoginOptions, deps: LoginDeps = {}): Promise<void> {
  const url = o.url ?? ctx.env.FLAREVAULT_URL ?? readStored(ctx.env)?.url;
  if (!url) throw new CliError('Which flarevault? Pass --url https://… (or set FLAREVAULT_URL)');
  const api = new FlarevaultApi(url, undefined, ctx.fetchImpl);
  const name = o.name ?? hostname();
  const started = await api.startLogin(`flarevault CLI on ${name}`.slice(0, 100), CLI_SCOPES);
  prompt(ctx, started);
  if (o.browser !== false && hasDisplay(ctx.env, deps.platform)) (deps.openUrl ?? openInBrowser)(started.verification_uri_complete);
  const { issued } = await pollUntilApproved(started, () => api.pollLogin(started.device_code), deps.sleep);
  const previous = readStored(ctx.env);
  const scopes = issued.scope.split(' ').filter(Boolean);
  const path = saveStored({ url, token: issued.access_token, apiKeyId: issued.api_key_id, workspaceId: issued.workspace_id, scopes, createdAt: new Date().toISOString() }, ctx.env);
  // The login this one replaces would otherwise hold a key slot (50 per user) until it expires.
  const replaced = previous && previous.apiKeyId !== issued.api_key_id ? await revokeQuietly(previous, ctx.fetchImpl) : undefined;
  ctx.term.result({ url, apiKeyId: issued.api_key_id, workspaceId: issued.workspace_id, scopes, expiresIn: issued.expires_in, credentials: path, replacedApiKeyId: replaced ?? null }, [
    `Logged in to ${url} (workspace ${issued.workspace_id}; API key ${issued.api_key_id}, expires in ${Math.round(issued.expires_in / 86400)} days).`,
    `Credentials: ${path}${replaced ? ` (the previous login's key ${replaced} is deleted)` : ''}`,
    ...(ctx.env.FLAREVAULT_API_KEY ? ['Note: FLAREVAULT_API_KEY is set in this shell and wins over this login until you unset it.'] : []),
  ]);
}

/** DELETE /api-keys/current with a stored login's key: true when deleted, false when it was already invalid (401). */
async function revoke(stored: StoredCredentials, fetchImpl: typeof fetch | undefined): Promise<boolean> {
  try {
    await new FlarevaultApi(stored.url, stored.token, fetchImpl).revokeCurrentKey();
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return false;
    throw err;
  }
}

/** The replaced login's key id once deleted; never fails the new login (an unreachable old server, say). */
async function revokeQuietly(stored: StoredCredentials, fetchImpl: typeof fetch | undefined): Promise<string | undefined> {
  try {
    return (await revoke(stored, fetchImpl)) ? stored.apiKeyId : undefined;
  } catch {
    return undefined;
  }
}

export async function logout(ctx: Context): Promise<void> {
  const stored = readStored(ctx.env);
  if (!stored) {
    const hint = ctx.env.FLAREVAULT_API_KEY ? ' (FLAREVAULT_API_KEY is set: delete that key in the dashboard or unset it)' : '';
    ctx.term.result({ loggedOut: false, revoked: false }, [`Not logged in${hint}.`]);
    return;
  }
  // Already gone (expired, deleted in the dashboard): forgetting it locally is all that is left.
  const revoked = await revoke(stored, ctx.fetchImpl);
  deleteStored(ctx.env);
  ctx.term.result({ loggedOut: true, revoked, apiKeyId: stored.apiKeyId, credentials: credentialsPath(ctx.env) }, [
    revoked ? `Logged out: API key ${stored.apiKeyId} deleted, ${credentialsPath(ctx.env)} removed.` : `Logged out: the key was already invalid; ${credentialsPath(ctx.env)} removed.`,
  ]);
}
