/**
 * The Cloudflare connections of one container for the jobs engine. The SDK client and the rate
 * limiter of an account's budget (its Cloudflare user's, when known) are reused across requests, but every use first reads the stored
 * account (one consistent GetItem, the token decrypted with the cached DEK): a disconnected account
 * is 404 at once in every warm container, not only in the one that handled the disconnect, and a
 * changed account (new version: re-verified, flagged, replaced) gets a fresh client.
 */
import { tenantKey, type Tenant } from '../tenancy/tenant';
import { cfApiFromSdk, type CfApi } from './bulk-client';
import { budgetKeyOf } from './budget-keys';
import { cloudflareClient, connectionLimiter, resolveConnection, type CloudflarePorts } from './client';
import { purgeLimiter } from './purge-limiter';

/** Per-request timeout of the engine's Cloudflare calls. */
export const CF_TIMEOUT_MS = 30_000;

export type ConnectionPorts = Pick<CloudflarePorts, 'repo' | 'cloudflare' | 'table'>;

/** The bulk client of a tenant's Cloudflare account. */
export type ConnectCloudflare = (tenant: Tenant, accountId: string) => Promise<CfApi>;

export function createConnectionCache(ports: ConnectionPorts, opts: { maxEntries?: number } = {}): ConnectCloudflare {
  const maxEntries = opts.maxEntries ?? 500;
  const connections = new Map<string, { api: CfApi; version: number }>();
  return async (tenant, accountId) => {
    const { account, conn } = await resolveConnection(ports, tenant, accountId);
    const key = `${tenantKey(tenant)}/${accountId}`;
    const hit = connections.get(key);
    if (hit && hit.version === account.version) return hit.api;
    const client = cloudflareClient(conn, { maxRetries: 0, timeoutMs: CF_TIMEOUT_MS });
    const budgetKey = conn.budgetKey ?? budgetKeyOf(conn);
    const api = cfApiFromSdk(client, connectionLimiter(ports, conn), {
      timeoutMs: CF_TIMEOUT_MS,
      purgeLimiter: (plan) => purgeLimiter(ports.table, budgetKey, plan),
    });
    connections.delete(key);
    connections.set(key, { api, version: account.version });
    if (connections.size > maxEntries) connections.delete(connections.keys().next().value!);
    return api;
  };
}
