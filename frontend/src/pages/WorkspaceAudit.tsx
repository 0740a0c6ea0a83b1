import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { call } from '../api/operations';
import { BackToWorkspace } from '../components/BackToWorkspace';
import { AuditTable } from '../components/AuditTable';
import { LoadMore } from '../components/Pager';
import { Badge, Card, EmptyState, ErrorAlert, Notice, PageHeader, SkeletonRows } from '../components/ui';
import { useActiveWorkspace, useCan } from '../lib/workspace';

/** `/workspace/audit`: the active workspace's audit events (ADMIN) with its hash-chain check. */
export default function WorkspaceAudit() {
  const { workspace } = useActiveWorkspace();
  const gate = useCan('logs.read');
  const enabled = !!workspace && gate.allowed;
  const audit = useInfiniteQuery({
    queryKey: ['workspace-audit', workspace?.id],
    enabled,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => call('listWorkspaceAuditEvents', { params: { workspaceId: workspace!.id }, query: { limit: 50, cursor: pageParam }, signal }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const chain = useQuery({
    queryKey: ['workspace-audit', workspace?.id, 'chain'],
    enabled,
    queryFn: ({ signal }) => call('verifyWorkspaceAuditChain', { params: { workspaceId: workspace!.id }, signal }),
  });
  const events = audit.data?.pages.flatMap((p) => p.events) ?? [];
  return (
    <>
      <PageHeader
        title="Workspace audit log"
        description={<BackToWorkspace name={workspace?.name} />}
      />
      {gate.reason ? (
        <Notice tone="warning">{gate.reason} to read this workspace's logs.</Notice>
      ) : (
        <Card
          title="Events"
          actions={chain.data ? <Badge color={chain.data.valid ? 'green' : 'red'}>{chain.data.valid ? 'hash chain intact' : 'hash chain broken'}</Badge> : null}
        >
          {audit.isPending ? (
            <SkeletonRows rows={5} label="Loading audit events" />
          ) : audit.isError ? (
            <ErrorAlert error={audit.error} />
          ) : events.length === 0 ? (
            <EmptyState title="No events yet">Member, account and approval changes appear here.</EmptyState>
          ) : (
            <>
              <AuditTable events={events} />
              <LoadMore query={audit} />
            </>
          )}
          <ErrorAlert error={chain.error} className="mt-3" />
        </Card>
      )}
    </>
  );
}
