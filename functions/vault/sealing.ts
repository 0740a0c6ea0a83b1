/**
 * The subject's data key and what it seals.
 *
 * Each (application, end user) has its own random 32-byte AES key, stored only
 * as an encrypted attribute of its `VAULTUSER#` record, i.e. wrapped by the
 * workspace's DEK (repository sealing, AAD binding workspace and record). A
 * value's name and JSON are sealed with that key (crypto/field.ts: AES-256-GCM,
 * AAD = workspace | pk | sk | attribute, and the sk names application, user and
 * the name's blind index). Deleting the record is the crypto-shred: the values
 * can no longer be opened anywhere, without a KMS call or a key per user in KMS.
 *
 *   newSubjectKey() -> { dataKey, keyId }
 *   subjectDataKey(record) -> DataKey
 *   nameIndex(blind, subject, name) -> string          // HMAC: the name never appears in a key
 *   sealEntry / openName / openValue
 */
import { createSecretKey, randomBytes } from 'node:crypto';
import type { BlindIndexer } from '../crypto/blind-index';
import { openField, sealField, type DataKey } from '../crypto/field';
import { tenantKey, tenantPk } from '../tenancy/tenant';
import type { VaultSubject, VaultUserItem } from './entities';

/** The field scheme's key version: a subject has one key; a shredded one is replaced, never rotated. */
const SUBJECT_KEY_VERSION = 1;

export function newSubjectKey(): { dataKey: string; keyId: string } {
  return { dataKey: randomBytes(32).toString('base64url'), keyId: randomBytes(9).toString('base64url') };
}

export function subjectDataKey(record: Pick<VaultUserItem, 'dataKey'>): DataKey {
  return { version: SUBJECT_KEY_VERSION, key: createSecretKey(Buffer.from(record.dataKey, 'base64url')) };
}

export function nameIndex(blind: Pick<BlindIndexer, 'blindIndex'>, s: VaultSubject, name: string): Promise<string> {
  return blind.blindIndex('vault-key', [tenantKey(s.tenant), s.applicationId, s.appUserId, name].join('\u0000'));
}

const context = (s: VaultSubject, sk: string, attribute: 'sealedName' | 'sealedValue') => ({ tenant: s.tenant, pk: tenantPk(s.tenant), sk, attribute });

export function sealEntry(key: DataKey, s: VaultSubject, sk: string, name: string, json: string) {
  return { sealedName: sealField(key, context(s, sk, 'sealedName'), name), sealedValue: sealField(key, context(s, sk, 'sealedValue'), json) };
}

export function openName(key: DataKey, s: VaultSubject, sk: string, sealed: string): string {
  return openField(key, context(s, sk, 'sealedName'), sealed).toString('utf8');
}

export function openValue(key: DataKey, s: VaultSubject, sk: string, sealed: string): unknown {
  return JSON.parse(openField(key, context(s, sk, 'sealedValue'), sealed).toString('utf8'));
}
