/**
 * A transaction of up to 100 writes for one tenant (plus global guard items it
 * owns). Each write remembers which ConflictError reason its condition means,
 * so a cancelled transaction names the reason of the write that failed.
 */
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { isTransactionCanceled, type TableRef } from '../aws/table';
import type { Tenant } from '../tenancy/tenant';
import type { AnyEntity, Entity } from './entity';
import { ConflictError } from './errors';
import type { ItemWrites, WriteOptions } from './item-writes';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export function createTransaction(table: TableRef, writes: ItemWrites, tenant: Tenant) {
  const pending: (() => Promise<TransactItem>)[] = [];
  const reasons: ConflictError['reason'][] = [];
  const add = (reason: ConflictError['reason'], build: () => Promise<TransactItem> | TransactItem) => {
    reasons.push(reason);
    pending.push(async () => build());
  };
  const tx = {
    create<T extends object>(entity: Entity<T>, sk: string, attrs: T, opts: WriteOptions = {}) {
      add('exists', async () => ({ Put: await writes.create(tenant, entity, sk, attrs, opts) }));
      return tx;
    },
    put<T extends object>(entity: Entity<T>, sk: string, attrs: T, opts: WriteOptions & { expectedVersion: number }) {
      add('version', async () => ({ Put: await writes.put(tenant, entity, sk, attrs, opts) }));
      return tx;
    },
    update<T extends object>(entity: Entity<T>, sk: string, patch: Partial<T>, opts: { expectedVersion: number }) {
      add('version', async () => ({ Update: await writes.update(tenant, entity, sk, patch, opts.expectedVersion) }));
      return tx;
    },
    delete(entity: AnyEntity, sk: string, opts: { expectedVersion?: number } = {}) {
      const Delete = writes.delete(tenant, entity, sk, opts.expectedVersion);
      add(opts.expectedVersion !== undefined ? 'version' : 'missing', () => ({ Delete }));
      return tx;
    },
    /**
     * Atomic counters (item-writes.ts `add`): no version guard; with `atMost`, a counter carried
     * past its cap fails the transaction with ConflictError('limit').
     */
    add(entity: AnyEntity, sk: string, counters: Record<string, number>, opts: { set?: Record<string, string | number | boolean>; atMost?: { counter: string; max: number } } = {}) {
      const Update = writes.add(tenant, entity, sk, counters, opts);
      add(opts.atMost ? 'limit' : 'missing', () => ({ Update }));
      return tx;
    },
    /** Condition on another item of the tenant: it exists (at a version) or it does not. */
    check(entity: AnyEntity, sk: string, cond: { expectedVersion: number } | { absent: true }) {
      const ConditionCheck = writes.check(tenant, entity, sk, cond);
      add('version', () => ({ ConditionCheck }));
      return tx;
    },
    /** Unique guard / pointer, e.g. `EMAIL#<blind index>`: fails with ConflictError('unique') if taken. */
    createGlobal(gpk: string, sk: string, attrs: Record<string, string | number | boolean> = {}) {
      const Put = writes.createGlobal(tenant, gpk, sk, attrs);
      add('unique', () => ({ Put }));
      return tx;
    },
    /** Release a guard the tenant owns (another tenant's guard → ConflictError). */
    deleteGlobal(gpk: string, sk: string) {
      const Delete = writes.deleteGlobal(tenant, gpk, sk);
      add('missing', () => ({ Delete }));
      return tx;
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
  return tx;
}
