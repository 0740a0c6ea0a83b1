import { useInfiniteQuery } from '@tanstack/react-query';
import { call } from '../api/operations';
import { BackToWorkspace } from '../components/BackToWorkspace';
import type { AccessLogQuery } from '../api/types';
import { LoadMore } from '../components/Pager';
import { Badge, Card, EmptyState, ErrorAlert, Notice, PageHeader, SkeletonRows, Table, formatTime, td, th } from '../components/ui';
import { useLocation } from '../lib/router';
import { useActiveWorkspace, useCan } from '../lib/workspace';
import { AccessFilters, FILTERS, type Filters } from './access-log/AccessFilters';

/** `/workspace/access-log`: every authenticated API call in the active workspace (ADMIN), newest first, filtered from the URL. */
export default function AccessLog() {
  const { workspace } = useActiveWorkspace();
  const gate = useCan('logs.read');
  const { query } = useLocation();
  const filters: Filters = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? undefined]).filter(([, v]) => v));
  const log = useInfiniteQuery({
    queryKey: ['access-log', workspace?.id, filters],
    enabled: !!workspace && gate.allowed,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      call('listAccessLog', { params: { workspaceId: workspace!.id }, query: { ...filters, limit: 50, cursor: pageParam } as AccessLogQuery, signal }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const entries = log.data?.pages.flatMap((p) => p.entries) ?? [];
  return (
    <>
      <PageHeader
        title="API-access log"
        description={<BackToWorkspace name={workspace?.name} />}
      />
      {gate.reason ? (
        <Notice tone="warning">{gate.reason} to read this workspace's logs.</Notice>
      ) : (
        <div className="space-y-4">
          <Card>
            <AccessFilters key={query.toString()} value={filters} error={log.error} />
          </Card>
          {log.isPending && !!workspace ? (
            <SkeletonRows rows={5} label="Loading the access log" />
          ) : log.isError ? (
            <ErrorAlert error={log.error} />
          ) : entries.length === 0 ? (
            <EmptyState title="No API calls match">Change the filters, or come back after some calls (a call is listed a few seconds after it is made).</EmptyState>
          ) : (
            <Card>
              <Table label="API calls">
                <thead>
                  <tr>
                    <th className={th}>Time</th>
                    <th className={th}>Operation</th>
                    <th className={th}>Status</th>
                    <th className={`${th} hidden md:table-cell`}>Credential</th>
                    <th className={`${th} hidden lg:table-cell`}>Latency</th>
                    <th className={`${th} hidden lg:table-cell`}>IP · user agent</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {entries.map((e) => (
                    <tr key={e.requestId} data-access-entry={e.operationId}>
                      <td className={`${td} whitespace-nowrap text-xs`}>{formatTime(e.at)}</td>
                      <td className={`${td} font-mono text-xs`}>
                        {e.method} {e.operationId}
                      </td>
                      <td className={td}>
                        <Badge color={e.status < 400 ? 'green' : e.status < 500 ? 'amber' : 'red'}>{e.status}</Badge>
                      </td>
                      <td className={`${td} hidden font-mono text-xs md:table-cell`}>
                        {e.credentialKind} {e.credentialId.slice(0, 12)}
                      </td>
                      <td className={`${td} hidden text-xs lg:table-cell`}>{e.latencyMs} ms</td>
                      <td className={`${td} hidden max-w-xs truncate text-xs lg:table-cell`} title={e.userAgent}>
                        {e.ip} · {e.userAgent}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </Table>
              <LoadMore query={log} />
            </Card>
          )}
        </div>
      )}
    </>
  );
}
