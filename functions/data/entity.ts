/**
 * Entity definitions: which attributes of an item are encrypted, declaratively.
 *
 *   const VaultEntry = defineEntity<{ key: string; value: unknown }>({
 *     name: 'vault', skPrefix: 'VAULT#', encrypted: ['value'],
 *   });
 *
 * Encrypted attributes hold any JSON value; it is serialised, sealed with the
 * tenant's current DEK (functions/crypto/field.ts) and stored as an `fv1.` string.
 * Plain attributes must never hold secrets or personal data.
 *
 * Public API:
 *   defineEntity<T>({ name, skPrefix, encrypted }): Entity<T>
 *   sealAttributes(keyring, tenant, entity, { pk, sk }, attrs): Promise<Record<string, unknown>>
 *   openAttributes(keyring, tenant, entity, rawItem): Promise<Record<string, unknown>>   // throws DecryptionError/KeyNotFoundError
 *   RESERVED_ATTRIBUTES: pk, sk, _e, version, gsi1pk, gsi1sk, ttl
 */
import type { Keyring } from '../crypto/keyring';
import { openField, sealField, sealedVersion, type DataKey } from '../crypto/field';
import { DecryptionError } from '../crypto/errors';
import type { Tenant } from '../tenancy/tenant';

export interface Entity<T extends object> {
  /** Stored as `_e`; unique across the table. */
  readonly name: string;
  /** Every sort key of this entity starts with it (e.g. `VAULT#`). */
  readonly skPrefix: string;
  readonly encrypted: readonly (keyof T & string)[];
  /** Type carrier only. */
  readonly __type?: T;
}

/** Any entity, for helpers that only need the definition. */
export interface AnyEntity {
  readonly name: string;
  readonly skPrefix: string;
  readonly encrypted: readonly string[];
}

export const RESERVED_ATTRIBUTES = new Set(['pk', 'sk', '_e', 'version', 'gsi1pk', 'gsi1sk', 'ttl']);

export function defineEntity<T extends object>(def: {
  name: string;
  skPrefix: string;
  encrypted: readonly (keyof T & string)[];
}): Entity<T> {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(def.name)) throw new TypeError(`entity name "${def.name}" invalid`);
  if (!/^[A-Z][A-Z0-9_-]*#$/.test(def.skPrefix)) throw new TypeError(`entity ${def.name}: skPrefix must look like "FOO#"`);
  for (const a of def.encrypted) {
    if (RESERVED_ATTRIBUTES.has(a)) throw new TypeError(`entity ${def.name}: "${a}" is reserved`);
  }
  return Object.freeze({ ...def, encrypted: Object.freeze([...def.encrypted]) });
}

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** Seal the entity's encrypted attributes (others pass through). `dek` defaults to the tenant's current key. */
export async function sealAttributes(
  keyring: Pick<Keyring, 'current'>,
  tenant: Tenant,
  entity: AnyEntity,
  key: ItemKey,
  attrs: Record<string, unknown>,
  dek?: DataKey,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { ...attrs };
  const enc = entity.encrypted;
  if (!enc.some((a) => attrs[a] !== undefined)) return out;
  const k = dek ?? (await keyring.current(tenant));
  for (const a of enc) {
    if (attrs[a] === undefined) continue;
    out[a] = sealField(k, { tenant, pk: key.pk, sk: key.sk, attribute: a }, JSON.stringify(attrs[a]));
  }
  return out;
}

export async function openAttributes(
  keyring: Pick<Keyring, 'get'>,
  tenant: Tenant,
  entity: AnyEntity,
  raw: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { ...raw };
  const pk = raw.pk as string;
  const sk = raw.sk as string;
  for (const a of entity.encrypted) {
    const v = raw[a];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new DecryptionError(`attribute "${a}" is not a ciphertext`, { attribute: a, sk });
    const dek = await keyring.get(tenant, sealedVersion(v));
    const plain = openField(dek, { tenant, pk, sk, attribute: a }, v);
    out[a] = JSON.parse(plain.toString('utf8'));
  }
  return out;
}
