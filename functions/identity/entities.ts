/**
 * Identity items, all in the user's partition (`T#user#<id>`), plus one
 * global guard `EMAIL#<blind index>` → user id for login by email, and one
 * `PASSKEY#<blind index of the credential id>` → passkey per registered passkey.
 * Encrypted: email, password hash, TOTP secrets, recovery code hashes,
 * session client details, API key names, passkey names, credential ids and
 * public keys, and the `integrity` digest of every
 * credential item (credential-integrity.ts). Plain: ids, hashes of
 * high-entropy secrets, timestamps, tier, counters.
 */
import { defineEntity } from '../data/entity';
import type { Scope } from '../contracts/route';
import type { Tier } from '../platform/tiers';
import { credentialKind } from './credential-integrity';

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
  /**
   * False from sign-up until the mailed link is used (email-verification.ts). Absent = verified:
   * accounts made before verification existed keep working (no migration rewrites them).
   */
  emailVerified?: boolean;
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
  /** The active workspace (Cloudflare and job routes act on it); absent = the personal one (id = user id). */
  workspaceId?: string;
  integrity: string;
}
export const SessionEntity = defineEntity<SessionItem>({ name: 'session', skPrefix: 'SESSION#', encrypted: ['client', 'integrity'] });
export const SessionCredential = credentialKind(SessionEntity, ['secretHash', 'revision', 'absoluteExpiry', 'idleMs'], ['workspaceId']);
export const sessionSk = (id: string) => `SESSION#${id}`;

export interface ApiKeyItem {
  name: string;
  prefix: string;
  secretHash: string;
  scopes: Scope[];
  /** The user's token revision at creation: revoke-all, password change and reset bump it and end the key. */
  revision: number;
  /** The cap slot (`APIKEYSLOT#<n>`) this key holds. */
  slot: number;
  createdAt: string;
  keyExpiresAt: string | null;
  lastUsedAt: string | null;
  /** The one workspace the key acts on (its creator's active one); absent = the personal one. */
  workspaceId?: string;
  integrity: string;
}
export const ApiKeyEntity = defineEntity<ApiKeyItem>({ name: 'api-key', skPrefix: 'APIKEY#', encrypted: ['name', 'integrity'] });
export const ApiKeyCredential = credentialKind(ApiKeyEntity, ['secretHash', 'scopes', 'revision', 'keyExpiresAt'], ['workspaceId']);
export const apiKeySk = (id: string) => `APIKEY#${id}`;

/**
 * One item per API key slot, created in the same transaction as the key and
 * deleted with it: a user holds at most as many keys as there are slots.
 */
export interface ApiKeySlotItem {
  keyId: string;
}
export const ApiKeySlotEntity = defineEntity<ApiKeySlotItem>({ name: 'api-key-slot', skPrefix: 'APIKEYSLOT#', encrypted: [] });
export const apiKeySlotSk = (slot: number) => `APIKEYSLOT#${String(slot).padStart(3, '0')}`;

export interface ResetItem {
  secretHash: string;
  createdAt: string;
  /** The user's `passwordRevision` when the link was mailed. */
  passwordRevision: number;
  integrity: string;
}
export const ResetEntity = defineEntity<ResetItem>({ name: 'password-reset', skPrefix: 'RESET#', encrypted: ['integrity'] });
export const ResetCredential = credentialKind(ResetEntity, ['secretHash', 'passwordRevision']);
export const resetSk = (id: string) => `RESET#${id}`;

/**
 * A mailed sign-in link (magic-link.ts). `browserHash` is SHA-256 of the secret in the cookie of
 * the browser that asked; `codeHash` (encrypted: a 6-digit code is guessable from its hash) is the
 * code that browser shows, typed where the link is opened without that cookie.
 */
export interface MagicLinkItem {
  secretHash: string;
  browserHash: string;
  codeHash: string;
  /** Wrong codes typed so far: each takes a slot first (a conditional write), the link dies at the cap. */
  codeAttempts: number;
  createdAt: string;
  /** Epoch ms. */
  expiresAt: number;
  integrity: string;
}
export const MagicLinkEntity = defineEntity<MagicLinkItem>({ name: 'magic-link', skPrefix: 'MAGIC#', encrypted: ['codeHash', 'integrity'] });
export const MagicLinkCredential = credentialKind(MagicLinkEntity, ['secretHash', 'browserHash', 'codeHash', 'expiresAt']);
export const magicLinkSk = (id: string) => `MAGIC#${id}`;

/** A mailed email-verification link: for the sign-up address, or for a new address (`change`). */
export interface EmailVerificationItem {
  secretHash: string;
  /** The address this link verifies. */
  email: string;
  purpose: 'signup' | 'change';
  createdAt: string;
  /** Epoch ms. */
  expiresAt: number;
  integrity: string;
}
export const EmailVerificationEntity = defineEntity<EmailVerificationItem>({
  name: 'email-verification',
  skPrefix: 'VERIFY#',
  encrypted: ['email', 'integrity'],
});
export const EmailVerificationCredential = credentialKind(EmailVerificationEntity, ['secretHash', 'email', 'purpose', 'expiresAt']);
export const emailVerificationSk = (id: string) => `VERIFY#${id}`;

export const emailGuard = (blind: string) => ({ pk: `EMAIL#${blind}`, sk: 'EMAIL' });

/**
 * A registered passkey (WebAuthn credential). The credential id is kept encrypted (the
 * options' allow/exclude lists need it) and as a blind index (lookups); the COSE public key
 * is encrypted. The counter is a grant: lowering it in the table (to replay a cloned
 * authenticator's old signatures) voids the item.
 */
export interface PasskeyItem {
  name: string;
  /** base64url */
  credentialId: string;
  credentialIdHash: string;
  /** base64url of the COSE public key */
  publicKey: string;
  /** The authenticator's signature counter as last seen (0 = it keeps none, e.g. synced passkeys). */
  counter: number;
  transports: string[];
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  createdAt: string;
  lastUsedAt: string | null;
  integrity: string;
}
export const PasskeyEntity = defineEntity<PasskeyItem>({
  name: 'passkey',
  skPrefix: 'PASSKEY#',
  encrypted: ['name', 'credentialId', 'publicKey', 'transports', 'integrity'],
});
export const PasskeyCredential = credentialKind(PasskeyEntity, ['credentialIdHash', 'publicKey', 'counter']);
export const passkeySk = (id: string) => `PASSKEY#${id}`;
/** Global: one per credential id, so a credential belongs to one account and sign-in finds it without an email. */
export const passkeyGuard = (credentialIdHash: string) => ({ pk: `PASSKEY#${credentialIdHash}`, sk: 'PASSKEY' });
