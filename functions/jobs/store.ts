/**
 * Persistence helpers for jobs that the generic repository does not offer:
 * batch creation of plan items, atomic counter ADDs and multi-item
 * transactions with sealed (encrypted) attributes. Every key is built from the
 * user's tenant; nothing here takes a partition key from a caller.
 */
import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Keyring } from '../crypto/keyring';
import { tenantKey, tenantPk, userTenant, type Tenant } from '../tenancy/tenant';
import { sealAttributes, type AnyEntity } from '../data/entity';
import type { TableRef } from '../aws/table';
import { isConditionalCheckFailed, isTransactionCanceled, partitionItems } from '../aws/table';
import { jobSk, JobEntity } from './model';

export type TxItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface UpdateSpec {
  set?: Record<string, unknown>;
  add?: Record<string, number>;
  remove?: string[];
  condition?: string;
  values?: Record<string, unknown>;
  names?: Record<string, string>;
}

export class TxConditionFailed extends Error {
  constructor(readonly index: number) {
    super(`transaction condition ${index} failed`);
    this.name = 'TxConditionFailed';
  }
}

/** Global pointer to an active job (sweeper's index). Holds ids only. */
export const ACTIVE_PK = 'ACTIVEJOB#all';

export function createJobStore(table: TableRef, keyring: Pick<Keyring, 'current'>) {
  const T = table.name;
  const tenantOf = (userId: string): Tenant => userTenant(userId);
  const pkOf = (userId: string) => tenantPk(tenantOf(userId));

  async function buildItem(userId: string, entity: AnyEntity, sk: string, attrs: Record<string, unknown>) {
    const tenant = tenantOf(userId);
    const pk = tenantPk(tenant);
    const sealed = await sealAttributes(keyring, tenant, entity, { pk, sk }, attrs);
    return { ...sealed, pk, sk, _e: entity.name, version: 1 };
  }

  async function buildUpdate(userId: string, entity: AnyEntity, sk: string, u: UpdateSpec) {
    const pk = pkOf(userId);
    const set = u.set ? await sealAttributes(keyring, tenantOf(userId), entity, { pk, sk }, u.set) : {};
    const names: Record<string, string> = { '#e': '_e', '#version': 'version', ...(u.names ?? {}) };
    const values: Record<string, unknown> = { ':entity': entity.name, ':one': 1, ...(u.values ?? {}) };
    const sets: string[] = [];
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
    return {
      TableName: T,
      Key: { pk, sk },
      UpdateExpression: expr,
      ConditionExpression: `attribute_exists(pk) AND #e = :entity${u.condition ? ` AND (${u.condition})` : ''}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  return {
    pkOf,
    tenantOf,

    /** Create many items (BatchWrite, 25 per call, unprocessed items retried). */
    async createMany(userId: string, rows: Array<{ entity: AnyEntity; sk: string; attrs: Record<string, unknown> }>): Promise<void> {
      const items = await Promise.all(rows.map((r) => buildItem(userId, r.entity, r.sk, r.attrs)));
      const groups: (typeof items)[] = [];
      for (let i = 0; i < items.length; i += 25) groups.push(items.slice(i, i + 25));
      let next = 0;
      const worker = async () => {
        while (next < groups.length) {
          const g = groups[next++]!;
          let req: Record<string, unknown>[] = g.map((Item) => ({ PutRequest: { Item } }));
          for (let attempt = 0; req.length; attempt++) {
            const out = await table.doc.send(new BatchWriteCommand({ RequestItems: { [T]: req } }));
            req = (out.UnprocessedItems?.[T] ?? []) as Record<string, unknown>[];
            if (req.length) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, groups.length) }, worker));
    },

    async createOne(userId: string, entity: AnyEntity, sk: string, attrs: Record<string, unknown>): Promise<void> {
      const Item = await buildItem(userId, entity, sk, attrs);
      await table.doc.send(new PutCommand({ TableName: T, Item, ConditionExpression: 'attribute_not_exists(pk)' }));
    },

    /** Raw (still encrypted) item. */
    async getRaw(userId: string, sk: string): Promise<Record<string, unknown> | undefined> {
      const out = await table.doc.send(new GetCommand({ TableName: T, Key: { pk: pkOf(userId), sk }, ConsistentRead: true }));
      return out.Item;
    },

    /**
     * An UpdateItem for a tenant item: `set` values (encrypted attributes of
     * `entity` are sealed), `add` counters, `remove` attributes, a condition.
     * Bumps `version`. Returns the new raw item, or undefined if the condition failed.
     */
    buildUpdate,

    async update(userId: string, entity: AnyEntity, sk: string, u: UpdateSpec): Promise<Record<string, unknown> | undefined> {
      const input = await buildUpdate(userId, entity, sk, u);
      try {
        const out = await table.doc.send(new UpdateCommand({ ...input, ReturnValues: 'ALL_NEW' }));
        return out.Attributes;
      } catch (err) {
        if (isConditionalCheckFailed(err)) return undefined;
        throw err;
      }
    },

    /** TransactWrite; a failed condition → TxConditionFailed(index). */
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

    /**
     * Claim a finished job for one revert, before the revert job exists: sets `revertedBy` only
     * while it is unset and the job is not planned or active. False when someone else claimed it.
     */
    async claimRevert(userId: string, jobId: string, revertJobId: string): Promise<boolean> {
      const claimed = await this.update(userId, JobEntity, jobSk(jobId), {
        set: { revertedBy: revertJobId },
        condition: '(attribute_not_exists(revertedBy) OR revertedBy = :null) AND NOT (#st IN (:planned, :queued, :running))',
        names: { '#st': 'status' },
        values: { ':null': null, ':planned': 'planned', ':queued': 'queued', ':running': 'running' },
      });
      return !!claimed;
    },

    /** Undo a claim whose revert job could not be planned (only the claimant's own claim). */
    async releaseRevert(userId: string, jobId: string, revertJobId: string): Promise<void> {
      await this.update(userId, JobEntity, jobSk(jobId), {
        set: { revertedBy: null },
        condition: 'revertedBy = :mine',
        values: { ':mine': revertJobId },
      });
    },

    activePointer(userId: string, jobId: string, create: boolean): TxItem {
      const Key = { pk: ACTIVE_PK, sk: `${userId}#${jobId}` };
      return create
        ? { Put: { TableName: T, Item: { ...Key, _e: 'global', tenant: tenantKey(tenantOf(userId)), userId, jobId } } }
        : { Delete: { TableName: T, Key } };
    },

    async deleteActivePointer(userId: string, jobId: string): Promise<void> {
      await table.doc.send(new DeleteCommand({ TableName: T, Key: { pk: ACTIVE_PK, sk: `${userId}#${jobId}` } }));
    },

    async listActive(): Promise<Array<{ userId: string; jobId: string }>> {
      const out: Array<{ userId: string; jobId: string }> = [];
      for await (const it of partitionItems(table, ACTIVE_PK)) out.push({ userId: String(it.userId), jobId: String(it.jobId) });
      return out;
    },
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
