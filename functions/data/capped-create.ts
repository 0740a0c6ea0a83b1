/**
 * Creates that must stay under a limit counted over a tenant's items (applications' automation
 * credentials, Cloudflare accounts), holding under concurrent creates:
 *
 *   await createUnderCap(repo, tenant, { name: 'cf-accounts', limit, count, refuse }, (tx) => tx.create(...), now);
 *
 * One guard item per tenant and cap (`CAP#<name>`, no data) orders the creates: it is read
 * first, then `count` (readGuardFirst); the domain's writes commit with the guard's write at the
 * version read (its create when absent). A create that committed after the guard read moved the
 * guard, so this one fails (ConflictError), reads again, and is refused if the cap is reached.
 * Deletes need not touch the guard: a count read before a delete only refuses early.
 */
import type { Tenant } from '../tenancy/tenant';
import { defineEntity } from './entity';
import { readGuardFirst } from './guarded-reads';
import type { Repository } from './repository';
import { retryOnConflict } from './retry-on-conflict';

interface CapGuardItem {
  /** When the last create under the cap committed. */
  readonly at: string;
}

export const CapGuardEntity = defineEntity<CapGuardItem>({ name: 'cap-guard', skPrefix: 'CAP#', encrypted: [] });

/** A burst of creates takes turns on the guard; the losers count again. */
const CAP_ATTEMPTS = 20;

type Transaction = ReturnType<Repository['tx']>;

export interface Cap {
  /** Names the cap within the tenant (the guard's key), e.g. `automation#<applicationId>`. */
  readonly name: string;
  readonly limit: number;
  /** The items counted, read consistently. */
  readonly count: () => Promise<number>;
  readonly refuse: () => Error;
}

export async function createUnderCap(repo: Pick<Repository, 'get' | 'tx'>, tenant: Tenant, cap: Cap, writes: (tx: Transaction) => void, now: () => number): Promise<void> {
  const sk = `CAP#${cap.name}`;
  await retryOnConflict(
    async () => {
      const [guard, count] = await readGuardFirst(() => repo.get(tenant, CapGuardEntity, sk), cap.count);
      if (count >= cap.limit) throw cap.refuse();
      const tx = repo.tx(tenant);
      const item = { at: new Date(now()).toISOString() };
      if (guard) tx.put(CapGuardEntity, sk, item, { expectedVersion: guard.version });
      else tx.create(CapGuardEntity, sk, item);
      writes(tx);
      await tx.commit();
    },
    { attempts: CAP_ATTEMPTS },
  );
}
