/**
 * Sync items, in the user's partition (`T#user#<id>`). Every blob is the client's
 * ciphertext (base64); the repository seals it once more (tenant DEK, AAD = tenant | pk | sk |
 * attribute, and the sk names the type and the item), so the table holds neither the
 * client's ciphertext nor any id a client chose.
 *
 *   SYNCKEY#current                       the wrapped master key (blob sealed), version = key version
 *   SYNCKEYV#<version 10 digits>          every stored wrapped key, kept (versions listable)
 *   SYNCCONFIG#user                       selective sync: the types turned off
 *   SYNCSNAP#<type>#<blind id>            a snapshot item's head: id and blob sealed (or the S3 key of a
 *                                         large blob, blob-store.ts), version, who wrote it
 *   SYNCHEAD#<deviceId>                   a device's history log: highest idx, records, bytes
 *   SYNCHIST#<deviceId>#<idx 12 digits>   one history record: blob sealed, SHA-256 of the client's blob
 *   SYNCEV#<ms 13 digits>#<random>        an event (events.ts), TTL
 */
import { defineEntity } from '../data/entity';
import { DomainError } from '../errors';
import type { Tenant } from '../tenancy/tenant';

/** Who writes: the user's tenant and the device (its credential names it). */
export interface SyncSubject {
  readonly tenant: Tenant;
  readonly deviceId: string;
}

export const SNAPSHOT_TYPES = ['environment', 'secret', 'collection', 'setting'] as const;
export type SnapshotType = (typeof SNAPSHOT_TYPES)[number];
export const SYNC_TYPES = ['history', ...SNAPSHOT_TYPES] as const;
export type SyncType = (typeof SYNC_TYPES)[number];

export interface WrappedKeyItem {
  blob: string;
  bytes: number;
  updatedAt: string;
  updatedBy: string;
}

export interface SyncConfigItem {
  /** Types turned off (default: every type on). */
  disabled: SyncType[];
  updatedAt: string;
  updatedBy: string;
}

export interface SnapshotItem {
  /** The client's id of the item (sealed; the sk holds its blind index). */
  id: string;
  /** The blob when it fits a table item (TABLE_BLOB_BYTES); otherwise `blobKey` names its S3 object. */
  blob?: string;
  blobKey?: string;
  /** SHA-256 (base64url) of the client's blob: an S3 object is checked against it. */
  hash: string;
  bytes: number;
  updatedAt: string;
  /** Epoch ms of updatedAt, for "changed since". */
  updatedMs: number;
  updatedBy: string;
  /** Present when this version replaced another without If-Match (explicit last-writer-wins): the version it overwrote. */
  forcedOver?: number;
}

export interface HistoryHeadItem {
  maxIdx: number;
  records: number;
  bytes: number;
  updatedAt: string;
}

export interface HistoryRecordItem {
  blob: string;
  /** SHA-256 (base64url) of the client's blob: an idempotent retry matches it. */
  hash: string;
  bytes: number;
  createdAt: string;
}

export const WrappedKeyEntity = defineEntity<WrappedKeyItem>({ name: 'sync-key', skPrefix: 'SYNCKEY#', encrypted: ['blob'] });
export const WrappedKeyVersionEntity = defineEntity<WrappedKeyItem>({ name: 'sync-key-version', skPrefix: 'SYNCKEYV#', encrypted: ['blob'] });
export const SyncConfigEntity = defineEntity<SyncConfigItem>({ name: 'sync-config', skPrefix: 'SYNCCONFIG#', encrypted: [] });
export const SnapshotEntity = defineEntity<SnapshotItem>({ name: 'sync-snapshot', skPrefix: 'SYNCSNAP#', encrypted: ['id', 'blob'] });
export const HistoryHeadEntity = defineEntity<HistoryHeadItem>({ name: 'sync-history-head', skPrefix: 'SYNCHEAD#', encrypted: [] });
export const HistoryRecordEntity = defineEntity<HistoryRecordItem>({ name: 'sync-history', skPrefix: 'SYNCHIST#', encrypted: ['blob'] });

export const WRAPPED_KEY_SK = 'SYNCKEY#current';
export const wrappedKeyVersionSk = (version: number) => `SYNCKEYV#${String(version).padStart(10, '0')}`;
export const SYNC_CONFIG_SK = 'SYNCCONFIG#user';
export const snapshotPrefix = (type: SnapshotType) => `SYNCSNAP#${type}#`;
export const snapshotSk = (type: SnapshotType, blindId: string) => `${snapshotPrefix(type)}${blindId}`;
export const historyHeadSk = (deviceId: string) => `SYNCHEAD#${deviceId}`;
export const historyRecordSk = (deviceId: string, idx: number) => `SYNCHIST#${deviceId}#${String(idx).padStart(12, '0')}`;

const DEVICE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function checkSubject(s: SyncSubject): void {
  if (s.tenant.kind !== 'user') throw new TypeError('sync data lives in a user tenant');
  checkDeviceId(s.deviceId);
}

export function checkDeviceId(deviceId: string): void {
  if (typeof deviceId !== 'string' || !DEVICE_ID_RE.test(deviceId)) throw new TypeError('device ids must match [A-Za-z0-9_-]{1,64}');
}

export function checkSnapshotType(type: string): asserts type is SnapshotType {
  if (!(SNAPSHOT_TYPES as readonly string[]).includes(type)) {
    throw new DomainError('invalid', `A snapshot type is one of ${SNAPSHOT_TYPES.join(', ')}`, {
      fields: [{ in: 'path', field: 'type', message: `must be one of ${SNAPSHOT_TYPES.join(', ')}`, code: 'invalid-type' }],
    });
  }
}
