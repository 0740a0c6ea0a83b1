/**
 * Deleting many sync items (clearing a type): transactions of DELETE_CHUNK deletes, each at
 * the version listed, so an item written meanwhile is newer than the clear and stays. A
 * chunk that loses to a concurrent write is deleted one by one, skipping what changed.
 *
 *   deleteListed(deps, tenant, entity, items, onDeleted?) -> count deleted
 */
import type { AnyEntity } from '../data/entity';
import { ConflictError } from '../data/errors';
import type { Tenant } from '../tenancy/tenant';
import type { SyncDeps } from './deps';

/** Deletes per transaction (DynamoDB allows 100; two slots left for the caller's own writes). */
export const DELETE_CHUNK = 98;

type Listed = { readonly sk: string; readonly version: number };

export async function deleteListed<I extends Listed>(
  deps: Pick<SyncDeps, 'repo'>,
  tenant: Tenant,
  entity: AnyEntity,
  items: readonly I[],
  onDeleted: (gone: readonly I[]) => Promise<void> = async () => undefined,
): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < items.length; i += DELETE_CHUNK) {
    const chunk = items.slice(i, i + DELETE_CHUNK);
    const tx = deps.repo.tx(tenant);
    for (const s of chunk) tx.delete(entity, s.sk, { expectedVersion: s.version });
    try {
      await tx.commit();
      deleted += chunk.length;
      await onDeleted(chunk);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      for (const s of chunk) {
        try {
          await deps.repo.tx(tenant).delete(entity, s.sk, { expectedVersion: s.version }).commit();
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
