/**
 * API keys: shown once, stored as a hash, limited to scopes, optionally
 * expiring, bound to the user's token revision (revoke-all, password change
 * and reset end them). At most `MAX_API_KEYS` per user: each key holds one
 * slot item, taken in the same transaction as the key's create.
 */
import { randomInt } from 'node:crypto';
import { userTenant } from '../tenancy/tenant';
import { DomainError, notFound } from '../errors';
import type { Scope } from '../contracts/route';
import type { Tier } from '../platform/tiers';
import { isAuthentic, withIntegrity } from './credential-integrity';
import { auditEvent, iso, type IdentityDeps, type RequestContext } from './deps';
import {
  ApiKeyCredential,
  ApiKeyEntity,
  apiKeySk,
  ApiKeySlotEntity,
  apiKeySlotSk,
  USER_SK,
  UserEntity,
  type ApiKeyItem,
} from './entities';
import { mintToken, newId } from './tokens';

export const MAX_API_KEYS = 50;
/** Concurrent creates may pick the same free slot; the losers pick again. */
const CREATE_ATTEMPTS = 20;

function view(sk: string, k: ApiKeyItem) {
  return {
    id: sk.slice('APIKEY#'.length),
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    workspaceId: k.workspaceId ?? null,
    createdAt: k.createdAt,
    expiresAt: k.keyExpiresAt,
    lastUsedAt: k.lastUsedAt,
  };
}

/**
 * One page of the user's working keys (newest first within the page); keys
 * of an older token revision or that do not authenticate are left out.
 */
export async function listApiKeys(deps: IdentityDeps, userId: string, page: { cursor?: string; limit?: number } = {}) {
  const tenant = userTenant(userId);
  const [user, keys] = await Promise.all([
    deps.repo.get(tenant, UserEntity, USER_SK),
    deps.repo.query(tenant, ApiKeyEntity, { limit: page.limit ?? MAX_API_KEYS, cursor: page.cursor, consistent: true }),
  ]);
  const apiKeys = keys.items
    .filter((k) => isAuthentic(ApiKeyCredential, k) && k.revision === user?.tokenRevision)
    .map((k) => view(k.sk, k))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return { apiKeys, nextCursor: keys.cursor ?? null };
}

async function takenSlots(deps: IdentityDeps, userId: string): Promise<Set<string>> {
  const taken = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(userTenant(userId), ApiKeySlotEntity, { limit: 100, cursor, consistent: true });
    for (const s of page.items) taken.add(s.sk);
    cursor = page.cursor;
  } while (cursor);
  return taken;
}

const tooMany = () =>
  new DomainError('limit-exceeded', `At most ${MAX_API_KEYS} API keys`, { code: 'too-many-api-keys', extra: { limit: MAX_API_KEYS } });

/** The create's `tokenRevision` is no longer the user's: they revoked everything since. */
export const REVISION_CHANGED = 'token-revision-changed';

/**
 * Checked ahead of a create that happens later (a CLI login's approval, its key made at the
 * CLI's poll): 429 `too-many-api-keys` when the user holds the maximum already, so the person
 * approving sees it (the create still takes a slot atomically); and the user's token revision,
 * which that create is then bound to (its `tokenRevision`), so a revoke-all in between ends the
 * login before it has a key.
 */
export async function apiKeyStanding(deps: IdentityDeps, userId: string): Promise<{ tokenRevision: number }> {
  const [user, taken] = await Promise.all([deps.repo.get(userTenant(userId), UserEntity, USER_SK), takenSlots(deps, userId)]);
  if (!user) throw new DomainError('unauthenticated', 'The account no longer exists');
  if (taken.size >= MAX_API_KEYS) throw tooMany();
  return { tokenRevision: user.tokenRevision };
}

