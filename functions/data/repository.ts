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
 *   query(tenant, entity, { skPrefix?, gsi1?: { pk, skPrefix? }, limit?, cursor?, startAfterSk?, descending?, consistent? })
 *                                                        -> { items: Stored<T>[]; cursor?: string }  (InvalidCursorError)
 *   tx(tenant) -> { create, put, update, delete, add (atomic counters), check, createGlobal, deleteGlobal, commit(): Promise<void> }
 *   getGlobal(pk, sk)                                    -> GlobalItem | undefined
 *   getMany([{ tenant, entity, sk }, …])                -> (Stored | undefined)[]  one consistent BatchGetItem (≤ 100 keys, any tenants)
 *
 * gsi1: `gsi1.pk` is a tenant-relative suffix; the stored value is `T#<tenant>#<suffix>`,
 * so GSI queries are tenant-scoped too. Global items (`EMAIL#<blind index>`, ...) hold no
 * encrypted or personal data, only the owning tenant key and plain pointers.
 * `ttl` is the table's TTL attribute (epoch seconds).
 */
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, type TableRef } from '../aws/table';
import type { CursorCodec } from '../crypto/cursor';
import type { Keyring } from '../crypto/keyring';
import { tenantPk, type Tenant } from '../tenancy/tenant';
import type { AnyEntity, Entity } from './entity';
import { ConflictError } from './errors';
import { checkGlobalPk, checkSk, createItemWrites, pickSys, type Stored, type WriteOptions } from './item-writes';
import { createTransaction } from './transaction';

export type { Stored, WriteOptions } from './item-writes';

export interface Page<T> {
  readonly items: Stored<T>[];
  /** Present when more items may follow; pass back as `cursor`. */
  readonly cursor?: string;
}

