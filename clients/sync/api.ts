/**
 * The sync API as the reference client calls it: method and path from the generated operation
 * table (frontend/core/operations.gen.ts, the path builder next to it), answers typed by the
 * contracts (type-only imports), failures as ApiError (problem+json, frontend/core/problem.ts).
 * Counts its requests, for `status --json` and the bench.
 */
import type * as z from 'zod';
import type * as auth from '../../functions/contracts/sync';
import type * as data from '../../functions/contracts/sync-data';
import { buildUrl, operationPath, type QueryValues } from '../../frontend/core/operation-path';
import { OPERATIONS, type OperationId } from '../../frontend/core/operations.gen';
import { ApiError, problemOf, retryAfterOf } from '../../frontend/core/problem';

type Out<T extends z.ZodType> = z.output<T>;
/** The answer of a contract route. */
type Res<R extends { response?: z.ZodType }> = z.output<NonNullable<R['response']>>;
export type SnapshotHead = Out<typeof data.SnapshotHead>;
export type SyncEvent = Out<typeof data.SyncEvent>;
export type WrappedKey = Out<typeof data.WrappedKey>;
export type DeviceAuthorizationStarted = Res<typeof auth.startDeviceAuthorization>;
export type DeviceTokenIssued = Out<typeof auth.DeviceTokenIssued>;
export type HistoryPage = Res<typeof data.readSyncHistory>;

interface Request {
  readonly params?: Record<string, string | number>;
  readonly query?: QueryValues;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export class SyncApi {
  /** Requests sent (every answer, errors included). */
  requests = 0;

  constructor(
    readonly baseUrl: string,
    private token: string | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  setToken(token: string): void {
    this.token = token;
  }

  /** The answer's JSON body (undefined for 204) and headers; ApiError on a non-2xx answer. */
  async send<T>(op: OperationId, req: Request = {}): Promise<{ body: T; headers: Headers }> {
    const { method } = OPERATIONS[op];
    const url = new URL(buildUrl(operationPath(op, req.params), req.query), this.baseUrl).toString();
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    this.requests++;
    const res = await this.fetchImpl(url, { method, headers, body: req.body === undefined ? undefined : JSON.stringify(req.body) });
    if (!res.ok) throw new ApiError(await problemOf(res), retryAfterOf(res));
    const text = res.status === 204 ? '' : await res.text();
    return { body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
  }

  private async json<T>(op: OperationId, req?: Request): Promise<T> {
    return (await this.send<T>(op, req)).body;
  }

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
