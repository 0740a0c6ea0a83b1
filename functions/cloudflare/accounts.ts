/**
 * Connected Cloudflare accounts: connect (verify + store the token encrypted), list, remove,
 * re-verify; sandbox accounts provisioned through the local sandbox's admin API.
 *
 *   connectAccount(deps, actor, audit, { name, token } | { name, sandbox: true }) -> AccountView
 *   listAccounts(deps, actor, prefetched?) -> AccountView[]   (prefetched: accountRows of actor.tenant, read ahead)
 *   accountRows(deps, tenant) -> the tenant's account items (the read a list makes)
 *   removeAccount(deps, actor, audit, id) -> void
 *   verifyAccount(deps, actor, audit, id) -> AccountView   (token refused → status needs-attention, audited)
 *
 * Every operation is keyed by `actor.tenant` (another tenant's account id is a 404, never a 403);
 * `audit` is the request's metadata for the audit trail. The route scopes
 * (cloudflare:read / cloudflare:write) are the only permission today; every member of a tenant
 * may manage its accounts.
 *
 * Sandbox accounts: each one is a fresh Cloudflare account + scoped token + demo zones inside
 * the sandbox named by CLOUDFLARE_SANDBOX_URL (POST /__sandbox/seed with reset:false), so users
 * never share zones. Where that env is absent (AWS) `sandbox: true` is a 400.
 */
import { randomBytes } from 'node:crypto';
import type { Audit } from '../audit/audit';
import type { Actor } from '../tenancy/actor';
import { createUnderCap } from '../data/capped-create';
import type { Repository, Stored } from '../data/repository';
import { prefetchedOf, type Prefetched } from '../tenancy/prefetched';
import type { Tenant } from '../tenancy/tenant';
import { DomainError } from '../errors';
import { newId } from '../identity/tokens';
import { limitsFor } from '../platform/tiers';
import {
  cloudflareClient,
  interactiveClient,
  loadAccount,
  connectionOf,
  type CloudflareConnection,
  type CloudflareEnv,
  type CloudflarePorts,
  type StoredCloudflareAccount,
} from './client';
import { cfAccountSk, CloudflareAccountEntity, type CloudflareAccountItem } from './entities';
import { isTokenRejected, readCloudflareError } from './errors';
import { cloudflareProblem, tokenRejectionDetail } from './problem';
import { assertCan, assertEmailVerified } from '../workspaces/permissions';

/** Accounts one tenant may connect. */
export const MAX_ACCOUNTS_PER_USER = 50;

