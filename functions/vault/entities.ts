/**
 * Vault items, in the application's workspace partition (`T#workspace#<id>`).
 *
 *   VAULTUSER#<appId>#<appUserId>            the subject's record: its data key (encrypted with the
 *                                            workspace DEK by the repository), the key id, and plain
 *                                            counters (keyCount, valueBytes) that every write moves
 *                                            in the same transaction (the key cap holds under bursts)
 *   VAULT#<appId>#<appUserId>#<nameIndex>    one value: name and value sealed with the subject's data
 *                                            key (never the workspace DEK alone); `nameIndex` is a
 *                                            blind index (HMAC) of the name, so the name is not in a key
 *
 * Ids never contain `#` (subject ids are checked), so a prefix names one subject exactly.
 */
import { defineEntity } from '../data/entity';
import { DomainError } from '../errors';
import type { Tenant } from '../tenancy/tenant';

/** Whose values: the application's workspace, the application, its end user (or automation credential). */
export interface VaultSubject {
  readonly tenant: Tenant;
  readonly applicationId: string;
  /** An identity user id, or `auto_<credentialId>` for an automation credential. */
  readonly appUserId: string;
}

export interface VaultUserItem {
  /** Encrypted (workspace DEK): base64url of the subject's 32-byte AES key. */
  dataKey: string;
  /** Random id of the data key; values sealed under another key (an earlier, shredded one) read as absent. */
  keyId: string;
  keyCount: number;
  valueBytes: number;
  createdAt: string;
  updatedAt: string;
}

export interface VaultValueItem {
  /** The key's name, sealed with the subject's data key (crypto/field.ts format). */
  sealedName: string;
  /** The JSON value, sealed with the subject's data key. */
  sealedValue: string;
  /** Which data key sealed both (VaultUserItem.keyId). */
  keyId: string;
  /** UTF-8 bytes of the serialized JSON value. */
  bytes: number;
  createdAt: string;
  updatedAt: string;
}

export const VaultUserEntity = defineEntity<VaultUserItem>({ name: 'vault-user', skPrefix: 'VAULTUSER#', encrypted: ['dataKey'] });
// Both sealed attributes are ciphertext under the subject's key, so the repository has nothing more to seal.
export const VaultValueEntity = defineEntity<VaultValueItem>({ name: 'vault-value', skPrefix: 'VAULT#', encrypted: [] });

/** Key names: what the Session API accepts in a path segment. */
export const VAULT_KEY_RE = /^[A-Za-z0-9._:-]{1,128}$/;
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function checkSubject(s: VaultSubject): void {
  if (!ID_RE.test(s.applicationId) || !ID_RE.test(s.appUserId)) throw new TypeError('vault subject ids must match [A-Za-z0-9_-]{1,64}');
}

export function checkKeyName(key: string): void {
  if (typeof key !== 'string' || !VAULT_KEY_RE.test(key)) {
    throw new DomainError('invalid', 'A key is 1 to 128 characters of A-Z a-z 0-9 . _ : -', {
      fields: [{ in: 'path', field: 'key', message: 'must match [A-Za-z0-9._:-]{1,128}', code: 'invalid-key' }],
    });
  }
}

export const vaultUserPrefix = (applicationId: string) => `VAULTUSER#${applicationId}#`;
export const vaultUserSk = (s: VaultSubject) => `${vaultUserPrefix(s.applicationId)}${s.appUserId}`;
export const vaultValuePrefix = (s: VaultSubject) => `VAULT#${s.applicationId}#${s.appUserId}#`;
export const vaultValueSk = (s: VaultSubject, nameIndex: string) => `${vaultValuePrefix(s)}${nameIndex}`;
