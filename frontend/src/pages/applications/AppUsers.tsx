import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { UserX } from 'lucide-react';
import { useState } from 'react';
import { call } from '../../api/operations';
import type { ApplicationUser } from '../../api/types';
import { ConfirmDialog } from '../../components/dialog';
import { LoadMore } from '../../components/Pager';
import { Badge, Card, EmptyState, ErrorAlert, SkeletonRows, Table, relativeTime, td, th } from '../../components/ui';

const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);

/** The application's end users (and automation service users): live sessions, values, last seen; revoke per user (ADMIN). */
export function AppUsers({ workspaceId, applicationId }: { workspaceId: string; applicationId: string }) {
  const qc = useQueryClient();
  const key = ['applications', workspaceId, applicationId, 'users'];
  const users = useInfiniteQuery({
    queryKey: key,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => call('listApplicationUsers', { params: { workspaceId, applicationId }, query: { limit: 25, cursor: pageParam }, signal }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const [toRevoke, setToRevoke] = useState<ApplicationUser | null>(null);
  const revoke = useMutation({
    mutationFn: (userId: string) => call('revokeApplicationUser', { params: { workspaceId, applicationId, userId } }),
    onSuccess: () => {
      setToRevoke(null);
      return qc.invalidateQueries({ queryKey: key });
    },
  });
  const all = users.data?.pages.flatMap((p) => p.users) ?? [];
  const nameOf = (u: ApplicationUser) => u.email ?? u.userId;
  return (
    <Card title="Users">
      {users.isPending ? (
        <SkeletonRows rows={2} label="Loading users" />
      ) : users.isError ? (
        <ErrorAlert error={users.error} />
      ) : all.length === 0 ? (
        <EmptyState title="No users yet">Users appear here once they sign in through the hosted login.</EmptyState>
      ) : (
        <>
          <Table label="Application users">
            <thead>
              <tr>
                <th className={th}>User</th>
                <th className={th}>Live sessions</th>
                <th className={`${th} hidden sm:table-cell`}>Values</th>
                <th className={`${th} hidden md:table-cell`}>Last seen</th>
                <th className={th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {all.map((u) => (
                <tr key={u.userId} data-app-user={nameOf(u)}>
                  <td className={`${td} break-all`}>
                    {nameOf(u)} {u.kind === 'automation' ? <Badge color="blue">automation</Badge> : null}
                  </td>
                  <td className={td} data-live-sessions>
                    {u.liveSessions}
                  </td>
                  <td className={`${td} hidden sm:table-cell`}>
                    {u.valueCount} · {bytes(u.valueBytes)}
                  </td>
                  <td className={`${td} hidden text-xs md:table-cell`}>{u.lastSeenAt ? relativeTime(u.lastSeenAt) : 'never'}</td>
                  <td className={`${td} text-right`}>
                    <button type="button" className="rounded p-1.5 text-slate-600 hover:bg-slate-100" aria-label={`Revoke ${nameOf(u)}`} onClick={() => setToRevoke(u)}>
                      <UserX className="size-4" aria-hidden />
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
          <LoadMore query={users} />
        </>
      )}
      <ConfirmDialog
        open={toRevoke !== null}
        onOpenChange={(o) => !o && setToRevoke(null)}
        title={`Revoke ${toRevoke ? nameOf(toRevoke) : ''}?`}
        description="Every session of this user in this application is refused from its next request. Their values stay; they can sign in again."
        confirmLabel="Revoke sessions"
        onConfirm={() => toRevoke && revoke.mutate(toRevoke.userId)}
        loading={revoke.isPending}
        error={<ErrorAlert error={revoke.error} />}
      />
    </Card>
  );
}
