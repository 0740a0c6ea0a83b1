/**
 * Tenant-scoped repository over the single table (see docs/data-model.md).
 *
 * Every method takes a branded `Tenant` first; the partition key is always
 * `T#<tenant>` and is put into every key and key condition here, never by
 * callers (callers pass only the sort key). Encrypted attributes are sealed on
 * write and opened on read (entity definitions say which). Items carry a
 * `version` (optimistic concurrency) and `_e` (entity name).
 *
 * Public API (createRepository({ table, keyring, cursors, now? })):
 *   get(tenant, entity, sk, { consistent? })            -> Stored<T> | undefined   (expired = absent)
 *   create(tenant, entity, sk, attrs, { gsi1?, ttl? })     -> Stored<T>  (ConflictError 'exists')
 *   put(tenant, entity, sk, attrs, { expectedVersion, gsi1?, ttl? }) -> Stored<T>  (ConflictError 'version')
 *   update(tenant, entity, sk, patch, { expectedVersion })      -> Stored<T>  (undefined in patch = REMOVE)
 *   delete(tenant, entity, sk, { expectedVersion? })             -> void       (ConflictError 'missing'|'version')
 *   query(tenant, entity, { skPrefix?, gsi1?: { pk, skPrefix? }, limit?, cursor?, descending?, consistent? })
 *                                                        -> { items: Stored<T>[]; cursor?: string }  (InvalidCursorError)
 *   tx(tenant) -> { create, put, update, delete, check, createGlobal, deleteGlobal, commit(): Promise<void> }
 *   getGlobal(pk, sk)                                    -> GlobalItem | undefined
 *
 * gsi1: `gsi1.pk` is a tenant-relative suffix; the stored value is `T#<tenant>#<suffix>`,
 * so GSI queries are tenant-scoped too. Global items (`EMAIL#<blind index>`, ...) hold no
 * encrypted or personal data, only the owning tenant key and plain pointers.
 * `ttl` is the table's TTL attribute (epoch seconds).
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Keyring } from '../crypto/keyring';
import { tenantKey, tenantPk, type Tenant } from '../tenancy/tenant';
import type { CursorCodec } from '../crypto/cursor';
import { openAttributes, RESERVED_ATTRIBUTES, sealAttributes, type AnyEntity, type Entity } from './entity';
import { ConflictError } from './errors';
import { isConditionalCheckFailed, isTransactionCanceled, type TableRef } from '../aws/table';

export type Stored<T> = T & {
  readonly sk: string;
  readonly version: number;
  readonly gsi1pk?: string;
  readonly gsi1sk?: string;
  readonly ttl?: number;
};

export interface Page<T> {
  readonly items: Stored<T>[];
  /** Present when more items may follow; pass back as `cursor`. */
  readonly cursor?: string;
}

export interface WriteOptions {
  /** Tenant-scoped GSI key: stored gsi1pk = `T#<tenant>#<pk>`. */
  readonly gsi1?: { readonly pk: string; readonly sk: string };
  /** Epoch seconds in the table's TTL attribute `ttl`; DynamoDB deletes the item after it (reads treat it as gone at once). */
  readonly ttl?: number;
}

export interface QueryOptions {
  readonly skPrefix?: string;
  readonly gsi1?: { readonly pk: string; readonly skPrefix?: string };
  /** 1..1000. @default 50 */
  readonly limit?: number;
  readonly cursor?: string;
  readonly descending?: boolean;
  readonly consistent?: boolean;
}

export interface GlobalItem {
  readonly pk: string;
  readonly sk: string;
  /** Owning tenant key (`user#<id>`). */
  readonly tenant: string;
  readonly [attr: string]: unknown;
}

export interface RepositoryDeps {
  readonly table: TableRef;
  readonly keyring: Keyring;
  readonly cursors: CursorCodec;
  /** Milliseconds clock. @default Date.now */
  readonly now?: () => number;
}

