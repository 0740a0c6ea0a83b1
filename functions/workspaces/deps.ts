/** The ports every workspace operation takes (no globals: tests wire real emulators directly). */
import type { Audit } from '../audit/audit';
import type { Keyring } from '../crypto/keyring';
import type { Tenant } from '../tenancy/tenant';
import type { StoreRepo } from './store';

export interface WorkspaceDeps {
  readonly repo: StoreRepo;
  /** Crypto-shredding of a deleted workspace. */
  readonly keyring: Pick<Keyring, 'shred'>;
  readonly audit: Pick<Audit, 'record'>;
  readonly now: () => number;
}

/** Jobs still running in a workspace: a port, so this domain does not import jobs/ (which imports it). */
export type ActiveJobCount = (tenant: Tenant) => Promise<number>;
