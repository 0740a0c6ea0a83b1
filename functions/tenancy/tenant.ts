/**
 * Tenant: the unit of isolation and of encryption (one DEK chain per tenant).
 * A branded type: only `userTenant` / `workspaceTenant` (after validating the
 * id) make one, so a repository call without a real tenant is a type error.
 *
 *   type Tenant = { kind: 'user' | 'workspace'; id: string } & brand
 *   userTenant(id): Tenant; workspaceTenant(id): Tenant
 *   tenantKey(t)  -> 'user#<id>' | 'workspace#<id>'   (KMS EncryptionContext value)
 *   tenantPk(t)   -> 'T#user#<id>'                     (partition key of every tenant item)
 *   parseTenantKey('user#abc') -> Tenant
 */
declare const tenantBrand: unique symbol;

export type TenantKind = 'user' | 'workspace';

export interface Tenant {
  readonly kind: TenantKind;
  readonly id: string;
  readonly [tenantBrand]: true;
}

/** Ids are opaque, URL-safe and never contain `#` (the key separator). */
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

function make(kind: TenantKind, id: string): Tenant {
  if (!ID_RE.test(id)) throw new TypeError(`invalid ${kind} tenant id`);
  return Object.freeze({ kind, id }) as Tenant;
}

export const userTenant = (id: string): Tenant => make('user', id);
export const workspaceTenant = (id: string): Tenant => make('workspace', id);

export function tenantKey(t: Tenant): string {
  return `${t.kind}#${t.id}`;
}

/** Partition key of every item that belongs to the tenant. */
export function tenantPk(t: Tenant): string {
  return `T#${tenantKey(t)}`;
}

export function parseTenantKey(key: string): Tenant {
  const i = key.indexOf('#');
  const kind = key.slice(0, i);
  if (kind !== 'user' && kind !== 'workspace') throw new TypeError('invalid tenant key');
  return make(kind, key.slice(i + 1));
}
