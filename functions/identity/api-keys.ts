/** API keys: shown once, stored as a hash, limited to scopes, optionally expiring. */
import { userTenant } from '../crypto/tenant';
import { DomainError, notFound } from '../errors';
import type { Scope } from '../http/route';
import type { Tier } from '../tiers';
import { auditEvent, iso, type IdentityDeps, type RequestContext } from './deps';
import { ApiKeyEntity, apiKeySk, type ApiKeyItem } from './entities';
import { mintToken, newId } from './tokens';

const MAX_KEYS = 50;

function view(sk: string, k: ApiKeyItem) {
  return {
    id: sk.slice('APIKEY#'.length),
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    createdAt: k.createdAt,
    expiresAt: k.keyExpiresAt,
    lastUsedAt: k.lastUsedAt,
  };
}

export async function listApiKeys(deps: IdentityDeps, userId: string) {
  const page = await deps.repo.query(userTenant(userId), ApiKeyEntity, { limit: MAX_KEYS, consistent: true });
  return page.items.map((k) => view(k.sk, k)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export async function createApiKey(
  deps: IdentityDeps,
  actor: { userId: string; tier: Tier },
  input: { name: string; scopes: Scope[]; expiresAt?: string },
  ctx: RequestContext,
) {
  const tenant = userTenant(actor.userId);
  if (input.expiresAt && Date.parse(input.expiresAt) <= deps.now()) {
    throw new DomainError('invalid', 'The expiry must be in the future', {
      fields: [{ in: 'body', field: 'expiresAt', message: 'must be in the future', code: 'past' }],
    });
  }
  if ((await listApiKeys(deps, actor.userId)).length >= MAX_KEYS) {
    throw new DomainError('limit-exceeded', `At most ${MAX_KEYS} API keys`, { code: 'too-many-api-keys', extra: { limit: MAX_KEYS } });
  }
  const id = newId();
  const { token, secretHash } = mintToken('apiKey', actor.userId, id);
  const item: ApiKeyItem = {
    name: input.name,
    prefix: `fv_key_…${id.slice(0, 6)}`,
    secretHash,
    scopes: [...new Set(input.scopes)],
    createdAt: iso(deps.now()),
    keyExpiresAt: input.expiresAt ? iso(Date.parse(input.expiresAt)) : null,
    lastUsedAt: null,
  };
  await deps.repo.create(tenant, ApiKeyEntity, apiKeySk(id), item);
  await auditEvent(deps, tenant, actor.tier, ctx, 'auth.api-key.created', `user#${actor.userId}`, { apiKeyId: id, scopes: item.scopes });
  return { apiKey: view(apiKeySk(id), item), secret: token };
}

export async function deleteApiKey(deps: IdentityDeps, actor: { userId: string; tier: Tier }, id: string, ctx: RequestContext) {
  const tenant = userTenant(actor.userId);
  try {
    await deps.repo.delete(tenant, ApiKeyEntity, apiKeySk(id));
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'conflict') throw notFound('API key');
    throw err;
  }
  await auditEvent(deps, tenant, actor.tier, ctx, 'auth.api-key.deleted', `user#${actor.userId}`, { apiKeyId: id });
}

/** Last-used is written at most once a minute per key. */
export async function touchApiKey(deps: IdentityDeps, userId: string, key: { sk: string; version: number; lastUsedAt: string | null }) {
  if (key.lastUsedAt && deps.now() - Date.parse(key.lastUsedAt) < 60_000) return;
  await deps.repo
    .update(userTenant(userId), ApiKeyEntity, key.sk, { lastUsedAt: iso(deps.now()) }, { expectedVersion: key.version })
    .catch(() => undefined);
}
