/**
 * The ingest's writer: many access entries in BatchWriteItem calls (25 items each), sealed like
 * every repository item. Unconditional on purpose: an entry's key is its call's time and request
 * id, so writing a redelivered line again rewrites the same entry, and no duplicate can appear.
 * Its own module, so only the ingest's bundle carries BatchWriteItem.
 */
import { batchWriteAll, type TableRef } from '../aws/table';
import type { Keyring } from '../crypto/keyring';
import { createItemWrites } from '../data/item-writes';
import { tenantPk } from '../tenancy/tenant';
import type { AccessEntryWrite } from './access-log';
import { AccessEntity } from './entities';

export type AccessEntryWriter = (entries: readonly AccessEntryWrite[]) => Promise<void>;

export function createAccessEntryWriter(table: TableRef, keyring: Keyring, now: () => number = Date.now): AccessEntryWriter {
  const writes = createItemWrites(table.name, keyring, now);
  return async (entries) => {
    // BatchWriteItem refuses two requests on one key: a line twice in one delivery is one entry.
    const byKey = new Map(entries.map((e) => [`${tenantPk(e.tenant)}\u0000${e.sk}`, e]));
    const items = await Promise.all(
      [...byKey.values()].map(async (e) => (await writes.create(e.tenant, AccessEntity, e.sk, e.item, { ttl: e.ttl })).Item),
    );
    await batchWriteAll(table, items.map((Item) => ({ PutRequest: { Item } })));
  };
}
