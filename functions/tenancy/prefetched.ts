/**
 * A read a route started for a tenant before authentication had named the tenant (the handler
 * toolkit runs it concurrently with authentication, for the workspace the credential named last
 * time: functions/http/prefetch.ts). The toolkit hands it to the handler only once the principal's
 * tenant is that tenant; a domain operation takes it as an optional argument AFTER its assertCan.
 */
import { tenantKey, type Tenant } from './tenant';

export interface Prefetched<T> {
  /** Whose data `value` is. */
  readonly tenant: Tenant;
  readonly value: T;
}

/** The prefetched value, if any, when it is of `tenant`; another tenant's is a programming error. */
export function prefetchedOf<T>(tenant: Tenant, prefetched: Prefetched<T> | undefined): T | undefined {
  if (!prefetched) return undefined;
  if (tenantKey(prefetched.tenant) !== tenantKey(tenant)) throw new TypeError('prefetched rows are of another tenant');
  return prefetched.value;
}
