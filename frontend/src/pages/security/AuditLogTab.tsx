import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { call } from '../../api/operations';
import { LoadMore } from '../../components/Pager';
import { AuditTable } from '../../components/AuditTable';
import { Badge, Card, EmptyState, ErrorAlert, SkeletonRows } from '../../components/ui';

/** The account's audit events, paged, with the hash-chain check. */
export function AuditLogTab() {
  const audit = useInfiniteQuery({
    queryKey: ['audit', 'log'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => call('listAuditEvents', { query: { limit: 50, cursor: pageParam }, signal }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  // Verifying reads the whole chain, so it is its own request, once per visit, not once per page.
  const chain = useQuery({
    queryKey: ['audit', 'chain'],
    queryFn: ({ signal }) => call('verifyAuditChain', { signal }),
  });
  const events = audit.data?.pages.flatMap((p) => p.events) ?? [];
  const chainValid = chain.data?.valid;
  return (
    <Card
      title="Audit log"
      actions={
        chain.data ? (
          <Badge color={chainValid ? 'green' : 'red'}>{chainValid ? 'hash chain intact' : 'hash chain broken'}</Badge>
        ) : null
      }
    >
      {audit.isPending ? (
        <SkeletonRows rows={5} label="Loading audit events" />
      ) : audit.isError ? (
        <ErrorAlert error={audit.error} />
      ) : events.length === 0 ? (
        <EmptyState title="No events yet">Sign-ins, MFA changes, key and session changes appear here.</EmptyState>
      ) : (
        <>
          <AuditTable events={events} />
          <LoadMore query={audit} />
        </>
      )}
    </Card>
  );
}
