/**
 * Data-layer errors, as DomainErrors so the HTTP toolkit maps them:
 *   ConflictError       -> 409 (optimistic concurrency / conditional create / unique guard)
 * (InvalidCursorError, 400, lives with the cursor codec in crypto/errors.ts.)
 */
import { DomainError } from '../errors';

export class ConflictError extends DomainError {
  constructor(message = 'The resource was changed or already exists', readonly reason: ConflictReason = 'version') {
    super('conflict', message, { code: `conflict-${reason}` });
    this.name = 'ConflictError';
  }
}

/** `limit`: a capped counter (transaction `add` with `atMost`) would pass its cap. */
export type ConflictReason = 'version' | 'exists' | 'unique' | 'missing' | 'transaction' | 'limit';
