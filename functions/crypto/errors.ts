/**
 * Crypto errors. None of them carries plaintext, key material or ciphertext.
 * A DecryptionError means stored data does not authenticate (tampering, a
 * ciphertext moved to another item/attribute/tenant, or our bug): handlers
 * answer 500 with a request id only. InvalidCursorError is a DomainError (400):
 * a client sent a cursor that does not authenticate.
 */
import { DomainError } from '../errors';

export class DecryptionError extends Error {
  constructor(
    message: string,
    /** Where it happened: attribute name and item sort key (never values). */
    readonly where: { readonly attribute?: string; readonly sk?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DecryptionError';
  }
}

/** The tenant's key record (version) is gone: crypto-shredded or never created. */
export class KeyNotFoundError extends Error {
  constructor(readonly version?: number) {
    super(version === undefined ? 'tenant has no data key' : `tenant data key version ${version} not found (shredded?)`);
    this.name = 'KeyNotFoundError';
  }
}

/** A tampered, foreign-tenant or foreign-query pagination cursor (crypto/cursor.ts). */
export class InvalidCursorError extends DomainError {
  constructor() {
    super('invalid', 'Invalid pagination cursor', {
      code: 'invalid-cursor',
      fields: [{ in: 'query', field: 'cursor', message: 'not a cursor issued for this query' }],
    });
    this.name = 'InvalidCursorError';
  }
}
