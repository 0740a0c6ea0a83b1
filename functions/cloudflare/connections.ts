/**
 * The Cloudflare connections of one container for the jobs engine. The SDK client and the rate
 * limiter of an account's token are reused across requests, but every use first reads the stored
 * account (one consistent GetItem, the token decrypted with the cached DEK): a disconnected account
 * is 404 at once in every warm container, not only in the one that handled the disconnect, and a
 * changed account (new version: re-verified, flagged, replaced) gets a fresh client.
 */
import { cloudflareClient, resolveConnection, type CloudflarePorts } from './client';
import { userTenant } from '../tenancy/tenant';
import type { TableRef } from '../aws/table';
import { cfApiFromSdk, type CfApi } from './bulk-client';
import { createBucketLimiter, tokenKeyHash } from './limiter';

/** Per-request timeout of the engine's Cloudflare calls. */
export const CF_TIMEOUT_MS = 30_000;

export interface ConnectionPorts extends Pick<CloudflarePorts, 'repo' | 'cloudflare'> {
  readonly table: TableRef;
}

export function createConnectionCache(ports: ConnectionPorts, opts: { maxEntries?: number } = {}): (userId: string, accountId: string) => Promise<CfApi> {
  const maxEntries = opts.maxEntries ?? 500;
  const connections = new Map<string, { api: CfApi; version: number }>();
  return async (userId, accountId) => {
    const { account, conn } = await resolveConnection(ports, userTenant(userId), accountId);
    const key = `${userId}/${accountId}`;
    const hit = connections.get(key);
    if (hit && hit.version === account.version) return hit.api;
    const client = cloudflareClient(conn, { maxRetries: 0, timeoutMs: CF_TIMEOUT_MS });
    const limiter = createBucketLimiter({ table: ports.table, keyHash: tokenKeyHash(conn.token) });
    const api = cfApiFromSdk(client, limiter, { timeoutMs: CF_TIMEOUT_MS });
    connections.delete(key);
    connections.set(key, { api, version: account.version });
    if (connections.size > maxEntries) connections.delete(connections.keys().next().value!);
    return api;
  };
}
