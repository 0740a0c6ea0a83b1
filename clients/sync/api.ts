/**
 * The sync API as the reference client calls it, on the clients' shared base (clients/shared/
 * api-client.ts: operation table, bearer token, ApiError, request count); answers typed by the
 * contracts (type-only imports).
 */
import type * as z from 'zod';
import type * as auth from '../../functions/contracts/sync';
import type * as data from '../../functions/contracts/sync-data';
import { ApiClient, type RouteAnswer } from '../shared/api-client';

type Out<T extends z.ZodType> = z.output<T>;
type Res<R extends { response?: z.ZodType }> = RouteAnswer<R>;
export type SnapshotHead = Out<typeof data.SnapshotHead>;
export type SyncEvent = Out<typeof data.SyncEvent>;
export type WrappedKey = Out<typeof data.WrappedKey>;
export type DeviceAuthorizationStarted = Res<typeof auth.startDeviceAuthorization>;
export type DeviceTokenIssued = Out<typeof auth.DeviceTokenIssued>;
export type HistoryPage = Res<typeof data.readSyncHistory>;

export class SyncApi extends ApiClient {
  // --- device authorization (RFC 8628) -----------------------------------------------------

  startAuthorization(deviceName: string, platform = 'cli') {
    return this.json<DeviceAuthorizationStarted>('startDeviceAuthorization', { body: { deviceName, platform } });
  }

  pollToken(deviceCode: string) {
    return this.json<DeviceTokenIssued>('pollDeviceToken', { body: { device_code: deviceCode, grant_type: 'urn:ietf:params:oauth:grant-type:device_code' } });
  }

  revokeSelf() {
    return this.send('revokeDeviceToken');
  }

  listDevices() {
    return this.json<Res<typeof auth.listSyncDevices>>('listSyncDevices');
  }

  // --- key and config ---------------------------------------------------------------------

  getKey() {
    return this.json<WrappedKey>('getSyncKey');
  }

  putKey(blob: string, expectedVersion: number) {
    return this.json<Res<typeof data.putSyncKey>>('putSyncKey', { body: { blob, expectedVersion } });
  }

  getConfig() {
    return this.json<Out<typeof data.SyncConfig>>('getSyncConfig');
  }

  // --- snapshots -------------------------------------------------------------------------

  listSnapshots(type: string, since?: number) {
    return this.json<Res<typeof data.listSyncSnapshots>>('listSyncSnapshots', { params: { type }, query: { since } });
  }

  /** `ifMatch` undefined = create only. */
  putSnapshot(type: string, id: string, blob: string, ifMatch?: number) {
    return this.json<Res<typeof data.putSyncSnapshot>>('putSyncSnapshot', {
      params: { type, id },
      body: { blob },
      headers: ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` },
    });
  }

  // --- history ---------------------------------------------------------------------------

  appendHistory(records: { idx: number; blob: string }[]) {
    return this.json<Res<typeof data.appendSyncHistory>>('appendSyncHistory', { body: { records } });
  }

  historyStatus() {
    return this.json<Res<typeof data.getSyncHistoryStatus>>('getSyncHistoryStatus');
  }

  readHistory(deviceId: string, fromIdx: number, limit?: number) {
    return this.json<HistoryPage>('readSyncHistory', { params: { deviceId }, query: { fromIdx, limit } });
  }

  // --- events ----------------------------------------------------------------------------

  pollEvents(after: string | undefined, wait?: number) {
    return this.json<Res<typeof data.pollSyncEvents>>('pollSyncEvents', { query: { after, wait } });
  }
}
