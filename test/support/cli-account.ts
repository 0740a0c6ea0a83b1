/**
 * What a CLI run needs from the local stack (FLAREVAULT_URL) and its Cloudflare sandbox
 * (CLOUDFLARE_SANDBOX_URL / CLOUDFLARE_SANDBOX_ADMIN_TOKEN, from the stack's env): a verified
 * user, one sandbox Cloudflare account in its workspace and an API key scoped to jobs and
 * Cloudflare, as a CI secret would be (docs/cli.md).
 */
import { call, type signUpWithToken } from './http';
import { userWithSandbox } from './jobs-http';

export const CLI_KEY_SCOPES = ['jobs:read', 'jobs:write', 'cloudflare:read', 'cloudflare:write'] as const;

/** The sandbox's admin API (`/__sandbox/…`, docs/cloudflare-sandbox.md). */
export async function sandboxAdmin<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const url = process.env.CLOUDFLARE_SANDBOX_URL;
  if (!url) throw new Error('CLOUDFLARE_SANDBOX_URL is not set: the local stack runs without its Cloudflare sandbox');
  const res = await fetch(`${new URL(url).origin}/__sandbox/${path}`, {
    method,
    headers: { 'x-sandbox-admin': process.env.CLOUDFLARE_SANDBOX_ADMIN_TOKEN ?? '', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`sandbox admin ${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface CliAccount {
  user: Awaited<ReturnType<typeof signUpWithToken>>;
  /** The flarevault Cloudflare account (what `--account` and the file's `account` name). */
  accountId: string;
  /** Its account inside the sandbox (where more zones can be seeded). */
  cfAccountId: string;
  /** `FLAREVAULT_API_KEY`. */
  apiKey: string;
}

export async function cliAccount(label: string): Promise<CliAccount> {
  const name = `${label} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const { account, zones: _zones, ...user } = await userWithSandbox(name);
  const state = await sandboxAdmin<{ accounts: Array<{ id: string; name: string }> }>('GET', 'state');
  const cfAccount = state.accounts.find((a) => a.name === `${name} (sandbox)`);
  if (!cfAccount) throw new Error(`no sandbox account named "${name} (sandbox)"`);
  const key = await call('POST', '/api/v1/api-keys', { token: user.token, body: { name: `CLI ${label}`, scopes: CLI_KEY_SCOPES } });
  if (key.status !== 201) throw new Error(`api key: ${key.status} ${key.text}`);
  return { user, accountId: account.id, cfAccountId: cfAccount.id, apiKey: key.body.secret as string };
}
