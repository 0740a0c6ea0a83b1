/**
 * Sync data (issue 16 items 3–6): what a linked device (auth 'device', its `fv_dev_…` token)
 * stores and reads, and the dashboard's view of it (auth 'session'). Every blob is the
 * client's ciphertext, base64; the server never opens one.
 *
 *   GET    /api/v1/sync/key                      the wrapped master key (404 key-not-found)
 *   PUT    /api/v1/sync/key                      store / replace it (409 key-version-conflict { currentVersion })
 *   GET    /api/v1/sync/key/versions             every wrapped key stored, oldest first
 *   GET    /api/v1/sync/config                   selective sync: a toggle per type
 *   PUT    /api/v1/sync/config                   change toggles (config_changed)
 *   GET    /api/v1/sync/data/{type}?since=       snapshot heads changed since a cursor, paged by bytes
 *   GET    /api/v1/sync/data/{type}/{id}         one snapshot head (ETag "<version>")
 *   PUT    /api/v1/sync/data/{type}/{id}         write: If-Match "<version>" (absent = create only) or force;
 *                                                409 snapshot-conflict { current } on a stale write
 *   DELETE /api/v1/sync/data/{type}              clear a type, history included (data_cleared)
 *   POST   /api/v1/sync/history                  append this device's records (idempotent retries)
 *   GET    /api/v1/sync/history                  per-device highest idx ({ devices: { id: maxIdx } })
 *   GET    /api/v1/sync/history/{deviceId}?fromIdx=&limit=   a page of one device's records
 *   GET    /api/v1/sync/events?after=&wait=      long-poll for events after a cursor (bounded wait)
 *   GET    /api/v1/sync/overview                 (session) a status card per type, for the dashboard
 *   PUT    /api/v1/sync/settings                 (session) the toggles, from the dashboard
 *
 * Errors (problem+json `code`): 400 invalid-blob / field detail; 404 key-not-found,
 * item-not-found; 409 key-version-conflict, snapshot-conflict, history-gap, history-conflict,
 * sync-type-disabled, sync-contention; 410 session-expired (device token past its lifetime),
 * cursor-expired (events older than the feed keeps); 413 too-large { limit, size } (an item
 * over the tier's item size or the user's total over the tier's sync storage).
 */
import * as z from 'zod';
import { defineRoute } from './route';
import { IsoTime } from './common';

export const SNAPSHOT_TYPE_NAMES = ['environment', 'secret', 'collection', 'setting'] as const;
export const SYNC_TYPE_NAMES = ['history', ...SNAPSHOT_TYPE_NAMES] as const;
export const SnapshotTypeName = z.enum(SNAPSHOT_TYPE_NAMES);
export const SyncTypeName = z.enum(SYNC_TYPE_NAMES);

/** The client's ciphertext, base64 (size checks are the domain's: 413 naming the limit). */
const Blob = z.string().min(1).max(8 * 1024 * 1024);
const ItemId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must match [A-Za-z0-9._:-]{1,128}');
const DeviceIdParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a device id');

// --- the wrapped master key -------------------------------------------------------------

export const WrappedKey = z.object({ blob: z.string(), version: z.number().int(), updatedAt: IsoTime, updatedBy: z.string() });

export const getSyncKey = defineRoute({
  operationId: 'getSyncKey',
  permission: null,
  method: 'GET',
  path: '/api/v1/sync/key',
  fn: 'sync',
  auth: 'device',
  summary: "The user's wrapped master key (opaque to the server) and its version; 404 key-not-found before the first device stored one",
  tags: ['sync-data'],
  response: WrappedKey,
});

export const putSyncKey = defineRoute({
  operationId: 'putSyncKey',
  permission: null,
  method: 'PUT',
  path: '/api/v1/sync/key',
  fn: 'sync',
  auth: 'device',
  summary:
    'Store the wrapped master key: expectedVersion 0 for the first, the current version to replace it (409 key-version-conflict with currentVersion otherwise); every version is kept and a replacement emits key_rotated',
  tags: ['sync-data'],
  body: z.object({ blob: Blob, expectedVersion: z.number().int().min(0) }).strict(),
  response: z.object({ version: z.number().int(), updatedAt: IsoTime }),
});

export const listSyncKeyVersions = defineRoute({
  operationId: 'listSyncKeyVersions',
  permission: null,
  method: 'GET',
  path: '/api/v1/sync/key/versions',
  fn: 'sync',
  auth: 'device',
  summary: 'Every wrapped key stored, oldest first (a device that missed a rotation unwraps with the one it knows)',
  tags: ['sync-data'],
  response: z.object({ versions: z.array(WrappedKey) }),
});

// --- selective sync -------------------------------------------------------------------

