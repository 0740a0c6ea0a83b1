/**
 * Sync events (read by the events feed of issue 16 item 6): one item per change, in the
 * user's partition under a key that sorts by time, gone after EVENT_TTL_SECONDS. Written in
 * the SAME transaction as the change it announces, so no change goes unannounced.
 *
 *   SYNCEV#<epoch ms, 13 digits>#<random>   { event, deviceId, detail (sealed) }   ttl
 *
 *   addEvent(tx, now, subject, event, detail?)    a create in the caller's transaction
 *   eventSkAfter(ms) -> the first sk at or after ms (a feed's cursor)
 */
import { randomBytes } from 'node:crypto';
import { defineEntity } from '../data/entity';
import type { Repository } from '../data/repository';
import type { SyncSubject, SyncType } from './entities';

export type SyncEventName = 'data_updated' | 'data_cleared' | 'config_changed' | 'key_rotated' | 'device_revoked';

export interface SyncEventDetail {
  readonly type?: SyncType;
  /** A snapshot's client id (sealed with the rest of the detail). */
  readonly id?: string;
  readonly version?: number;
  /** History: the highest idx the device now holds. */
  readonly maxIdx?: number;
}

export interface SyncEventItem {
  event: SyncEventName;
  /** The device that made the change (a feed skips a device's own events). */
  deviceId: string;
  at: string;
  detail: SyncEventDetail;
}

export const SyncEventEntity = defineEntity<SyncEventItem>({ name: 'sync-event', skPrefix: 'SYNCEV#', encrypted: ['detail'] });

/** A day: a device offline longer re-reads heads and history status instead of the feed. */
export const EVENT_TTL_SECONDS = 24 * 3600;

export const eventSkAfter = (ms: number) => `SYNCEV#${String(ms).padStart(13, '0')}#`;

type Tx = ReturnType<Repository['tx']>;

export function addEvent(tx: Tx, nowMs: number, subject: SyncSubject, event: SyncEventName, detail: SyncEventDetail = {}): Tx {
  const sk = `${eventSkAfter(nowMs)}${randomBytes(6).toString('base64url')}`;
  return tx.create(SyncEventEntity, sk, { event, deviceId: subject.deviceId, at: new Date(nowMs).toISOString(), detail }, { ttl: Math.floor(nowMs / 1000) + EVENT_TTL_SECONDS });
}