export async function createApiKey(
  deps: IdentityDeps,
  actor: { userId: string; tier: Tier; /** The workspace the key will act on. @default the personal one */ tenant?: { id: string } },
  input: {
    name: string;
    scopes: Scope[];
    expiresAt?: string;
    /** The token revision the key must be made under (apiKeyStanding); another one refuses the create. */
    tokenRevision?: number;
  },
  ctx: RequestContext,
) {
  const tenant = userTenant(actor.userId);
  if (input.expiresAt && Date.parse(input.expiresAt) <= deps.now()) {
    throw new DomainError('invalid', 'The expiry must be in the future', {
      fields: [{ in: 'body', field: 'expiresAt', message: 'must be in the future', code: 'past' }],
    });
  }
  const id = newId();
  const { token, secretHash } = mintToken('apiKey', actor.userId, id);
  for (let attempt = 1; ; attempt++) {
    const [user, taken] = await Promise.all([deps.repo.get(tenant, UserEntity, USER_SK), takenSlots(deps, actor.userId)]);
    if (!user) throw new DomainError('unauthenticated', 'The account no longer exists');
    if (input.tokenRevision !== undefined && input.tokenRevision !== user.tokenRevision) {
      throw new DomainError('unauthenticated', 'Every credential was revoked since; sign in again', { code: REVISION_CHANGED });
    }
    const free = Array.from({ length: MAX_API_KEYS }, (_, i) => i).filter((i) => !taken.has(apiKeySlotSk(i)));
    if (free.length === 0) throw tooMany();
    const slot = free[randomInt(free.length)]!;
    const item = withIntegrity(ApiKeyCredential, {
      name: input.name,
      prefix: `fv_key_…${id.slice(0, 6)}`,
      secretHash,
      scopes: [...new Set(input.scopes)],
      revision: user.tokenRevision,
      slot,
      createdAt: iso(deps.now()),
      keyExpiresAt: input.expiresAt ? iso(Date.parse(input.expiresAt)) : null,
      lastUsedAt: null,
      // The creator's active workspace: the only one the key acts on.
      workspaceId: actor.tenant?.id ?? actor.userId,
    });
    try {
      // The user check fails the create if revoke-all bumped the revision since it was read.
      await deps.repo
        .tx(tenant)
        .check(UserEntity, USER_SK, { expectedVersion: user.version })
        .create(ApiKeySlotEntity, apiKeySlotSk(slot), { keyId: id })
        .create(ApiKeyEntity, apiKeySk(id), item)
        .commit();
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'conflict' && attempt < CREATE_ATTEMPTS) {
        await new Promise((r) => setTimeout(r, randomInt(5, 25 * Math.min(attempt, 4))));
        continue;
      }
      throw err;
    }
    await auditEvent(deps, tenant, actor.tier, ctx, 'auth.api-key.created', `user#${actor.userId}`, { apiKeyId: id, scopes: item.scopes });
    return { apiKey: view(apiKeySk(id), item), secret: token };
  }
}

/** Deletes a key and gives its slot back, in one transaction. */
async function removeApiKey(deps: IdentityDeps, userId: string, key: { sk: string; slot?: number }): Promise<void> {
  const tx = deps.repo.tx(userTenant(userId)).delete(ApiKeyEntity, key.sk);
  // Keys from before the cap's slots hold none.
  if (typeof key.slot === 'number') tx.delete(ApiKeySlotEntity, apiKeySlotSk(key.slot));
  await tx.commit();
}

export async function deleteApiKey(deps: IdentityDeps, actor: { userId: string; tier: Tier }, id: string, ctx: RequestContext) {
  const tenant = userTenant(actor.userId);
  const key = await deps.repo.get(tenant, ApiKeyEntity, apiKeySk(id));
  if (!key) throw notFound('API key');
  try {
    await removeApiKey(deps, actor.userId, key);
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'conflict') throw notFound('API key');
    throw err;
  }
  await auditEvent(deps, tenant, actor.tier, ctx, 'auth.api-key.deleted', `user#${actor.userId}`, { apiKeyId: id });
}

/**
 * The calling API key deletes itself (the CLI's logout): the same delete, slot and audit as
 * deleteApiKey, the key named by the credential itself. A session has no key to end: 400.
 */
export async function deleteCallingApiKey(
  deps: IdentityDeps,
  caller: { userId: string; tier: Tier; credential: 'session' | 'api-key'; credentialId: string },
  ctx: RequestContext,
) {
  if (caller.credential !== 'api-key') {
    throw new DomainError('invalid', 'Only an API key can end itself here; a session signs out with POST /api/v1/auth/logout', { code: 'not-an-api-key' });
  }
  await deleteApiKey(deps, caller, caller.credentialId, ctx);
}

/**
 * Removes every key item of the user (after a token revision bump, which
 * already ended them); returns how many.
 */
export async function removeAllApiKeys(deps: IdentityDeps, userId: string): Promise<number> {
  const tenant = userTenant(userId);
  const keys: { sk: string; slot?: number }[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.repo.query(tenant, ApiKeyEntity, { limit: 100, cursor, consistent: true });
    keys.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  await Promise.all(
    keys.map((k) =>
      removeApiKey(deps, userId, k).catch((err: unknown) => {
        if (!(err instanceof DomainError && err.kind === 'conflict')) throw err; // deleted concurrently: fine
      }),
    ),
  );
  return keys.length;
}

/** Last-used is written at most once a minute per key. */
export async function touchApiKey(deps: IdentityDeps, userId: string, key: { sk: string; version: number; lastUsedAt: string | null }) {
  if (key.lastUsedAt && deps.now() - Date.parse(key.lastUsedAt) < 60_000) return;
  await deps.repo
    .update(userTenant(userId), ApiKeyEntity, key.sk, { lastUsedAt: iso(deps.now()) }, { expectedVersion: key.version })
    .catch(() => undefined);
}
