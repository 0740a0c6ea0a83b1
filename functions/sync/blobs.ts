/**
 * The client's blobs: base64 text of its ciphertext, never opened here. Checks shape and
 * size (413 naming the limit) and hashes them (idempotent history retries).
 *
 *   blobBytes(blob, field) -> decoded bytes     (400 invalid-blob)
 *   checkBlobSize(bytes, limit, what)           (413 too-large, extra { limit, size })
 *   blobHash(blob) -> base64url SHA-256
 *   newBlobKey(tenant) -> a fresh random S3 key for a large blob (blob-store.ts)
 */
import { createHash, randomBytes } from 'node:crypto';
import { DomainError } from '../errors';
import type { Tenant } from '../tenancy/tenant';

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function blobBytes(blob: unknown, field = 'blob'): number {
  if (typeof blob !== 'string' || blob.length === 0 || !BASE64_RE.test(blob)) {
    throw new DomainError('invalid', 'A blob is the non-empty base64 text of the client’s ciphertext', {
      fields: [{ in: 'body', field, message: 'must be non-empty base64', code: 'invalid-blob' }],
    });
  }
  const padding = blob.endsWith('==') ? 2 : blob.endsWith('=') ? 1 : 0;
  return (blob.length / 4) * 3 - padding;
}

export function checkBlobSize(size: number, limit: number, what: string): void {
  if (size > limit) {
    throw new DomainError('payload-too-large', `The ${what} is ${size} bytes; this account's tier allows ${limit}`, {
      code: 'too-large',
      extra: { limit, size },
    });
  }
}

export const blobHash = (blob: string): string => createHash('sha256').update(blob).digest('base64url');

export const newBlobKey = (tenant: Tenant) => `sync/${tenant.id}/${randomBytes(18).toString('base64url')}`;
