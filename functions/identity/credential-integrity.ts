/**
 * Integrity of credential items: sessions, API keys, reset tokens — every item
 * whose contents grant access. The attributes that grant (secret hash, token
 * revision, scopes, expiry) are digested, and the digest is stored in the
 * encrypted attribute `integrity`: AES-GCM under the tenant's DEK
 * authenticates it and its AAD binds it to the tenant and the item key
 * (functions/crypto/field.ts). Reads require it, so an item written raw into
 * the table, copied to another user or key, or with an edited grant is
 * refused; forging one takes the tenant's DEK, i.e. KMS.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { DecryptionError, KeyNotFoundError } from '../crypto/errors';
import type { Tenant } from '../tenancy/tenant';
import type { Entity } from '../data/entity';
import type { Repository, Stored } from '../data/repository';

export interface WithIntegrity {
  /** Digest of the grant attributes; an encrypted attribute of the entity. */
  integrity: string;
}

export interface CredentialKind<T extends WithIntegrity> {
  readonly entity: Entity<T>;
  /** The attributes that grant access: changing any of them voids the item. */
  readonly grants: readonly (keyof T & string)[];
  /**
   * Grants added after items were first stored: digested (name and value) only when present,
   * so older items keep verifying; absent means the documented default (e.g. the personal workspace).
   */
  readonly optionalGrants: readonly (keyof T & string)[];
}

export function credentialKind<T extends WithIntegrity>(
  entity: Entity<T>,
  grants: readonly (keyof T & string)[],
  optionalGrants: readonly (keyof T & string)[] = [],
): CredentialKind<T> {
  if (!entity.encrypted.includes('integrity')) throw new TypeError(`entity ${entity.name}: "integrity" must be encrypted`);
  return Object.freeze({ entity, grants: Object.freeze([...grants]), optionalGrants: Object.freeze([...optionalGrants]) });
}

function digest<T extends WithIntegrity>(kind: CredentialKind<T>, item: Omit<T, 'integrity'>): string {
  const attrs = item as Record<string, unknown>;
  const values: unknown[] = kind.grants.map((a) => attrs[a] ?? null);
  for (const a of kind.optionalGrants) if (attrs[a] !== undefined && attrs[a] !== null) values.push([a, attrs[a]]);
  return createHash('sha256').update(JSON.stringify([kind.entity.name, ...values]), 'utf8').digest('base64url');
}

/** The attributes to store, with their integrity digest. */
export function withIntegrity<T extends WithIntegrity>(kind: CredentialKind<T>, attrs: Omit<T, 'integrity'>): T {
  return { ...attrs, integrity: digest(kind, attrs) } as T;
}

/** Whether a stored item's grants are the ones its integrity attribute was sealed over. */
export function isAuthentic<T extends WithIntegrity>(kind: CredentialKind<T>, item: T): boolean {
  if (typeof item.integrity !== 'string') return false;
  const a = Buffer.from(digest(kind, item));
  const b = Buffer.from(item.integrity);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Reads a credential item; `undefined` when it is absent or does not
 * authenticate (no or foreign integrity attribute, edited grants), so callers
 * answer exactly as for an unknown credential.
 */
export async function getCredential<T extends WithIntegrity>(
  repo: Pick<Repository, 'get'>,
  tenant: Tenant,
  kind: CredentialKind<T>,
  sk: string,
): Promise<Stored<T> | undefined> {
  let item: Stored<T> | undefined;
  try {
    item = await repo.get(tenant, kind.entity, sk);
  } catch (err) {
    if (err instanceof DecryptionError || err instanceof KeyNotFoundError) return undefined;
    throw err;
  }
  return item && isAuthentic(kind, item) ? item : undefined;
}
