/** TanStack Query hooks, one per read route; mutations live next to the pages that use them. */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ApiError } from './client';
import { call, type OperationQuery } from './operations';
import type { ApiKeysResponse, Job } from './types';
import { ACTIVE_JOB_STATUSES } from './types';

export const keys = {
  me: ['me'] as const,
  accounts: ['accounts'] as const,
  zones: (accountId: string, q: object) => ['zones', accountId, q] as const,
  dns: (accountId: string, zoneId: string, q: object) => ['dns', accountId, zoneId, q] as const,
  jobs: ['jobs'] as const,
  job: (id: string) => ['job', id] as const,
  jobItems: (id: string, q: object) => ['job', id, 'items', q] as const,
  jobEvents: (id: string) => ['job', id, 'events'] as const,
  sessions: ['sessions'] as const,
  apiKeys: ['api-keys'] as const,
  passkeys: ['passkeys'] as const,
  audit: (q: object) => ['audit', q] as const,
  outbox: ['outbox'] as const,
  workspaces: ['workspaces'] as const,
  members: (workspaceId: string) => ['workspaces', workspaceId, 'members'] as const,
  invites: (workspaceId: string) => ['workspaces', workspaceId, 'invites'] as const,
  devices: ['devices'] as const,
  syncOverview: ['sync', 'overview'] as const,
};

/** Polling interval for anything that shows a running job. */
export const LIVE_MS = 1000;
export const isActive = (job: Pick<Job, 'status'> | undefined): boolean => !!job && ACTIVE_JOB_STATUSES.includes(job.status);

export function useAccounts() {
  return useQuery({ queryKey: keys.accounts, queryFn: ({ signal }) => call('listCloudflareAccounts', { signal }) });
}

export interface ZonesQuery {
  search?: string;
  page?: number;
  perPage?: number;
}
export function useZones(accountId: string | undefined, q: ZonesQuery) {
  return useQuery({
    queryKey: keys.zones(accountId ?? '', q),
    enabled: !!accountId,
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) => call('listZones', { params: { id: accountId! }, query: { ...q }, signal }),
  });
}

/**
 * Filters as the address bar holds them (plain strings): the server validates
 * them and a bad one (e.g. `?type=FOO`) comes back as a problem to show, so
 * they are not narrowed to the contract's enums here.
 */
export interface DnsQuery {
  name?: string;
  type?: string;
  content?: string;
  proxied?: string;
  page?: number;
  perPage?: number;
}
export function useDnsRecords(accountId: string, zoneId: string, q: DnsQuery) {
  return useQuery({
    queryKey: keys.dns(accountId, zoneId, q),
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) => call('listDnsRecords', { params: { id: accountId, zoneId }, query: { ...q } as OperationQuery<'listDnsRecords'>, signal }),
  });
}

export function useJobs(opts: { poll?: boolean } = {}) {
  return useQuery({
    queryKey: keys.jobs,
    queryFn: ({ signal }) => call('listJobs', { query: { limit: 50 }, signal }),
    refetchInterval: (q) => (opts.poll !== false && q.state.data?.jobs.some(isActive) ? LIVE_MS : false),
  });
}

export function useJob(id: string) {
  return useQuery({
    queryKey: keys.job(id),
    queryFn: ({ signal }) => call('getJob', { params: { id }, signal }),
    refetchInterval: (q) => (isActive(q.state.data?.job) ? LIVE_MS : false),
  });
}

export function useJobEvents(id: string, live: boolean) {
  return useQuery({
    queryKey: keys.jobEvents(id),
    queryFn: ({ signal }) => call('listJobEvents', { params: { id }, signal }),
    refetchInterval: live ? LIVE_MS : false,
  });
}

export function useSessions() {
  return useQuery({ queryKey: keys.sessions, queryFn: ({ signal }) => call('listSessions', { signal }) });
}

/** The signed-in user's linked sync devices. */
export function useDevices() {
  return useQuery({ queryKey: keys.devices, queryFn: ({ signal }) => call('listDevices', { signal }) });
}

/** The sync status of the signed-in user: a card per type, storage used, the toggles. */
export function useSyncOverview() {
  return useQuery({ queryKey: keys.syncOverview, queryFn: ({ signal }) => call('getSyncOverview', { signal }) });
}

/** Every API key, all pages: a key the list leaves off is one the user cannot see or delete. */
export function usePasskeys() {
  return useQuery({ queryKey: keys.passkeys, queryFn: ({ signal }) => call('listPasskeys', { signal }) });
}

export function useApiKeys() {
  return useQuery({
    queryKey: keys.apiKeys,
    queryFn: async ({ signal }) => {
      const apiKeys: ApiKeysResponse['apiKeys'] = [];
      let cursor: string | undefined;
      do {
        const page = await call('listApiKeys', { query: { limit: 100, cursor }, signal });
        apiKeys.push(...page.apiKeys);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return { apiKeys: apiKeys.sort((a, b) => b.createdAt.localeCompare(a.createdAt)) };
    },
  });
}

export function useAuditEvents(q: { cursor?: string; limit?: number } = {}) {
  return useQuery({
    queryKey: keys.audit(q),
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) => call('listAuditEvents', { query: { limit: 25, ...q }, signal }),
  });
}

/**
 * The local mail outbox. It answers 404 outside local mode (and until the
 * route exists), which hides the nav entry; `null` means "not available".
 */
export function useOutbox(opts: { poll?: boolean } = {}) {
  return useQuery({
    queryKey: keys.outbox,
    retry: false,
    staleTime: 10_000,
    refetchInterval: opts.poll ? 3000 : false,
    queryFn: async ({ signal }) => {
      try {
        return await call('listOutbox', { signal, quietAuth: true });
      } catch (e) {
        if (e instanceof ApiError && (e.status === 404 || e.status === 403)) return null;
        throw e;
      }
    },
  });
}

/** The caller's workspaces, their role in each, and which one the session acts on. */
export function useWorkspaces() {
  return useQuery({ queryKey: keys.workspaces, staleTime: 30_000, queryFn: ({ signal }) => call('listWorkspaces', { signal }) });
}

export function useMembers(workspaceId: string | undefined) {
  return useQuery({
    queryKey: keys.members(workspaceId ?? ''),
    enabled: !!workspaceId,
    queryFn: ({ signal }) => call('listMembers', { params: { workspaceId: workspaceId! }, signal }),
  });
}

/** Pending invites (ADMIN+): not asked for when the role may not see them. */
export function useInvites(workspaceId: string | undefined, enabled: boolean) {
  return useQuery({
    queryKey: keys.invites(workspaceId ?? ''),
    enabled: !!workspaceId && enabled,
    queryFn: ({ signal }) => call('listInvites', { params: { workspaceId: workspaceId! }, query: { limit: 100 }, signal }),
  });
}
