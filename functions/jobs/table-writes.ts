/**
 * The write primitives the job store is built from (the generic repository
 * offers none of them): batch creation of plan items, an UpdateItem with
 * sealed (encrypted) attributes, counter ADDs and a condition, and multi-item
 * transactions. Only `store.ts` and its parts use these; the engine speaks to
 * the store in intentions.
 */
import { PutCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Keyring } from '../crypto/keyring';
import { sealAttributes, type AnyEntity } from '../data/entity';
import type { TableRef } from '../aws/table';
import { batchWriteAll, isConditionalCheckFailed, isTransactionCanceled } from '../aws/table';
import { tenantPk, type Tenant } from '../tenancy/tenant';

export type TxItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
export type UpdateInput = Extract<TxItem['Update'], object>;

export interface UpdateSpec {
  set?: Record<string, unknown>;
  add?: Record<string, number>;
  remove?: string[];
  condition?: string;
  values?: Record<string, unknown>;
  names?: Record<string, string>;
  /** Create the item when it does not exist yet (then `condition` is not checked). */
  createIfMissing?: boolean;
}

export class TxConditionFailed extends Error {
  constructor(readonly index: number) {
    super(`transaction condition ${index} failed`);
    this.name = 'TxConditionFailed';
  }
}

export interface NewItem {
  entity: AnyEntity;
  sk: string;
  attrs: Record<string, unknown>;
}

export function createTableWrites(table: TableRef, keyring: Pick<Keyring, 'current'>) {
  const T = table.name;

  async function buildItem(tenant: Tenant, entity: AnyEntity, sk: string, attrs: Record<string, unknown>) {
    const pk = tenantPk(tenant);
    const sealed = await sealAttributes(keyring, tenant, entity, { pk, sk }, attrs);
    return { ...sealed, pk, sk, _e: entity.name, version: 1 };
  }

  /**
   * An UpdateItem for a tenant item: `set` values (encrypted attributes of
   * `entity` are sealed), `add` counters, `remove` attributes, a condition.
   * Bumps `version`; the item must exist and be of `entity` (unless `createIfMissing`).
   */
  async function buildUpdate(tenant: Tenant, entity: AnyEntity, sk: string, u: UpdateSpec): Promise<UpdateInput> {
    const pk = tenantPk(tenant);
    const set = u.set ? await sealAttributes(keyring, tenant, entity, { pk, sk }, u.set) : {};
    const names: Record<string, string> = { '#e': '_e', '#version': 'version', ...(u.names ?? {}) };
    const values: Record<string, unknown> = { ':entity': entity.name, ':one': 1, ...(u.values ?? {}) };
    const sets: string[] = u.createIfMissing ? ['#e = :entity'] : [];
    const adds: string[] = ['#version :one'];
    let i = 0;
    for (const [k, v] of Object.entries(set)) {
      names[`#s${i}`] = k;
      values[`:s${i}`] = v;
      sets.push(`#s${i} = :s${i}`);
      i++;
    }
    for (const [k, v] of Object.entries(u.add ?? {})) {
      names[`#s${i}`] = k;
      values[`:s${i}`] = v;
      adds.push(`#s${i} :s${i}`);
      i++;
    }
    const removes = (u.remove ?? []).map((k) => {
      names[`#s${i}`] = k;
      return `#s${i++}`;
    });
    const expr = [sets.length ? `SET ${sets.join(', ')}` : '', `ADD ${adds.join(', ')}`, removes.length ? `REMOVE ${removes.join(', ')}` : '']
      .filter(Boolean)
      .join(' ');
    const condition = u.createIfMissing
      ? `(attribute_not_exists(pk) OR (#e = :entity${u.condition ? ` AND ${u.condition}` : ''}))`
      : `attribute_exists(pk) AND #e = :entity${u.condition ? ` AND (${u.condition})` : ''}`;
    return {
      TableName: T,
      Key: { pk, sk },
      UpdateExpression: expr,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  const batchWrite = (requests: readonly Record<string, unknown>[]) => batchWriteAll(table, requests);

  return {
    buildItem,
    buildUpdate,

    /** Create (or overwrite) many items (BatchWrite, 25 per call, 8 calls at once, unprocessed items retried). */
    async createMany(tenant: Tenant, rows: readonly NewItem[]): Promise<void> {
      const items = await Promise.all(rows.map((r) => buildItem(tenant, r.entity, r.sk, r.attrs)));
      await batchWrite(items.map((Item) => ({ PutRequest: { Item } })));
    },

    /** Delete many items of the tenant by sort key (BatchWrite). */
    async deleteMany(tenant: Tenant, sks: readonly string[]): Promise<void> {
      const pk = tenantPk(tenant);
      await batchWrite(sks.map((sk) => ({ DeleteRequest: { Key: { pk, sk } } })));
    },

    async createOne(tenant: Tenant, item: NewItem): Promise<void> {
      const Item = await buildItem(tenant, item.entity, item.sk, item.attrs);
      await table.doc.send(new PutCommand({ TableName: T, Item, ConditionExpression: 'attribute_not_exists(pk)' }));
    },

    /** Create each item unless it exists (conditional puts, 16 at once): an existing item is left as it is. */
    async createAbsent(tenant: Tenant, rows: readonly NewItem[]): Promise<void> {
      let next = 0;
      const worker = async () => {
        while (next < rows.length) {
          const r = rows[next++]!;
          const Item = await buildItem(tenant, r.entity, r.sk, r.attrs);
          try {
            await table.doc.send(new PutCommand({ TableName: T, Item, ConditionExpression: 'attribute_not_exists(pk)' }));
          } catch (err) {
            if (!isConditionalCheckFailed(err)) throw err;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(16, rows.length) }, worker));
    },

    /** The new raw (still encrypted) item, or undefined if the condition failed. */
    async update(tenant: Tenant, entity: AnyEntity, sk: string, u: UpdateSpec): Promise<Record<string, unknown> | undefined> {
      const input = await buildUpdate(tenant, entity, sk, u);
      try {
        const out = await table.doc.send(new UpdateCommand({ ...input, ReturnValues: 'ALL_NEW' }));
        return out.Attributes;
      } catch (err) {
        if (isConditionalCheckFailed(err)) return undefined;
        throw err;
      }
    },

    /** TransactWrite; a failed condition → TxConditionFailed(index); conflicts retried, then TxConditionFailed(-1). */
    async transact(items: TxItem[]): Promise<void> {
      for (let attempt = 0; ; attempt++) {
        try {
          await table.doc.send(new TransactWriteCommand({ TransactItems: items }));
          return;
        } catch (err) {
          if (isTransactionCanceled(err)) {
            const reasons = err.CancellationReasons ?? [];
            const i = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
            if (i >= 0) throw new TxConditionFailed(i);
            if (reasons.some((r) => r.Code === 'TransactionConflict')) {
              // Another transaction touched the same item (e.g. the job's counters): retry, jittered.
              if (attempt < 40) {
                await new Promise((r) => setTimeout(r, Math.random() * Math.min(250, 5 * 2 ** Math.min(attempt, 6))));
                continue;
              }
              throw new TxConditionFailed(-1);
            }
          }
          throw err;
        }
      }
    },
  };
}

export type TableWrites = ReturnType<typeof createTableWrites>;
