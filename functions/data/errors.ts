/**
 * Data-layer errors, as DomainErrors so the HTTP toolkit maps them:
 *   ConflictError       -> 409 (optimistic concurrency / conditional create / unique guard)
 *   InvalidCursorError  -> 400 (tampered, foreign-tenant or foreign-query cursor)
 */
import { DomainError } from '../errors';

export class ConflictError extends DomainError {
  constructor(message = 'The resource was changed or already exists', readonly reason: ConflictReason = 'version') {
    super('conflict', message, { code: `conflict-${reason}` });
    this.name = 'ConflictError';
  }
}

export type ConflictReason = 'version' | 'exists' | 'unique' | 'missing' | 'transaction';

export class InvalidCursorError extends DomainError {
  constructor() {
    super('invalid', 'Invalid pagination cursor', {
      code: 'invalid-cursor',
      fields: [{ in: 'query', field: 'cursor', message: 'not a cursor issued for this query' }],
    });
    this.name = 'InvalidCursorError';
  }
}
