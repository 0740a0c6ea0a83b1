/**
 * API-access log items, in the workspace's partition (`T#workspace#<id>`),
 * sort key `ACCESS#<ISO time>#<requestId>`: the key order is the time order.
 * The caller's IP and user agent are personal data: encrypted. Each item has a
 * `ttl` from the workspace tier's audit retention.
 */
import { defineEntity } from '../data/entity';

export interface AccessItem {
  at: string;
  requestId: string;
  credentialKind: 'session' | 'api-key';
  credentialId: string;
  userId: string;
  operationId: string;
  method: string;
  status: number;
  latencyMs: number;
  /** Encrypted. */
  ip: string;
  /** Encrypted. */
  userAgent: string;
}

export const AccessEntity = defineEntity<AccessItem>({ name: 'access-entry', skPrefix: 'ACCESS#', encrypted: ['ip', 'userAgent'] });
export const accessSk = (at: string, requestId: string) => `ACCESS#${at}#${requestId}`;