const GLOBAL_PK_RE = /^(?!T#)[A-Z][A-Z0-9_-]*#[A-Za-z0-9_#=.-]{1,256}$/;
const MAX_SK = 512;

function checkSk(entity: AnyEntity, sk: string): void {
  if (typeof sk !== 'string' || !sk.startsWith(entity.skPrefix) || sk.length > MAX_SK) {
    throw new TypeError(`sort key for ${entity.name} must start with ${entity.skPrefix}`);
  }
}

function checkAttrs(attrs: object): void {
  for (const k of Object.keys(attrs)) if (RESERVED_ATTRIBUTES.has(k)) throw new TypeError(`attribute "${k}" is reserved`);
}

function checkGlobalPk(pk: string): void {
  if (!GLOBAL_PK_RE.test(pk)) throw new TypeError('global items need a non-tenant pk like EMAIL#<index>');
}

function names(attrs: string[]): Record<string, string> {
  return Object.fromEntries(attrs.map((a, i) => [`#a${i}`, a]));
}

export type Repository = ReturnType<typeof createRepository>;

export function createRepository(deps: RepositoryDeps) {
  const { table, keyring, cursors } = deps;
  const now = deps.now ?? Date.now;
  const T = table.name;

  const expired = (raw: Record<string, unknown>) =>
    typeof raw.ttl === 'number' && raw.ttl * 1000 <= now();

  async function open<T extends object>(tenant: Tenant, entity: Entity<T>, raw: Record<string, unknown>) {
    const out = await openAttributes(keyring, tenant, entity, raw);
    delete out.pk;
    delete out._e;
    return out as Stored<T>;
  }

  async function buildItem<T extends object>(
    tenant: Tenant,
    entity: Entity<T>,
    sk: string,
    attrs: T,
    version: number,
    opts: WriteOptions,
  ) {
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

  async function buildUpdate<T extends object>(
    tenant: Tenant,
    entity: Entity<T>,
    sk: string,
    patch: Partial<T>,
    expectedVersion: number,
  ) {
    checkSk(entity, sk);
    checkAttrs(patch);
    const pk = tenantPk(tenant);
    const sealed = await sealAttributes(keyring, tenant, entity, { pk, sk }, patch as Record<string, unknown>);
    const keys = Object.keys(patch);
    const set = keys.filter((k) => sealed[k] !== undefined);
    const remove = keys.filter((k) => sealed[k] === undefined);
    const n = names(keys);
    const values: Record<string, unknown> = { ':expected': expectedVersion, ':next': expectedVersion + 1 };
    const sets = ['#version = :next'];
    keys.forEach((k, i) => {
      if (set.includes(k)) {
        values[`:v${i}`] = sealed[k];
        sets.push(`#a${i} = :v${i}`);
      }
    });
    const removes = keys.map((k, i) => (remove.includes(k) ? `#a${i}` : '')).filter(Boolean);
    return {
      TableName: T,
      Key: { pk, sk },
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: 'attribute_exists(pk) AND #version = :expected AND #e = :entity',
      ExpressionAttributeNames: { ...n, '#version': 'version', '#e': '_e' },
      ExpressionAttributeValues: { ...values, ':entity': entity.name },
    };
  }

  function queryId(entity: AnyEntity, o: QueryOptions): string {
    return JSON.stringify([entity.name, o.gsi1 ? ['gsi1', o.gsi1.pk, o.gsi1.skPrefix ?? ''] : ['table', o.skPrefix ?? ''], !!o.descending]);
  }

  const repo = {
    async get<T extends object>(tenant: Tenant, entity: Entity<T>, sk: string, opts: { consistent?: boolean } = {}) {
      checkSk(entity, sk);
      const out = await table.doc.send(
        new GetCommand({ TableName: T, Key: { pk: tenantPk(tenant), sk }, ConsistentRead: opts.consistent ?? true }),
      );
      const raw = out.Item;
      if (!raw || raw._e !== entity.name || expired(raw)) return undefined;
      return open(tenant, entity, raw);
    },

    async create<T extends object>(tenant: Tenant, entity: Entity<T>, sk: string, attrs: T, opts: WriteOptions = {}) {
      const item = await buildItem(tenant, entity, sk, attrs, 1, opts);
      try {
        await table.doc.send(new PutCommand({ TableName: T, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      } catch (err) {
        if (isConditionalCheckFailed(err)) throw new ConflictError('The resource already exists', 'exists');
        throw err;
      }
      return { ...attrs, sk, version: 1, ...pickSys(item) } as Stored<T>;
    },

    async put<T extends object>(
      tenant: Tenant,
      entity: Entity<T>,
      sk: string,
      attrs: T,
      opts: WriteOptions & { expectedVersion: number },
    ) {
      const item = await buildItem(tenant, entity, sk, attrs, opts.expectedVersion + 1, opts);
      try {
        await table.doc.send(
          new PutCommand({
            TableName: T,
            Item: item,
            ConditionExpression: '#version = :expected AND #e = :entity',
            ExpressionAttributeNames: { '#version': 'version', '#e': '_e' },
            ExpressionAttributeValues: { ':expected': opts.expectedVersion, ':entity': entity.name },
          }),
        );
      } catch (err) {
        if (isConditionalCheckFailed(err)) throw new ConflictError('The resource was changed by someone else', 'version');
        throw err;
      }
      return { ...attrs, sk, version: item.version, ...pickSys(item) } as Stored<T>;
    },

    async update<T extends object>(
      tenant: Tenant,
      entity: Entity<T>,
      sk: string,
      patch: Partial<T>,
      opts: { expectedVersion: number },
    ) {
      const input = await buildUpdate(tenant, entity, sk, patch, opts.expectedVersion);
      try {
        const out = await table.doc.send(new UpdateCommand({ ...input, ReturnValues: 'ALL_NEW' }));
        return open(tenant, entity, out.Attributes ?? {});
      } catch (err) {
        if (isConditionalCheckFailed(err)) throw new ConflictError('The resource was changed by someone else', 'version');
        throw err;
      }
    },

    async delete<T extends object>(tenant: Tenant, entity: Entity<T>, sk: string, opts: { expectedVersion?: number } = {}) {
      checkSk(entity, sk);
      const versioned = opts.expectedVersion !== undefined;
      try {
        await table.doc.send(
          new DeleteCommand({
            TableName: T,
            Key: { pk: tenantPk(tenant), sk },
            ConditionExpression: `attribute_exists(pk) AND #e = :entity${versioned ? ' AND #version = :expected' : ''}`,
            ExpressionAttributeNames: { '#e': '_e', ...(versioned ? { '#version': 'version' } : {}) },
            ExpressionAttributeValues: { ':entity': entity.name, ...(versioned ? { ':expected': opts.expectedVersion } : {}) },
          }),
        );
      } catch (err) {
        if (isConditionalCheckFailed(err)) {
          throw new ConflictError('The resource is absent or was changed', versioned ? 'version' : 'missing');
        }
        throw err;
      }
    },

    async query<T extends object>(tenant: Tenant, entity: Entity<T>, o: QueryOptions = {}): Promise<Page<T>> {
      const limit = Math.min(Math.max(Math.trunc(o.limit ?? 50), 1), 1000);
      const pk = tenantPk(tenant);
      const qid = queryId(entity, o);
      const start = o.cursor === undefined ? undefined : await cursors.decode(tenant, qid, o.cursor);
      const input = o.gsi1
        ? {
            IndexName: 'gsi1',
            KeyConditionExpression: o.gsi1.skPrefix ? 'gsi1pk = :pk AND begins_with(gsi1sk, :p)' : 'gsi1pk = :pk',
            ExpressionAttributeValues: {
              ':pk': `${pk}#${o.gsi1.pk}`,
              ...(o.gsi1.skPrefix ? { ':p': o.gsi1.skPrefix } : {}),
            },
          }
        : {
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
            ExpressionAttributeValues: { ':pk': pk, ':p': o.skPrefix ?? entity.skPrefix },
            ConsistentRead: o.consistent ?? false,
          };
      if (!o.gsi1 && o.skPrefix !== undefined && !o.skPrefix.startsWith(entity.skPrefix)) {
        throw new TypeError(`skPrefix must start with ${entity.skPrefix}`);
      }
      const out = await table.doc.send(
        new QueryCommand({ TableName: T, ...input, Limit: limit, ScanIndexForward: !o.descending, ExclusiveStartKey: start }),
      );
      const items: Stored<T>[] = [];
      for (const raw of out.Items ?? []) {
        if (raw._e !== entity.name || expired(raw) || raw.pk !== pk) continue;
        items.push(await open(tenant, entity, raw));
      }
      const cursor = out.LastEvaluatedKey ? await cursors.encode(tenant, qid, out.LastEvaluatedKey) : undefined;
      return { items, cursor };
    },

    async getGlobal(pk: string, sk: string): Promise<GlobalItem | undefined> {
      checkGlobalPk(pk);
      const out = await table.doc.send(new GetCommand({ TableName: T, Key: { pk, sk }, ConsistentRead: true }));
      return out.Item as GlobalItem | undefined;
    },

    /** A transaction of up to 100 writes for one tenant (plus global guard items it owns). */
    tx(tenant: Tenant) {
      type Built = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
      const pending: (() => Promise<Built>)[] = [];
      const reasons: ConflictError['reason'][] = [];
      const pk = tenantPk(tenant);
      const b = {
        create<T extends object>(entity: Entity<T>, sk: string, attrs: T, opts: WriteOptions = {}) {
          reasons.push('exists');
          pending.push(async () => ({
            Put: { TableName: T, Item: await buildItem(tenant, entity, sk, attrs, 1, opts), ConditionExpression: 'attribute_not_exists(pk)' },
          }));
          return b;
        },
        put<T extends object>(entity: Entity<T>, sk: string, attrs: T, opts: WriteOptions & { expectedVersion: number }) {
          reasons.push('version');
          pending.push(async () => ({
            Put: {
              TableName: T,
              Item: await buildItem(tenant, entity, sk, attrs, opts.expectedVersion + 1, opts),
              ConditionExpression: '#version = :expected AND #e = :entity',
              ExpressionAttributeNames: { '#version': 'version', '#e': '_e' },
              ExpressionAttributeValues: { ':expected': opts.expectedVersion, ':entity': entity.name },
            },
          }));
          return b;
        },
        update<T extends object>(entity: Entity<T>, sk: string, patch: Partial<T>, opts: { expectedVersion: number }) {
          reasons.push('version');
          pending.push(async () => ({ Update: await buildUpdate(tenant, entity, sk, patch, opts.expectedVersion) }));
          return b;
        },
        delete<T extends object>(entity: Entity<T>, sk: string, opts: { expectedVersion?: number } = {}) {
          checkSk(entity, sk);
          const versioned = opts.expectedVersion !== undefined;
          reasons.push(versioned ? 'version' : 'missing');
          pending.push(async () => ({
            Delete: {
              TableName: T,
              Key: { pk, sk },
              ConditionExpression: `attribute_exists(pk) AND #e = :entity${versioned ? ' AND #version = :expected' : ''}`,
              ExpressionAttributeNames: { '#e': '_e', ...(versioned ? { '#version': 'version' } : {}) },
              ExpressionAttributeValues: { ':entity': entity.name, ...(versioned ? { ':expected': opts.expectedVersion } : {}) },
            },
          }));
          return b;
        },
        /** Condition on another item of the tenant: it exists (at a version) or it does not. */
        check<T extends object>(entity: Entity<T>, sk: string, cond: { expectedVersion: number } | { absent: true }) {
          checkSk(entity, sk);
          reasons.push('version');
          pending.push(async () => ({
            ConditionCheck: {
              TableName: T,
              Key: { pk, sk },
              ...('absent' in cond
                ? { ConditionExpression: 'attribute_not_exists(pk)' }
                : {
                    ConditionExpression: '#version = :expected',
                    ExpressionAttributeNames: { '#version': 'version' },
                    ExpressionAttributeValues: { ':expected': cond.expectedVersion },
                  }),
            },
          }));
          return b;
        },
        /** Unique guard / pointer, e.g. `EMAIL#<blind index>`: fails with ConflictError('unique') if taken. */
        createGlobal(gpk: string, sk: string, attrs: Record<string, string | number | boolean> = {}) {
          checkGlobalPk(gpk);
          checkAttrs(attrs);
          reasons.push('unique');
          pending.push(async () => ({
            Put: {
              TableName: T,
              Item: { ...attrs, pk: gpk, sk, _e: 'global', tenant: tenantKey(tenant) },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          }));
          return b;
        },
        /** Release a guard the tenant owns (another tenant's guard → ConflictError). */
        deleteGlobal(gpk: string, sk: string) {
          checkGlobalPk(gpk);
          reasons.push('missing');
          pending.push(async () => ({
            Delete: {
              TableName: T,
              Key: { pk: gpk, sk },
              ConditionExpression: 'tenant = :t',
              ExpressionAttributeValues: { ':t': tenantKey(tenant) },
            },
          }));
          return b;
        },
        async commit(): Promise<void> {
          if (pending.length === 0) return;
          if (pending.length > 100) throw new TypeError('a transaction holds at most 100 writes');
          const TransactItems = await Promise.all(pending.map((p) => p()));
          try {
            await table.doc.send(new TransactWriteCommand({ TransactItems }));
          } catch (err) {
            if (isTransactionCanceled(err)) {
              const i = (err.CancellationReasons ?? []).findIndex((r) => r.Code === 'ConditionalCheckFailed');
              if (i >= 0) throw new ConflictError('A condition of the transaction failed', reasons[i] ?? 'transaction');
              if ((err.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict')) {
                throw new ConflictError('A concurrent transaction touched the same items', 'transaction');
              }
            }
            throw err;
          }
        },
      };
      return b;
    },
  };
  return repo;
}

function pickSys(item: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  for (const k of ['gsi1pk', 'gsi1sk', 'ttl']) if (item[k] !== undefined) out[k] = item[k];
  return out;
}
