import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { call } from '../../api/operations';
import { LoadMore } from '../../components/Pager';
import { Badge, Card, EmptyState, ErrorAlert, SkeletonRows, Table, cx, formatTime, td, th } from '../../components/ui';

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
          <Table label="Audit events">
            <thead>
              <tr>
                <th className={th}>Event</th>
                <th className={th}>When</th>
                <th className={`${th} hidden md:table-cell`}>From</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {events.map((e) => (
                <tr key={e.seq}>
                  <td className={td}>
                    <code className="font-mono text-xs">{e.type}</code>
                    {Object.keys(e.metadata).length ? (
                      <p className={cx('mt-0.5 font-mono text-[11px] break-all text-slate-500')}>{JSON.stringify(e.metadata)}</p>
                    ) : null}
                  </td>
                  <td className={`${td} text-xs whitespace-nowrap`}>
                    <time dateTime={e.time} title={e.time}>
                      {formatTime(e.time)}
                    </time>
                  </td>
                  <td className={`${td} hidden text-xs text-slate-500 md:table-cell`}>
                    {e.ip ?? ''} <span className="block max-w-xs truncate">{e.userAgent ?? ''}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
          <LoadMore query={audit} />
        </>
      )}
    </Card>
  );
}
