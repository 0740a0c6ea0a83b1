/**
 * The operations the SDK calls, named by their operationId in the shared
 * generated table (frontend/core/operations.gen.ts, from the API contracts):
 * the SDK never spells an API path itself.
 */
import type { OperationId } from '../../core/operations.gen';

export const SDK_OPERATIONS = {
  authorize: 'authorize',
  callback: 'exchangeAuthorizationCode',
  logout: 'logoutBrowser',
  list: 'listSessionValues',
  get: 'getSessionValue',
  set: 'setSessionValue',
  delete: 'deleteSessionValue',
  revoke: 'revokeOwnSessions',
} as const satisfies Record<string, OperationId>;
