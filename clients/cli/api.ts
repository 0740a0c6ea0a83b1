/**
 * The API as `flarevault` calls it, on the clients' shared base (clients/shared/api-client.ts);
 * answers typed by the contracts (type-only imports). List routes that page are walked to the end.
 */
import type * as z from 'zod';
import type * as cf from '../../functions/contracts/cloudflare';
import type * as jobs from '../../functions/contracts/jobs';
import type * as sync from '../../functions/contracts/dns-sync';
import type * as auth from '../../functions/contracts/sync';
import type * as ws from '../../functions/contracts/workspaces';
import type { Scope } from '../../functions/contracts/route';
import type { OperationId } from '../../frontend/core/operations.gen';
import { ApiClient, type RouteAnswer } from '../shared/api-client';

export type Job = z.output<typeof jobs.Job>;
export type JobItem = z.output<typeof jobs.JobItem>;
export type ZonePlan = z.output<typeof jobs.ZonePlan>;
export type JobStatus = Job['status'];
export type Workspace = z.output<typeof ws.Workspace>;
export type CloudflareAccount = z.output<typeof cf.CloudflareAccount>;
export type Zone = z.output<typeof cf.Zone>;
export type ZoneState = RouteAnswer<typeof sync.exportZoneState>;
export type DeviceAuthorizationStarted = RouteAnswer<typeof auth.startDeviceAuthorization>;

/** The token answer of a CLI login: an API key (RFC 6749 §5.1 fields). */
export type ApiKeyIssued = z.output<typeof auth.ApiKeyTokenIssued>;

/** A POST /api/v1/jobs body (any kind). */
export type CreateJobBody = z.input<typeof jobs.CreateJobBody>;
/** The body of a `dns-sync` job (the selection is the zone names of `params.zones`). */
export type DnsSyncJobBody = Extract<CreateJobBody, { kind: 'dns-sync' }>;

const PAGE = 100;
/** listZones' largest page. */
const ZONE_PAGE = 50;

export class FlarevaultApi extends ApiClient {
  // --- login (RFC 8628 device authorization minting an API key) ----------------------------

  startLogin(deviceName: string, scopes: readonly Scope[]) {
    return this.json<DeviceAuthorizationStarted>('startDeviceAuthorization', { body: { deviceName, platform: 'cli', scopes } });
  }

  pollLogin(deviceCode: string) {
    return this.json<ApiKeyIssued>('pollDeviceToken', { body: { device_code: deviceCode, grant_type: 'urn:ietf:params:oauth:grant-type:device_code' } });
  }

  /** DELETE /api-keys/current: the calling API key deletes itself (logout). */
  async revokeCurrentKey(): Promise<void> {
    await this.send('deleteCurrentApiKey');
  }

  // --- lists --------------------------------------------------------------------------------

  async workspaces(): Promise<Workspace[]> {
    return (await this.json<RouteAnswer<typeof ws.listWorkspaces>>('listWorkspaces')).workspaces;
  }

  async accounts(): Promise<CloudflareAccount[]> {
    return (await this.json<RouteAnswer<typeof cf.listCloudflareAccounts>>('listCloudflareAccounts')).accounts;
  }

  /** Every zone of the account (matching `search` when given), all pages. */
  async zones(accountId: string, search?: string): Promise<Zone[]> {
    const out: Zone[] = [];
    for (let page = 1; ; page++) {
      const r = await this.json<RouteAnswer<typeof cf.listZones>>('listZones', { params: { id: accountId }, query: { search, page, perPage: ZONE_PAGE } });
      out.push(...r.zones);
      if (page >= r.totalPages || r.zones.length === 0) return out;
    }
  }

  /** A zone's live records in the zones file's shape (read-only records left out, counted). */
  exportZoneState(accountId: string, zoneId: string) {
    return this.json<ZoneState>('exportZoneState', { params: { id: accountId, zoneId } });
  }

  exportZoneBind(accountId: string, zoneId: string) {
    return this.json<string>('exportZoneBind', { params: { id: accountId, zoneId } });
  }

  // --- jobs ---------------------------------------------------------------------------------

  async createJob(body: CreateJobBody): Promise<Job> {
    return (await this.json<RouteAnswer<typeof jobs.createJob>>('createJob', { body })).job;
  }

  async job(id: string): Promise<Job> {
    return (await this.json<RouteAnswer<typeof jobs.getJob>>('getJob', { params: { id } })).job;
  }

  listJobs(limit: number, cursor?: string) {
    return this.json<RouteAnswer<typeof jobs.listJobs>>('listJobs', { query: { limit, cursor } });
  }

  /** Every item of the job (plan order), all pages. */
  jobItems(id: string): Promise<JobItem[]> {
    return this.allPages<RouteAnswer<typeof jobs.listJobItems>, 'items'>('listJobItems', id, 'items');
  }

  /** A job's cursor-paged list, walked to the end. */
  private async allPages<R extends { nextCursor: string | null } & Record<K, unknown[]>, K extends string>(op: OperationId, id: string, key: K): Promise<R[K]> {
    const out: unknown[] = [];
    let cursor: string | undefined;
    do {
      const r = await this.json<R>(op, { params: { id }, query: { limit: PAGE, cursor } });
      out.push(...r[key]);
      cursor = r.nextCursor ?? undefined;
    } while (cursor);
    return out as R[K];
  }

  async applyJob(id: string, force: boolean): Promise<Job> {
    return (await this.json<RouteAnswer<typeof jobs.applyJob>>('applyJob', { params: { id }, body: { force, mode: 'server' } })).job;
  }

  async cancelJob(id: string): Promise<Job> {
    return (await this.json<RouteAnswer<typeof jobs.cancelJob>>('cancelJob', { params: { id } })).job;
  }

  async revertJob(id: string): Promise<Job> {
    return (await this.json<RouteAnswer<typeof jobs.revertJob>>('revertJob', { params: { id } })).job;
  }
}
