/**
 * Opaque, authenticated pagination cursors bound to the tenant and the query.
 *
 *     c1.<base64url(JSON LastEvaluatedKey)>.<base64url(HMAC-SHA-256(key, "c1" | tenant | queryId | payload))>
 *
 * The MAC key is derived from the blind-index root key (HKDF info
 * `flarevault/cursor/v1`), so cursors survive cold starts and work across
 * containers. A cursor from another tenant or another query, or any edit,
 * is rejected with InvalidCursorError (HTTP 400). The payload only holds
 * table keys (pk/sk/gsi keys), which never contain plaintext personal data.
 *
 *   interface CursorCodec {
 *     encode(tenant, queryId, lastKey): Promise<string>
 *     decode(tenant, queryId, cursor): Promise<Record<string, unknown>>   // throws InvalidCursorError
 *   }
 *   createCursorCodec(key: () => Promise<KeyObject>): CursorCodec
 *   cursorCodecFrom(blindIndexer): CursorCodec
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { BlindIndexer } from './blind-index';
import { tenantKey, tenantPk, type Tenant } from '../tenancy/tenant';
import { InvalidCursorError } from './errors';

export const MAX_CURSOR_LENGTH = 2048;

export interface CursorCodec {
  encode(tenant: Tenant, queryId: string, lastKey: Record<string, unknown>): Promise<string>;
  decode(tenant: Tenant, queryId: string, cursor: string): Promise<Record<string, unknown>>;
}

function mac(key: KeyObject, tenant: Tenant, queryId: string, payload: string): Buffer {
  const h = createHmac('sha256', key);
  for (const part of ['c1', tenantKey(tenant), queryId, payload]) {
    const b = Buffer.from(part, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    h.update(len).update(b);
  }
  return h.digest();
}

export function createCursorCodec(key: () => Promise<KeyObject>): CursorCodec {
  return {
    async encode(tenant, queryId, lastKey) {
      const payload = Buffer.from(JSON.stringify(lastKey), 'utf8').toString('base64url');
      return `c1.${payload}.${mac(await key(), tenant, queryId, payload).toString('base64url')}`;
    },
    async decode(tenant, queryId, cursor) {
      if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH) throw new InvalidCursorError();
      const m = /^c1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(cursor);
      if (!m) throw new InvalidCursorError();
      const expected = mac(await key(), tenant, queryId, m[1]!);
      const given = Buffer.from(m[2]!, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidCursorError();
      let lastKey: unknown;
      try {
        lastKey = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8'));
      } catch {
        throw new InvalidCursorError();
      }
      // Defence in depth: every tenant item lives in the tenant's partition.
      if (typeof lastKey !== 'object' || lastKey === null || (lastKey as { pk?: unknown }).pk !== tenantPk(tenant)) {
        throw new InvalidCursorError();
      }
      return lastKey as Record<string, unknown>;
    },
  };
}

export function cursorCodecFrom(indexer: Pick<BlindIndexer, 'derivedKey'>): CursorCodec {
  return createCursorCodec(() => indexer.derivedKey('flarevault/cursor/v1'));
}
