/**
 * Keyring: per-tenant data encryption keys (DEKs), versioned.
 *
 * A DEK is made by KMS GenerateDataKey (AES_256) with EncryptionContext
 * `{ tenant: '<kind>#<id>', purpose: 'dek' }`; only the wrapped key is
 * stored, in the tenant's partition:
 *
 *     pk = T#<kind>#<id>   sk = KEY#<version, 6 digits>   _e = 'dek'
 *     dekVersion: number   wrapped: Binary   cmk: string   createdAt: ISO
 *
 * Decrypt passes the same context. Plain DEKs live only in a bounded TTL LRU
 * (key: tenant + version; default 5 min, 1,000 entries), so a warm container
 * makes at most one KMS Decrypt per tenant per TTL. Concurrent loads of the
 * same key within a process share one promise; concurrent first use across
 * processes is settled by a conditional put (the loser re-reads the winner's
 * key). The newest version is cached for the same TTL, so after `rotate` in
 * another container writers may keep sealing with the previous version until
 * the TTL passes (both stay readable).
 *
 * Public API:
 *   interface Keyring {
 *     current(tenant): Promise<DataKey>           // newest version; creates v1 on first use
 *     get(tenant, version): Promise<DataKey>      // throws KeyNotFoundError if shredded
 *     rotate(tenant): Promise<number>             // new version (see rotation.ts for the audited form)
 *     shred(tenant): Promise<number>              // delete every key record: crypto-shredding
 *     versions(tenant): Promise<number[]>
 *     stats(): KeyringStats                        // KMS calls + cache hits/misses
 *     clearCache(): void
 *   }
 *   createKeyring({ table, wrapper, ttlMs?, maxEntries?, now? }): Keyring
 */
import { createSecretKey } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { TableRef } from '../aws/table';
import { isConditionalCheckFailed, partitionItems } from '../aws/table';
import { KeyNotFoundError } from './errors';
import type { DataKey } from './field';
import type { KeyWrapper } from './kms';
import { TtlLru } from './lru';
import { tenantKey, tenantPk, type Tenant } from '../tenancy/tenant';

export interface KeyringStats {
  /** KMS calls made by this keyring (GenerateDataKey + Decrypt). */
  readonly kmsCalls: number;
  readonly generateDataKey: number;
  readonly decrypt: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
  readonly cachedKeys: number;
}

export interface Keyring {
  current(tenant: Tenant): Promise<DataKey>;
  get(tenant: Tenant, version: number): Promise<DataKey>;
  rotate(tenant: Tenant): Promise<number>;
  shred(tenant: Tenant): Promise<number>;
  versions(tenant: Tenant): Promise<number[]>;
  stats(): KeyringStats;
  clearCache(): void;
}

export interface KeyringOptions {
  readonly table: TableRef;
  readonly wrapper: KeyWrapper;
  /** @default 300_000 (5 minutes) */
  readonly ttlMs?: number;
  /** @default 1000 */
  readonly maxEntries?: number;
  /** Milliseconds clock for the cache. @default Date.now */
  readonly now?: () => number;
}

export const KEY_SK_PREFIX = 'KEY#';
export const keySk = (version: number): string => `${KEY_SK_PREFIX}${String(version).padStart(6, '0')}`;
export const dekContext = (tenant: Tenant) => ({ tenant: tenantKey(tenant), purpose: 'dek' }) as const;

interface KeyRecord {
  pk: string;
  sk: string;
  dekVersion: number;
  wrapped: Uint8Array;
}

