/**
 * The API-access log of a workspace.
 *
 *   accessEntry(deps, call) -> AccessEntryWrite   the entry of one authenticated call and where it goes;
 *                                           the ingest (`ingest.ts`) makes them from access lines
 *                                           (`access-line.ts`) and writes them (`store.ts`)
 *   recordAccess(deps, call) -> void        one entry, written if absent
 *   listAccess(deps, actor, filters) -> { entries, nextCursor }   newest first (`logs.read`)
 *
 * Which workspace: the one the path names (`/workspaces/{workspaceId}/…`) when the call
 * got past membership (any status but 404), else the credential's workspace. The entry
 * lives as long as that workspace's tier keeps audit events (TTL).
 */
import type { Repository, Stored } from '../data/repository';
import { limitsFor, type Tier } from '../platform/tiers';
import type { Actor } from '../tenancy/actor';
import type { AccessRecord, Principal } from '../tenancy/principal';
import { workspaceTenant, type Tenant } from '../tenancy/tenant';
import { assertCan } from '../workspaces/permissions';
import { AccessEntity, accessSk, type AccessItem } from './entities';

export interface AccessLogDeps {
  readonly repo: Pick<Repository, 'create' | 'query'>;
  /** The tier of a workspace other than the credential's (its retention). */
  readonly tierOf: (workspaceId: string) => Promise<Tier | undefined>;
}

/** What an entry needs of a call: an `AccessRecord`, or one rebuilt from its access line. */
export type AccessCall = Omit<AccessRecord, 'principal'> & {
  readonly principal: Pick<Principal, 'tenant' | 'tier' | 'userId' | 'credential' | 'credentialId'>;
};

export interface AccessFilters {
  credentialId?: string;
  operationId?: string;
  status?: number;
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

export type AccessView = Omit<AccessItem, never>;

/** Pages read per listing at most (filters may skip many entries); the cursor continues. */
const MAX_PAGES = 10;

/** One entry, where it goes: the partition of `tenant`, sort key `sk`, expiring at `ttl` (epoch s). */
export interface AccessEntryWrite {
  readonly tenant: Tenant;
  readonly sk: string;
  readonly item: AccessItem;
  readonly ttl: number;
}

/** The entry of a call and its place (the path's workspace, when the call got past membership). */
export async function accessEntry(deps: Pick<AccessLogDeps, 'tierOf'>, call: AccessCall): Promise<AccessEntryWrite> {
  const { principal } = call;
  const pathWorkspace = typeof call.params?.workspaceId === 'string' ? call.params.workspaceId : undefined;
  let tenant = principal.tenant;
  let tier: Tier = principal.tier;
  if (pathWorkspace && pathWorkspace !== principal.tenant.id && call.status !== 404) {
    const t = await deps.tierOf(pathWorkspace);
    if (t) {
      tenant = workspaceTenant(pathWorkspace);
      tier = t;
    }
  }
  const at = new Date(call.startedAt).toISOString();
  const item: AccessItem = {
    at,
    requestId: call.requestId,
    credentialKind: principal.credential,
    credentialId: principal.credentialId,
    userId: principal.userId,
    operationId: call.operationId,
    method: call.method,
    status: call.status,
    latencyMs: Math.max(0, Math.round(call.latencyMs)),
    ip: call.ip,
    userAgent: call.userAgent,
  };
  const ttl = Math.floor(call.startedAt / 1000) + limitsFor(tier).auditRetentionDays * 86_400;
  return { tenant, sk: accessSk(at, call.requestId), item, ttl };
}

/** One entry, written if absent (the ingest writes many at once: `store.ts`). Throws ConflictError (`exists`) if present. */
export async function recordAccess(deps: AccessLogDeps, call: AccessCall): Promise<void> {
  const e = await accessEntry(deps, call);
  await deps.repo.create(e.tenant, AccessEntity, e.sk, e.item, { ttl: e.ttl });
}

const view = (e: Stored<AccessItem>): AccessView => ({
  at: e.at,
  requestId: e.requestId,
  credentialKind: e.credentialKind,
  credentialId: e.credentialId,
  userId: e.userId,
  operationId: e.operationId,
  method: e.method,
  status: e.status,
  latencyMs: e.latencyMs,
  ip: e.ip,
  userAgent: e.userAgent,
});

/** Newest first; filters apply to whole pages read in key order, so the cursor never skips an entry. */
export async function listAccess(deps: AccessLogDeps, actor: Actor, f: AccessFilters): Promise<{ entries: AccessView[]; nextCursor: string | null }> {
  assertCan(actor, 'logs.read');
  const from = f.from ? Date.parse(f.from) : undefined;
  const to = f.to ? Date.parse(f.to) : undefined;
  const entries: AccessView[] = [];
  let cursor = f.cursor;
  for (let page = 0; page < MAX_PAGES && entries.length < f.limit; page++) {
    const out = await deps.repo.query(actor.tenant, AccessEntity, { descending: true, cursor, limit: f.limit - entries.length });
    cursor = out.cursor;
    for (const e of out.items) {
      const t = Date.parse(e.at);
      if (from !== undefined && t < from) return { entries, nextCursor: null }; // older ones follow
      if (to !== undefined && t > to) continue;
      if (f.credentialId && e.credentialId !== f.credentialId) continue;
      if (f.operationId && e.operationId !== f.operationId) continue;
      if (f.status !== undefined && e.status !== f.status) continue;
      entries.push(view(e));
    }
    if (!cursor) break;
  }
  return { entries, nextCursor: cursor ?? null };
}