export const SyncConfig = z.object({
  types: z.object({ history: z.boolean(), environment: z.boolean(), secret: z.boolean(), collection: z.boolean(), setting: z.boolean() }),
  version: z.number().int(),
});
const SyncToggles = z.object({ types: z.partialRecord(SyncTypeName, z.boolean()) }).strict();

export const getSyncConfig = defineRoute({
  operationId: 'getSyncConfig',
  permission: null,
  method: 'GET',
  path: '/api/v1/sync/config',
  fn: 'sync',
  auth: 'device',
  summary: 'Selective sync: which types are on (every type on by default)',
  tags: ['sync-data'],
  response: SyncConfig,
});

export const putSyncConfig = defineRoute({
  operationId: 'putSyncConfig',
  permission: null,
  method: 'PUT',
  path: '/api/v1/sync/config',
  fn: 'sync',
  auth: 'device',
  summary: 'Turn types on or off (the others keep their state); writes to a type turned off get 409 sync-type-disabled; emits config_changed',
  tags: ['sync-data'],
  body: SyncToggles,
  response: SyncConfig,
});

// --- snapshot types ---------------------------------------------------------------------

export const SnapshotHead = z.object({
  id: z.string(),
  version: z.number().int(),
  blob: z.string(),
  bytes: z.number().int(),
  updatedAt: IsoTime,
  /** The device that wrote this version. */
  updatedBy: z.string(),
  /** This version replaced another with `force` (explicit last-writer-wins): the version it overwrote. */
  forcedOver: z.number().int().optional(),
});

const SnapshotParams = z.object({ type: SnapshotTypeName, id: ItemId });

export const listSyncSnapshots = defineRoute({
  operationId: 'listSyncSnapshots',
  permission: null,
  method: 'GET',
  path: '/api/v1/sync/data/{type}',
  fn: 'sync',
  auth: 'device',
  summary:
    'Snapshot heads of a type changed at or after `since` (the cursor of the previous page or pull; 0 or absent = all), blobs included, oldest change first; `more` when a page was cut by size (ask again with `cursor`)',
  tags: ['sync-data'],
  params: z.object({ type: SnapshotTypeName }),
  query: z.object({ since: z.coerce.number().int().min(0).optional() }),
  response: z.object({ heads: z.array(SnapshotHead), cursor: z.number().int(), more: z.boolean() }),
});

export const getSyncSnapshot = defineRoute({
  operationId: 'getSyncSnapshot',
  permission: null,
  method: 'GET',
  path: '/api/v1/sync/data/{type}/{id}',
  fn: 'sync',
  auth: 'device',
  summary: 'One snapshot head (ETag "<version>"); 404 item-not-found',
  tags: ['sync-data'],
  params: SnapshotParams,
  response: SnapshotHead,
});

export const putSyncSnapshot = defineRoute({
  operationId: 'putSyncSnapshot',
  permission: null,
  method: 'PUT',
  path: '/api/v1/sync/data/{type}/{id}',
  fn: 'sync',
  auth: 'device',
  summary:
    'Write a snapshot: `If-Match: "<version>"` of the head the client last read (absent = create only), or `force: true` for explicit last-writer-wins; a stale write gets 409 snapshot-conflict with the current head to merge; 413 too-large naming the limit; ETag "<version>"',
  tags: ['sync-data'],
  params: SnapshotParams,
  body: z.object({ blob: Blob, force: z.boolean().optional() }).strict(),
  response: z.object({ version: z.number().int(), updatedAt: IsoTime, forcedOver: z.number().int().optional() }),
});

export const clearSyncType = defineRoute({
  operationId: 'clearSyncType',
  permission: null,
  method: 'DELETE',
  path: '/api/v1/sync/data/{type}',
  fn: 'sync',
  auth: 'device',
  summary: "Delete every item of a type (history: every device's log); emits data_cleared; audited",
  tags: ['sync-data'],
  params: z.object({ type: SyncTypeName }),
  response: z.object({ deleted: z.number().int() }),
});

// --- history --------------------------------------------------------------------------

export const appendSyncHistory = defineRoute({
  operationId: 'appendSyncHistory',
  permission: null,
  method: 'POST',
  path: '/api/v1/sync/history',
  fn: 'sync',
  auth: 'device',
  summary:
    "Append records to the calling device's history log: idx contiguous from the device's next idx (409 history-gap { expectedIdx }); a record already stored with the same blob is skipped (idempotent retry), another blob at a stored idx is 409 history-conflict",
  tags: ['sync-data'],
  body: z.object({ records: z.array(z.object({ idx: z.number().int().min(0), blob: Blob }).strict()).min(1).max(5000) }).strict(),
  response: z.object({ maxIdx: z.number().int(), appended: z.number().int(), transactions: z.number().int() }),
});