export function createKeyring(opts: KeyringOptions): Keyring {
  const { table, wrapper } = opts;
  const ttlMs = opts.ttlMs ?? 300_000;
  const maxEntries = opts.maxEntries ?? 1000;
  const deks = new TtlLru<DataKey>({ ttlMs, maxEntries, now: opts.now });
  const latest = new TtlLru<number>({ ttlMs, maxEntries, now: opts.now });
  const inflight = new Map<string, Promise<DataKey>>();
  let gen = 0;
  let dec = 0;
  let hits = 0;
  let misses = 0;

  const cacheKey = (t: Tenant, v: number) => `${tenantKey(t)}|${v}`;

  function toDataKey(version: number, plain: Buffer): DataKey {
    const key = createSecretKey(plain);
    plain.fill(0);
    return Object.freeze({ version, key });
  }

  async function unwrap(tenant: Tenant, rec: KeyRecord): Promise<DataKey> {
    dec++;
    const plain = await wrapper.unwrap(rec.wrapped, dekContext(tenant));
    const dk = toDataKey(rec.dekVersion, plain);
    deks.set(cacheKey(tenant, dk.version), dk);
    return dk;
  }

  async function newestRecord(tenant: Tenant): Promise<KeyRecord | undefined> {
    const out = await table.doc.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': tenantPk(tenant), ':p': KEY_SK_PREFIX },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return out.Items?.[0] as KeyRecord | undefined;
  }

  /** Create `version` if nobody has; returns the created key or undefined if we lost the race. */
  async function tryCreate(tenant: Tenant, version: number): Promise<DataKey | undefined> {
    gen++;
    const { plaintext, wrapped, keyId } = await wrapper.generate(dekContext(tenant));
    try {
      await table.doc.send(
        new PutCommand({
          TableName: table.name,
          Item: {
            pk: tenantPk(tenant),
            sk: keySk(version),
            _e: 'dek',
            dekVersion: version,
            wrapped,
            cmk: keyId,
            createdAt: new Date().toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      plaintext.fill(0);
      if (isConditionalCheckFailed(err)) return undefined;
      throw err;
    }
    const dk = toDataKey(version, plaintext);
    deks.set(cacheKey(tenant, version), dk);
    latest.set(tenantKey(tenant), version);
    return dk;
  }

  function once(key: string, load: () => Promise<DataKey>): Promise<DataKey> {
    const running = inflight.get(key);
    if (running) return running;
    const p = load().finally(() => inflight.delete(key));
    inflight.set(key, p);
    return p;
  }

  async function get(tenant: Tenant, version: number): Promise<DataKey> {
    const ck = cacheKey(tenant, version);
    const cached = deks.get(ck);
    if (cached) {
      hits++;
      return cached;
    }
    misses++;
    return once(ck, async () => {
      const out = await table.doc.send(
        new GetCommand({ TableName: table.name, Key: { pk: tenantPk(tenant), sk: keySk(version) }, ConsistentRead: true }),
      );
      if (!out.Item) throw new KeyNotFoundError(version);
      return unwrap(tenant, out.Item as KeyRecord);
    });
  }

  async function current(tenant: Tenant): Promise<DataKey> {
    const v = latest.get(tenantKey(tenant));
    if (v !== undefined) return get(tenant, v);
    misses++;
    return once(`latest|${tenantKey(tenant)}`, async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const rec = await newestRecord(tenant);
        if (rec) {
          latest.set(tenantKey(tenant), rec.dekVersion);
          const hit = deks.get(cacheKey(tenant, rec.dekVersion));
          return hit ?? unwrap(tenant, rec);
        }
        const created = await tryCreate(tenant, 1);
        if (created) return created;
        // lost the race: another writer created v1; read theirs
      }
      throw new Error('keyring: could not establish a tenant data key');
    });
  }

  async function rotate(tenant: Tenant): Promise<number> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const rec = await newestRecord(tenant);
      const next = (rec?.dekVersion ?? 0) + 1;
      const created = await tryCreate(tenant, next);
      if (created) return next;
    }
    throw new Error('keyring: rotation kept conflicting');
  }

  async function versions(tenant: Tenant): Promise<number[]> {
    const out: number[] = [];
    for await (const it of partitionItems(table, tenantPk(tenant), { skPrefix: KEY_SK_PREFIX, projection: 'dekVersion' })) {
      out.push(it.dekVersion as number);
    }
    return out;
  }

  async function shred(tenant: Tenant): Promise<number> {
    const vs = await versions(tenant);
    for (const v of vs) {
      await table.doc.send(new DeleteCommand({ TableName: table.name, Key: { pk: tenantPk(tenant), sk: keySk(v) } }));
    }
    const prefix = `${tenantKey(tenant)}|`;
    deks.deleteWhere((k) => k.startsWith(prefix));
    latest.delete(tenantKey(tenant));
    return vs.length;
  }

  return {
    current,
    get,
    rotate,
    shred,
    versions,
    stats: () => ({
      kmsCalls: gen + dec,
      generateDataKey: gen,
      decrypt: dec,
      cacheHits: hits,
      cacheMisses: misses,
      cachedKeys: deks.size,
    }),
    clearCache: () => {
      deks.clear();
      latest.clear();
    },
  };
}
