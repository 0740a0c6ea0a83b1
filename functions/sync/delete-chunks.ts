/**
 * Deleting many sync items (clearing a type): transactions of DELETE_CHUNK deletes, each at
 * the version listed, so an item written meanwhile is newer than the clear and stays. A
 * chunk that loses to a concurrent write is deleted one by one, skipping what changed. Each
 * transaction gives the deleted bytes back to the user's usage (usage.ts) in the same commit;
 * one that only raced on the shared usage total commits on a retry.
 *
 *   deleteListed(deps, subject, type, entity, items, onDeleted?) -> count deleted
 */
import type { AnyEntity } from '../data/entity';
import { ConflictError } from '../data/errors';
import { retryRace, type SyncDeps } from './deps';
import type { SyncSubject, SyncType } from './entities';
import { addUsage } from './usage';

/** Deletes per transaction (DynamoDB allows 100; two slots for the usage). */
export const DELETE_CHUNK = 98;

type Listed = { readonly sk: string; readonly version: number; readonly bytes: number };

export async function deleteListed<I extends Listed>(
  deps: Pick<SyncDeps, 'repo' | 'now' | 'limits'>,
  subject: SyncSubject,
  type: SyncType,
  entity: AnyEntity,
  items: readonly I[],
  onDeleted: (gone: readonly I[]) => Promise<void> = async () => undefined,
): Promise<number> {
  const deleteAll = (chunk: readonly I[]) =>
    retryRace(() => {
      const tx = deps.repo.tx(subject.tenant);
      for (const s of chunk) tx.delete(entity, s.sk, { expectedVersion: s.version });
      const freed = { items: -chunk.length, bytes: -chunk.reduce((n, s) => n + s.bytes, 0) };
      return addUsage(tx, deps.now(), subject, type, freed, deps.limits.syncTotalBytes).commit();
    });
  let deleted = 0;
  for (let i = 0; i < items.length; i += DELETE_CHUNK) {
    const chunk = items.slice(i, i + DELETE_CHUNK);
    try {
      await deleteAll(chunk);
      deleted += chunk.length;
      await onDeleted(chunk);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      for (const s of chunk) {
        try {
          await deleteAll([s]);
          deleted++;
          await onDeleted([s]);
        } catch (e) {
          if (!(e instanceof ConflictError)) throw e;
        }
      }
    }
  }
  return deleted;
}