export interface CloudflareDeps extends CloudflarePorts {
  readonly repo: Pick<Repository, 'get' | 'update' | 'create' | 'delete' | 'query' | 'tx'>;
  readonly audit: Pick<Audit, 'record'>;
  /** For the sandbox admin API. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** The request an operation runs for, as the audit trail records it. */
export interface AuditContext {
  /** Who, by credential: `user#<id>` or `apikey#<id>`. */
  readonly label: string;
  readonly requestId: string;
  readonly ip: string;
  readonly userAgent: string;
}

export interface AccountView {
  id: string;
  name: string;
  tokenHint: string;
  sandbox: boolean;
  status: 'active' | 'needs-attention';
  statusDetail: string | null;
  createdAt: string;
  verifiedAt: string | null;
}

export function accountView(a: StoredCloudflareAccount): AccountView {
  return {
    id: a.id,
    name: a.name,
    tokenHint: a.tokenHint,
    sandbox: a.kind === 'sandbox',
    status: a.status,
    statusDetail: a.statusDetail ?? null,
    createdAt: a.createdAt,
    verifiedAt: a.verifiedAt ?? null,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const hintOf = (token: string) => token.slice(-4);

/** One event in the tenant's audit chain, kept as long as the tenant's tier says. */
export async function recordAccountEvent(deps: Pick<CloudflareDeps, 'audit'>, actor: Actor, ctx: AuditContext, type: string, metadata: Record<string, unknown>): Promise<void> {
  await deps.audit.record(
    actor.tenant,
    { type, actor: ctx.label, ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId, metadata },
    { retentionDays: limitsFor(actor.tier).auditRetentionDays },
  );
}

type TokenOwner = NonNullable<CloudflareAccountItem['tokenOwner']>;
type Verification = { ok: true; tokenId: string; owner: TokenOwner; cfAccountId?: string; cfUserId?: string } | { ok: false; detail: string };

/** What is known of a stored token: who owns it and, for an account-owned one, its account. */
export interface KnownToken {
  readonly tokenOwner?: TokenOwner;
  readonly cfAccountId?: string;
}

/** Accounts an account-owned token is tried against when its owner is not known yet. */
const MAX_ACCOUNTS_TRIED = 5;

function verdict(res: { id: string; status: string }, owner: TokenOwner, cfAccountId?: string): Verification {
  if (res.status !== 'active') return { ok: false, detail: `Cloudflare reports the token as ${res.status}` };
  return { ok: true, tokenId: res.id, owner, ...(cfAccountId ? { cfAccountId } : {}) };
}

/**
 * Verify a token (paced like every call). A refused or inactive token is a result; other failures
 * throw a problem.
 *
 * A known account-owned token goes straight to GET /accounts/{id}/tokens/verify. Otherwise GET
 * /user/tokens/verify; when that answers 401 (what it answers for an account-owned token), the
 * token may still be an account's: GET /accounts (an account-owned token lists its account) and
 * verify at each account's endpoint. Nothing found → the user endpoint's refusal is the answer.
 */
export async function verifyToken(deps: Pick<CloudflareDeps, 'table'>, conn: CloudflareConnection, known: KnownToken = {}): Promise<Verification> {
  const cf = interactiveClient(deps, conn);
  try {
    if (known.tokenOwner === 'account' && known.cfAccountId) {
      return verdict(await cf.accounts.tokens.verify({ account_id: known.cfAccountId }), 'account', known.cfAccountId);
    }
    const v = verdict(await cf.user.tokens.verify(), 'user');
    return v.ok ? { ...v, ...(await userBehind(cf)) } : v;
  } catch (err) {
    if (!isTokenRejected(err)) throw cloudflareProblem(err);
    const refused: Verification = { ok: false, detail: tokenRejectionDetail(err) };
    const f = readCloudflareError(err);
    // A token whose owner is known is refused where it belongs; only a 401 from the user endpoint hints at an account's token.
    if (known.tokenOwner || f?.status !== 401) return refused;
    return (await asAccountToken(cf)) ?? refused;
  }
}

/**
 * The Cloudflare user behind a user-owned token, whose budget its requests spend: GET /user
 * answers it when the token has "User Details Read" (or Write). Without it (a 403) the user stays
 * unknown and the token's budget is keyed by the token (budget-keys.ts); nothing else is concluded.
 */
async function userBehind(cf: ReturnType<typeof interactiveClient>): Promise<{ cfUserId?: string }> {
  try {
    const user = await cf.user.get();
    return typeof user.id === 'string' && user.id ? { cfUserId: user.id } : {};
  } catch {
    return {};
  }
}

/** The user endpoint refused the token: is it an account-owned token of an account it can list? */
async function asAccountToken(cf: ReturnType<typeof interactiveClient>): Promise<Verification | undefined> {
  try {
    const page = await cf.accounts.list({ per_page: MAX_ACCOUNTS_TRIED });
    for (const acc of page.result.slice(0, MAX_ACCOUNTS_TRIED)) {
      try {
        const v = verdict(await cf.accounts.tokens.verify({ account_id: acc.id }), 'account', acc.id);
        if (v.ok) return v;
      } catch (err) {
        if (!isTokenRejected(err) && readCloudflareError(err)?.reason !== 'not-found') throw cloudflareProblem(err);
      }
    }
    return undefined;
  } catch (err) {
    if (isTokenRejected(err)) return undefined;
    throw cloudflareProblem(err);
  }
}

// ── sandbox provisioning (local mode) ─────────────────────────────────────────

interface Provisioned {
  token: string;
  tokenId: string;
  cfAccountId: string;
}

function sandboxUnavailable(): DomainError {
  return new DomainError('invalid', 'Sandbox accounts exist only in local mode (npm start), where the Cloudflare sandbox runs.', {
    code: 'sandbox-unavailable',
    fields: [{ in: 'body', field: 'sandbox', message: 'sandbox accounts exist only in local mode' }],
  });
}

/** One fresh sandbox account, scoped token and demo zones (3 zones: pro, free, business; 150 records each). */
async function provisionSandbox(deps: CloudflareDeps, env: CloudflareEnv, label: string): Promise<Provisioned> {
  if (!env.sandboxUrl) throw sandboxUnavailable();
  const origin = new URL(env.sandboxUrl).origin;
  const cfAccountId = randomBytes(16).toString('hex');
  const suffix = cfAccountId.slice(0, 6);
  const body = {
    reset: false,
    accounts: [{ name: `${label} (sandbox)`, id: cfAccountId }],
    tokens: [{ name: 'flarevault sandbox token', accounts: [cfAccountId], write: true, user: cfAccountId, userDetails: true }],
    zones: 3,
    recordsPerZone: 150,
    plan: ['pro', 'free', 'business'],
    prefix: `demo-${suffix}`,
    tld: 'example',
  };
  let res: Response;
  try {
    res = await (deps.fetch ?? fetch)(`${origin}/__sandbox/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(env.sandboxAdminToken ? { 'x-sandbox-admin': env.sandboxAdminToken } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw new DomainError('upstream-failed', 'The local Cloudflare sandbox did not answer.', { code: 'sandbox-unreachable', cause: e });
  }
  const json = (await res.json().catch(() => undefined)) as { tokens?: Array<{ id: string; value: string }> } | undefined;
  const tok = json?.tokens?.[0];
  if (!res.ok || !tok) {
    throw new DomainError('upstream-failed', `The local Cloudflare sandbox refused to provision an account (HTTP ${res.status}).`, { code: 'sandbox-failed' });
  }
  return { token: tok.value, tokenId: tok.id, cfAccountId };
}

/** Best effort: delete the sandbox account's zones and revoke its token, so nothing lingers. */
async function deprovisionSandbox(deps: CloudflareDeps, account: StoredCloudflareAccount): Promise<void> {
  const env = deps.cloudflare;
  if (!env.sandboxUrl) return;
  try {
    // Not paced: a local sandbox account being deleted, whose token is revoked right after.
    const cf = cloudflareClient({ token: account.token, baseURL: env.sandboxUrl }, { maxRetries: 0, timeoutMs: 5_000 });
    for await (const z of cf.zones.list({ per_page: 50 })) await cf.zones.delete({ zone_id: z.id });
  } catch {
    // the token may already be gone
  }
  try {
    const origin = new URL(env.sandboxUrl).origin;
    await (deps.fetch ?? fetch)(`${origin}/__sandbox/tokens/${encodeURIComponent(account.cfTokenId ?? account.token)}`, {
      method: 'DELETE',
      headers: env.sandboxAdminToken ? { 'x-sandbox-admin': env.sandboxAdminToken } : {},
      signal: AbortSignal.timeout(5_000),
    });
  } catch {
    // best effort
  }
}

// ── use cases ─────────────────────────────────────────────────────────────────

export type ConnectInput = { name: string; token: string } | { name: string; sandbox: true };

export async function connectAccount(deps: CloudflareDeps, actor: Actor, ctx: AuditContext, input: ConnectInput): Promise<AccountView> {
  assertEmailVerified(actor);
  assertCan(actor, 'cloudflare.accounts.manage');
  const { tenant } = actor;
  const cap = {
    name: 'cloudflare-accounts',
    limit: MAX_ACCOUNTS_PER_USER,
    count: async () => (await deps.repo.query(tenant, CloudflareAccountEntity, { skPrefix: 'CFACCT#', limit: MAX_ACCOUNTS_PER_USER + 1, consistent: true })).items.length,
    refuse: () => new DomainError('limit-exceeded', `At most ${MAX_ACCOUNTS_PER_USER} Cloudflare accounts per user; remove one first.`, { code: 'cloudflare-account-limit' }),
  };
  // Refused before anything is provisioned or verified; the create below counts again under the cap's guard.
  if ((await cap.count()) >= cap.limit) throw cap.refuse();

  let kind: CloudflareAccountItem['kind'];
  let token: string;
  let cfAccountId: string | undefined;
  if ('sandbox' in input) {
    const p = await provisionSandbox(deps, deps.cloudflare, input.name);
    kind = 'sandbox';
    token = p.token;
    cfAccountId = p.cfAccountId;
  } else {
    kind = 'token';
    token = input.token;
  }

  const verified = await verifyToken(deps, connectionOf(deps, { kind, token }));
  if (!verified.ok) {
    throw new DomainError('invalid', `Cloudflare did not accept this token: ${verified.detail}.`, {
      code: 'cloudflare-token-invalid',
      fields: [{ in: 'body', field: 'token', message: verified.detail }],
    });
  }

  const id = newId();
  const now = iso(deps.now());
  const item: CloudflareAccountItem = {
    name: input.name,
    token,
    tokenHint: hintOf(token),
    kind,
    cfTokenId: verified.tokenId,
    tokenOwner: verified.owner,
    ...(verified.cfAccountId ?? cfAccountId ? { cfAccountId: verified.cfAccountId ?? cfAccountId } : {}),
    ...(verified.cfUserId ? { cfUserId: verified.cfUserId } : {}),
    status: 'active',
    statusDetail: null,
    createdAt: now,
    verifiedAt: now,
  };
  try {
    await createUnderCap(deps.repo, tenant, cap, (tx) => tx.create(CloudflareAccountEntity, cfAccountSk(id), item), deps.now);
  } catch (err) {
    if (kind === 'sandbox') await deprovisionSandbox(deps, { ...item, sk: cfAccountSk(id), version: 0, id });
    throw err;
  }
  const stored = { ...item, sk: cfAccountSk(id), version: 1 };
  await recordAccountEvent(deps, actor, ctx, 'cloudflare.account.connected', { accountId: id, sandbox: kind === 'sandbox' });
  return accountView({ ...stored, id });
}

/** Every account item of the tenant (no permission check: listAccounts makes it before it uses them). */
export async function accountRows(deps: Pick<CloudflareDeps, 'repo'>, tenant: Tenant): Promise<Array<Stored<CloudflareAccountItem>>> {
  const rows: Array<Stored<CloudflareAccountItem>> = [];
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(tenant, CloudflareAccountEntity, { skPrefix: 'CFACCT#', limit: 100, cursor, consistent: true });
    rows.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return rows;
}

export async function listAccounts(
  deps: Pick<CloudflareDeps, 'repo'>,
  actor: Actor,
  prefetched?: Prefetched<Array<Stored<CloudflareAccountItem>>>,
): Promise<AccountView[]> {
  assertCan(actor, 'cloudflare.accounts.read');
  const rows = prefetchedOf(actor.tenant, prefetched) ?? (await accountRows(deps, actor.tenant));
  const out = rows.map((it) => accountView({ ...it, id: it.sk.slice('CFACCT#'.length) }));
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export async function removeAccount(deps: CloudflareDeps, actor: Actor, ctx: AuditContext, id: string): Promise<void> {
  assertCan(actor, 'cloudflare.accounts.manage');
  const { tenant } = actor;
  const account = await loadAccount(deps, tenant, id);
  await deps.repo.delete(tenant, CloudflareAccountEntity, cfAccountSk(id));
  if (account.kind === 'sandbox') await deprovisionSandbox(deps, account);
  await recordAccountEvent(deps, actor, ctx, 'cloudflare.account.removed', { accountId: id, sandbox: account.kind === 'sandbox' });
}

export async function verifyAccount(deps: CloudflareDeps, actor: Actor, ctx: AuditContext, id: string): Promise<AccountView> {
  assertCan(actor, 'cloudflare.accounts.manage');
  const { tenant } = actor;
  const account = await loadAccount(deps, tenant, id);
  const result = await verifyToken(deps, connectionOf(deps, account), { tokenOwner: account.tokenOwner, cfAccountId: account.cfAccountId });
  const now = iso(deps.now());
  const patch: Partial<CloudflareAccountItem> = result.ok
    ? {
        status: 'active',
        statusDetail: null,
        verifiedAt: now,
        cfTokenId: result.tokenId,
        tokenOwner: result.owner,
        ...(result.cfAccountId ? { cfAccountId: result.cfAccountId } : {}),
        ...(result.cfUserId ? { cfUserId: result.cfUserId } : {}),
      }
    : { status: 'needs-attention', statusDetail: result.detail.slice(0, 500) };
  const updated = await deps.repo.update(tenant, CloudflareAccountEntity, cfAccountSk(id), patch, { expectedVersion: account.version });
  if (!result.ok) await recordAccountEvent(deps, actor, ctx, 'cloudflare.account.verify-failed', { accountId: id, detail: result.detail });
  return accountView({ ...updated, id });
}
