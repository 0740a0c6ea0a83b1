/**
 * Identity items, all in the user's partition (`T#user#<id>`), plus one
 * global guard `EMAIL#<blind index>` → user id for login by email.
 * Encrypted: email, password hash, TOTP secrets, recovery code hashes,
 * session client details, API key names. Plain: ids, hashes of
 * high-entropy secrets, timestamps, tier, counters.
 */
import { defineEntity } from '../data/entity';
import type { Scope } from '../http/route';
import type { Tier } from '../tiers';

export interface UserItem {
  email: string;
  passwordHash: string;
  tier: Tier;
  /** Bumped by revoke-all, password change and reset: sessions of an older revision are dead. */
  tokenRevision: number;
  mfaEnabled: boolean;
  totpSecret?: string;
  pendingTotpSecret?: string;
  /** Last TOTP time step accepted (replay guard). */
  totpLastStep?: number;
  recoveryCodeHashes?: string[];
  createdAt: string;
  /** Bumped by every password change and reset: a reset link minted under another revision is dead. Absent = 0. */
  passwordRevision?: number;
}
export const UserEntity = defineEntity<UserItem>({
  name: 'user',
  skPrefix: 'USER#',
  encrypted: ['email', 'passwordHash', 'totpSecret', 'pendingTotpSecret', 'recoveryCodeHashes'],
});
export const USER_SK = 'USER#profile';

export interface SessionClient {
  userAgent: string;
  ip: string;
  device: string;
}
export interface SessionItem {
  secretHash: string;
  revision: number;
  client: SessionClient;
  createdAt: string;
  lastSeenAt: string;
  /** Epoch ms: the session cannot live past this. */
  absoluteExpiry: number;
  /** Idle limit in ms since lastSeenAt. */
  idleMs: number;
}
export const SessionEntity = defineEntity<SessionItem>({ name: 'session', skPrefix: 'SESSION#', encrypted: ['client'] });
export const sessionSk = (id: string) => `SESSION#${id}`;

export interface ApiKeyItem {
  name: string;
  prefix: string;
  secretHash: string;
  scopes: Scope[];
  createdAt: string;
  keyExpiresAt: string | null;
  lastUsedAt: string | null;
}
export const ApiKeyEntity = defineEntity<ApiKeyItem>({ name: 'api-key', skPrefix: 'APIKEY#', encrypted: ['name'] });
export const apiKeySk = (id: string) => `APIKEY#${id}`;

export interface ResetItem {
  secretHash: string;
  createdAt: string;
  /** The user's `passwordRevision` when the link was mailed. */
  passwordRevision: number;
}
export const ResetEntity = defineEntity<ResetItem>({ name: 'password-reset', skPrefix: 'RESET#', encrypted: [] });
export const resetSk = (id: string) => `RESET#${id}`;

export const emailGuard = (blind: string) => ({ pk: `EMAIL#${blind}`, sk: 'EMAIL' });