export const getSyncHistoryStatus = defineRoute({
  operationId: 'getSyncHistoryStatus',
  permission: null,
  method: 'GET',
  path: '/api/v1/sync/history',
  fn: 'sync',
  auth: 'device',
  summary: "Every device log's highest idx: a client downloads what it misses by comparing them with its own",
  tags: ['sync-data'],
  response: z.object({ devices: z.record(z.string(), z.number().int()) }),
});

export const readSyncHistory = defineRoute({
  operationId: 'readSyncHistory',
  permission: null,
  method: 'GET',
  path: '/api/v1/sync/history/{deviceId}',
  fn: 'sync',
  auth: 'device',
  summary: "A page of one device's records from `fromIdx` (at most `limit` and about 4 MB); `nextIdx` when more follow",
  tags: ['sync-data'],
  params: z.object({ deviceId: DeviceIdParam }),
  query: z.object({ fromIdx: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(5000).default(1000) }),
  response: z.object({ records: z.array(z.object({ idx: z.number().int(), blob: z.string() })), nextIdx: z.number().int().optional() }),
});

// --- events ---------------------------------------------------------------------------

export const SyncEventName = z.enum(['data_updated', 'data_cleared', 'config_changed', 'key_rotated', 'device_revoked']);
export const SyncEvent = z.object({
  /** Opaque; the next poll's `after`. */
  cursor: z.string(),
  event: SyncEventName,
  at: IsoTime,
  /** The device that made the change (for device_revoked: the device that was revoked). */
  deviceId: z.string(),
  type: SyncTypeName.optional(),
  /** A snapshot's client id. */
  id: z.string().optional(),
  version: z.number().int().optional(),
  /** History: the device's highest idx after the append. */
  maxIdx: z.number().int().optional(),
});

export const pollSyncEvents = defineRoute({
  operationId: 'pollSyncEvents',
  permission: null,
  method: 'GET',
  path: '/api/v1/sync/events',
  fn: 'sync',
  auth: 'device',
  summary:
    'Long-poll: events after `after` (absent = from now), answered as soon as one exists or after `wait` seconds (at most 20, within API Gateway’s 30 s) with none; `cursor` is the next `after`; 410 cursor-expired when the cursor is older than the feed keeps (24 h): re-read heads and history status',
  tags: ['sync-data'],
  query: z.object({ after: z.string().max(200).optional(), wait: z.coerce.number().int().min(0).max(20).default(20) }),
  response: z.object({ events: z.array(SyncEvent), cursor: z.string() }),
});

// --- the dashboard --------------------------------------------------------------------

export const SyncTypeStatus = z.object({
  type: SyncTypeName,
  enabled: z.boolean(),
  /** Snapshot items, or history records across devices. */
  items: z.number().int(),
  /** Client bytes stored. */
  bytes: z.number().int(),
  lastUpdatedAt: IsoTime.nullable(),
  /** The device that made the last change: its id and current name (null once unlinked). */
  lastUpdatedBy: z.object({ deviceId: z.string(), name: z.string().nullable() }).nullable(),
});

export const getSyncOverview = defineRoute({
  operationId: 'getSyncOverview',
  permission: null,
  method: 'GET',
  path: '/api/v1/sync/overview',
  fn: 'sync',
  auth: 'session',
  tenancy: 'caller',
  summary: "The signed-in user's sync status: a card per type (on/off, items, bytes, last update and by which device), the storage used of the tier's allowance, the key version",
  tags: ['sync-data'],
  response: z.object({
    types: z.array(SyncTypeStatus),
    usedBytes: z.number().int(),
    limitBytes: z.number().int(),
    keyVersion: z.number().int(),
    configVersion: z.number().int(),
  }),
});

export const putSyncSettings = defineRoute({
  operationId: 'putSyncSettings',
  permission: null,
  method: 'PUT',
  path: '/api/v1/sync/settings',
  fn: 'sync',
  auth: 'session',
  tenancy: 'caller',
  summary: "Selective sync from the dashboard: the same toggles as a device's PUT /sync/config (config_changed to every device)",
  tags: ['sync-data'],
  body: SyncToggles,
  response: SyncConfig,
});

/** The device's routes (auth 'device'). */
export const syncDeviceDataRoutes = [
  getSyncKey,
  putSyncKey,
  listSyncKeyVersions,
  getSyncConfig,
  putSyncConfig,
  listSyncSnapshots,
  getSyncSnapshot,
  putSyncSnapshot,
  clearSyncType,
  appendSyncHistory,
  getSyncHistoryStatus,
  readSyncHistory,
  pollSyncEvents,
];

/** The dashboard's routes (auth 'session'). */
export const syncDashboardRoutes = [getSyncOverview, putSyncSettings];