export interface QueryOptions {
  readonly skPrefix?: string;
  readonly gsi1?: { readonly pk: string; readonly skPrefix?: string };
  /** 1..1000. @default 50 */
  readonly limit?: number;
  readonly cursor?: string;
  /** Table queries without `cursor`: start after this sort key (it need not exist), e.g. a feed's last item. */
  readonly startAfterSk?: string;
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

export type Repository = ReturnType<typeof createRepository>;

/** One read of `getMany`: the entity fixes the item's type and how it is opened. */
export interface ItemRead<T extends object = object> {
  readonly tenant: Tenant;
  readonly entity: Entity<T>;
  readonly sk: string;
}

type ReadResults<R extends readonly ItemRead<any>[]> = { [K in keyof R]: R[K] extends ItemRead<infer T> ? Stored<T> | undefined : never };

/** Rounds for keys DynamoDB leaves unprocessed (throttling) before giving up. */
const BATCH_ROUNDS = 5;

/** Runs a conditional write; a failed condition becomes a ConflictError with `reason`. */
async function conditional<R>(send: () => Promise<R>, message: string, reason: ConflictError['reason']): Promise<R> {
  try {
    return await send();
  } catch (err) {
    if (isConditionalCheckFailed(err)) throw new ConflictError(message, reason);
    throw err;
  }
}

const CHANGED = 'The resource was changed by someone else';

export function createRepository(deps: RepositoryDeps) {
  const { table, keyring, cursors } = deps;
  const now = deps.now ?? Date.now;
  const T = table.name;
  const writes = createItemWrites(T, keyring, now);

  const expired = (raw: Record<string, unknown>) =>
    typeof raw.ttl === 'number' && raw.ttl * 1000 <= now();

  function queryId(entity: AnyEntity, o: QueryOptions): string {
    return JSON.stringify([entity.name, o.gsi1 ? ['gsi1', o.gsi1.pk, o.gsi1.skPrefix ?? ''] : ['table', o.skPrefix ?? ''], !!o.descending]);
  }

  return {
    async get<T extends object>(tenant: Tenant, entity: Entity<T>, sk: string, opts: { consistent?: boolean } = {}) {
      checkSk(entity, sk);
      const out = await table.doc.send(
        new GetCommand({ TableName: T, Key: { pk: tenantPk(tenant), sk }, ConsistentRead: opts.consistent ?? true }),
      );
      const raw = out.Item;
      if (!raw || raw._e !== entity.name || expired(raw)) return undefined;
      return writes.open(tenant, entity, raw);
    },

    /**
     * Several items, possibly of several tenants, in one consistent BatchGetItem (one round
     * trip instead of one per item); each answer is checked and opened exactly as `get` does.
     */
    async getMany<R extends readonly ItemRead<any>[]>(reads: R): Promise<ReadResults<R>> {
      const keyOf = (r: ItemRead) => `${tenantPk(r.tenant)}\u0000${r.sk}`;
      const found = new Map<string, Record<string, unknown>>();
      for (const r of reads) checkSk(r.entity, r.sk);
      // Each key once: BatchGetItem refuses duplicates.
      let pending = [...new Map(reads.map((r) => [keyOf(r), { pk: tenantPk(r.tenant), sk: r.sk }])).values()];
      for (let round = 0; pending.length; round++) {
        if (round === BATCH_ROUNDS) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
        const out = await table.doc.send(new BatchGetCommand({ RequestItems: { [T]: { Keys: pending, ConsistentRead: true } } }));
        for (const raw of out.Responses?.[T] ?? []) found.set(`${String(raw.pk)}\u0000${String(raw.sk)}`, raw);
        pending = (out.UnprocessedKeys?.[T]?.Keys ?? []) as typeof pending;
      }
      return (await Promise.all(
        reads.map((r) => {
          const raw = found.get(keyOf(r));
          return !raw || raw._e !== r.entity.name || expired(raw) ? undefined : writes.open(r.tenant, r.entity, raw);
        }),
      )) as ReadResults<R>;
    },

    async create<T extends object>(tenant: Tenant, entity: Entity<T>, sk: string, attrs: T, opts: WriteOptions = {}) {
      const input = await writes.create(tenant, entity, sk, attrs, opts);
      await conditional(() => table.doc.send(new PutCommand(input)), 'The resource already exists', 'exists');
      return { ...attrs, sk, version: 1, ...pickSys(input.Item) } as Stored<T>;
    },

    async put<T extends object>(
      tenant: Tenant,
      entity: Entity<T>,
      sk: string,
      attrs: T,
      opts: WriteOptions & { expectedVersion: number },
    ) {
      const input = await writes.put(tenant, entity, sk, attrs, opts);
      await conditional(() => table.doc.send(new PutCommand(input)), CHANGED, 'version');
      return { ...attrs, sk, version: input.Item.version, ...pickSys(input.Item) } as Stored<T>;
    },

    async update<T extends object>(
      tenant: Tenant,
      entity: Entity<T>,
      sk: string,
      patch: Partial<T>,
      opts: { expectedVersion: number },
    ) {
      const input = await writes.update(tenant, entity, sk, patch, opts.expectedVersion);
      const out = await conditional(() => table.doc.send(new UpdateCommand({ ...input, ReturnValues: 'ALL_NEW' })), CHANGED, 'version');
      return writes.open(tenant, entity, out.Attributes ?? {});
    },

    async delete<T extends object>(tenant: Tenant, entity: Entity<T>, sk: string, opts: { expectedVersion?: number } = {}) {
      const input = writes.delete(tenant, entity, sk, opts.expectedVersion);
      const versioned = opts.expectedVersion !== undefined;
      await conditional(() => table.doc.send(new DeleteCommand(input)), 'The resource is absent or was changed', versioned ? 'version' : 'missing');
    },

    async query<T extends object>(tenant: Tenant, entity: Entity<T>, o: QueryOptions = {}): Promise<Page<T>> {
      const limit = Math.min(Math.max(Math.trunc(o.limit ?? 50), 1), 1000);
      const pk = tenantPk(tenant);
      const qid = queryId(entity, o);
      if (o.startAfterSk !== undefined && (o.gsi1 || o.cursor !== undefined)) throw new TypeError('startAfterSk is for table queries without a cursor');
      const start = o.cursor !== undefined ? await cursors.decode(tenant, qid, o.cursor) : o.startAfterSk !== undefined ? { pk, sk: o.startAfterSk } : undefined;
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
        items.push(await writes.open(tenant, entity, raw));
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
      return createTransaction(table, writes, tenant);
    },
  };
}
