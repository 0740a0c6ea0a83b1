/**
 * Every DynamoDB request the repository writes with, built in one place for
 * single writes and transactions alike: sealed items under the tenant's
 * partition, optimistic-version and entity conditions, global guard items.
 * Builders only (plus sealing and opening); nothing is sent from here.
 */
import type { Keyring } from '../crypto/keyring';
import { tenantKey, tenantPk, type Tenant } from '../tenancy/tenant';
import { openAttributes, RESERVED_ATTRIBUTES, sealAttributes, type AnyEntity, type Entity } from './entity';

export type Stored<T> = T & {
  readonly sk: string;
  readonly version: number;
  readonly gsi1pk?: string;
  readonly gsi1sk?: string;
  readonly ttl?: number;
};

export interface WriteOptions {
  /** Tenant-scoped GSI key: stored gsi1pk = `T#<tenant>#<pk>`. */
  readonly gsi1?: { readonly pk: string; readonly sk: string };
  /** Epoch seconds in the table's TTL attribute `ttl`; DynamoDB deletes the item after it (reads treat it as gone at once). */
  readonly ttl?: number;
}

const GLOBAL_PK_RE = /^(?!T#)[A-Z][A-Z0-9_-]*#[A-Za-z0-9_#=.-]{1,256}$/;
const MAX_SK = 512;

export function checkSk(entity: AnyEntity, sk: string): void {
  if (typeof sk !== 'string' || !sk.startsWith(entity.skPrefix) || sk.length > MAX_SK) {
    throw new TypeError(`sort key for ${entity.name} must start with ${entity.skPrefix}`);
  }
}

function checkAttrs(attrs: object): void {
  for (const k of Object.keys(attrs)) if (RESERVED_ATTRIBUTES.has(k)) throw new TypeError(`attribute "${k}" is reserved`);
}

export function checkGlobalPk(pk: string): void {
  if (!GLOBAL_PK_RE.test(pk)) throw new TypeError('global items need a non-tenant pk like EMAIL#<index>');
}

function names(attrs: string[]): Record<string, string> {
  return Object.fromEntries(attrs.map((a, i) => [`#a${i}`, a]));
}

/** The system attributes of a written item that a `Stored<T>` shows. */
export function pickSys(item: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  for (const k of ['gsi1pk', 'gsi1sk', 'ttl']) if (item[k] !== undefined) out[k] = item[k];
  return out;
}

const entityCondition = (entity: AnyEntity, expectedVersion?: number) => {
  const versioned = expectedVersion !== undefined;
  return {
    ConditionExpression: `attribute_exists(pk) AND #e = :entity${versioned ? ' AND #version = :expected' : ''}`,
    ExpressionAttributeNames: { '#e': '_e', ...(versioned ? { '#version': 'version' } : {}) },
    ExpressionAttributeValues: { ':entity': entity.name, ...(versioned ? { ':expected': expectedVersion } : {}) },
  };
};

export type ItemWrites = ReturnType<typeof createItemWrites>;

export function createItemWrites(tableName: string, keyring: Keyring, now: () => number) {
  const TableName = tableName;

  async function item<T extends object>(tenant: Tenant, entity: Entity<T>, sk: string, attrs: T, version: number, opts: WriteOptions) {
    checkSk(entity, sk);
    checkAttrs(attrs);
    const pk = tenantPk(tenant);
    const sealed = await sealAttributes(keyring, tenant, entity, { pk, sk }, attrs as Record<string, unknown>);
    return {
      ...sealed,
      pk,
      sk,
      _e: entity.name,
      version,
      ...(opts.gsi1 ? { gsi1pk: `${pk}#${opts.gsi1.pk}`, gsi1sk: opts.gsi1.sk } : {}),
      ...(opts.ttl !== undefined ? { ttl: opts.ttl } : {}),
    };
  }

  return {
    async open<T extends object>(tenant: Tenant, entity: Entity<T>, raw: Record<string, unknown>) {
      const out = await openAttributes(keyring, tenant, entity, raw);
      delete out.pk;
      delete out._e;
      return out as Stored<T>;
    },

    /**
     * Put of a new item (version 1); fails if the key holds a live item. An expired item
     * (TTL passed, not yet removed by DynamoDB) reads as absent, so it may be replaced.
     */
    async create<T extends object>(tenant: Tenant, entity: Entity<T>, sk: string, attrs: T, opts: WriteOptions = {}) {
      return {
        TableName,
        Item: await item(tenant, entity, sk, attrs, 1, opts),
        ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':now': now() / 1000 },
      };
    },

    /** Put replacing the item at `expectedVersion` of the same entity. */
    async put<T extends object>(tenant: Tenant, entity: Entity<T>, sk: string, attrs: T, opts: WriteOptions & { expectedVersion: number }) {
      return {
        TableName,
        Item: await item(tenant, entity, sk, attrs, opts.expectedVersion + 1, opts),
        ConditionExpression: '#version = :expected AND #e = :entity',
        ExpressionAttributeNames: { '#version': 'version', '#e': '_e' },
        ExpressionAttributeValues: { ':expected': opts.expectedVersion, ':entity': entity.name },
      };
    },

    /** Update of the named attributes (undefined → REMOVE) at `expectedVersion`. */
    async update<T extends object>(tenant: Tenant, entity: Entity<T>, sk: string, patch: Partial<T>, expectedVersion: number) {
      checkSk(entity, sk);
      checkAttrs(patch);
      const pk = tenantPk(tenant);
      const sealed = await sealAttributes(keyring, tenant, entity, { pk, sk }, patch as Record<string, unknown>);
      const keys = Object.keys(patch);
      const values: Record<string, unknown> = { ':expected': expectedVersion, ':next': expectedVersion + 1 };
      const sets = ['#version = :next'];
      const removes: string[] = [];
      keys.forEach((k, i) => {
        if (sealed[k] === undefined) {
          removes.push(`#a${i}`);
        } else {
          values[`:v${i}`] = sealed[k];
          sets.push(`#a${i} = :v${i}`);
        }
      });
      return {
        TableName,
        Key: { pk, sk },
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_exists(pk) AND #version = :expected AND #e = :entity',
        ExpressionAttributeNames: { ...names(keys), '#version': 'version', '#e': '_e' },
        ExpressionAttributeValues: { ...values, ':entity': entity.name },
      };
    },

    /** Delete of an existing item of the entity (at `expectedVersion` when given). */
    delete(tenant: Tenant, entity: AnyEntity, sk: string, expectedVersion?: number) {
      checkSk(entity, sk);
      return { TableName, Key: { pk: tenantPk(tenant), sk }, ...entityCondition(entity, expectedVersion) };
    },

    /**
     * Atomic counters of a plain entity (created when absent): ADD each `counters` delta, SET
     * `set`. No version guard, so concurrent adds to one item all land. `atMost` caps one
     * counter: the add fails its condition when it would carry the counter past `max`
     * (DynamoDB has no arithmetic in conditions: compared with `max - delta` instead).
     */
    add(tenant: Tenant, entity: AnyEntity, sk: string, counters: Record<string, number>, opts: { set?: Record<string, string | number | boolean>; atMost?: { counter: string; max: number } } = {}) {
      checkSk(entity, sk);
      const set = opts.set ?? {};
      const attrs = [...Object.keys(counters), ...Object.keys(set)];
      checkAttrs(Object.fromEntries(attrs.map((a) => [a, true])));
      if (attrs.some((a) => entity.encrypted.includes(a))) throw new TypeError(`entity ${entity.name}: counters and their set attributes are plain`);
      const names = Object.fromEntries(attrs.map((a, i) => [`#a${i}`, a]));
      const values: Record<string, unknown> = { ':entity': entity.name, ':one': 1 };
      const adds = ['#version :one'];
      const sets = ['#e = :entity'];
      attrs.forEach((a, i) => {
        const v = a in counters ? counters[a] : set[a];
        values[`:v${i}`] = v;
        (a in counters ? adds : sets).push(a in counters ? `#a${i} :v${i}` : `#a${i} = :v${i}`);
      });
      let condition = '(attribute_not_exists(pk) OR #e = :entity)';
      if (opts.atMost) {
        const delta = counters[opts.atMost.counter];
        if (delta === undefined) throw new TypeError(`atMost names ${opts.atMost.counter}, which is not a counter of this add`);
        names['#cap'] = opts.atMost.counter;
        values[':room'] = opts.atMost.max - delta;
        // An absent counter counts as 0: it passes when the delta alone fits.
        condition += ` AND (${delta <= opts.atMost.max ? 'attribute_not_exists(#cap) OR ' : ''}#cap <= :room)`;
      }
      return {
        TableName,
        Key: { pk: tenantPk(tenant), sk },
        UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: { ...names, '#e': '_e', '#version': 'version' },
        ExpressionAttributeValues: values,
      };
    },

    /** Condition on another item of the tenant: it exists at a version, or it does not exist. */
    check(tenant: Tenant, entity: AnyEntity, sk: string, cond: { expectedVersion: number } | { absent: true }) {
      checkSk(entity, sk);
      const Key = { pk: tenantPk(tenant), sk };
      return 'absent' in cond
        ? { TableName, Key, ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            TableName,
            Key,
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': cond.expectedVersion },
          };
    },

    /** A unique guard / pointer the tenant owns, e.g. `EMAIL#<blind index>`. */
    createGlobal(tenant: Tenant, gpk: string, sk: string, attrs: Record<string, string | number | boolean>) {
      checkGlobalPk(gpk);
      checkAttrs(attrs);
      return { TableName, Item: { ...attrs, pk: gpk, sk, _e: 'global', tenant: tenantKey(tenant) }, ConditionExpression: 'attribute_not_exists(pk)' };
    },

    /** Release of a guard the tenant owns (another tenant's guard fails the condition). */
    deleteGlobal(tenant: Tenant, gpk: string, sk: string) {
      checkGlobalPk(gpk);
      return { TableName, Key: { pk: gpk, sk }, ConditionExpression: 'tenant = :t', ExpressionAttributeValues: { ':t': tenantKey(tenant) } };
    },
  };
}
