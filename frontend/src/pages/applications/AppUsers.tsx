import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { KeyRound, Trash2, UserX } from 'lucide-react';
import { Fragment, useState } from 'react';
import { call } from '../../api/operations';
import type { ApplicationUser } from '../../api/types';
import { ActionTable, RowAction } from '../../components/ActionTable';
import { ConfirmDialog } from '../../components/dialog';
import { LoadMore } from '../../components/Pager';
import { QueryState } from '../../components/QueryState';
import { Badge, Card, EmptyState, ErrorAlert, formatBytes, relativeTime, td } from '../../components/ui';
import { UserValues } from './UserValues';

/**
 * The application's end users (and automation service users): live sessions, values, last seen; revoke per user,
 * their keys (a value is read only with a reason, audited), delete a user (crypto-shred of their values) (ADMIN).
 */
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
  const [toDelete, setToDelete] = useState<ApplicationUser | null>(null);
  const remove = useMutation({
    mutationFn: (userId: string) => call('deleteApplicationUser', { params: { workspaceId, applicationId, userId } }),
    onSuccess: () => {
      setToDelete(null);
      return qc.invalidateQueries({ queryKey: key });
    },
  });
  const [open, setOpen] = useState<string | null>(null);
  const all = users.data?.pages.flatMap((p) => p.users) ?? [];
  const nameOf = (u: ApplicationUser) => u.email ?? u.userId;
  return (
    <Card title="Users">
      <QueryState
        query={users}
        rows={2}
        loading="Loading users"
        isEmpty={() => all.length === 0}
        empty={<EmptyState title="No users yet">Users appear here once they sign in through the hosted login.</EmptyState>}
      >
        {() => (
          <>
            <ActionTable
              label="Application users"
              columns={['User', 'Live sessions', { label: 'Values', className: 'hidden sm:table-cell' }, { label: 'Last seen', className: 'hidden md:table-cell' }]}
            >
              {all.map((u) => (
                <Fragment key={u.userId}>
                  <tr data-app-user={nameOf(u)}>
                    <td className={`${td} break-all`}>
                      {nameOf(u)} {u.kind === 'automation' ? <Badge color="blue">automation</Badge> : null}
                    </td>
                    <td className={td} data-live-sessions>
                      {u.liveSessions}
                    </td>
                    <td className={`${td} hidden sm:table-cell`}>
                      {u.valueCount} · {formatBytes(u.valueBytes)}
                    </td>
                    <td className={`${td} hidden text-xs md:table-cell`}>{u.lastSeenAt ? relativeTime(u.lastSeenAt) : 'never'}</td>
                    <td className={`${td} whitespace-nowrap text-right`}>
                      <RowAction label={`Keys of ${nameOf(u)}`} icon={KeyRound} aria-expanded={open === u.userId} onClick={() => setOpen(open === u.userId ? null : u.userId)} />
                      <RowAction label={`Revoke ${nameOf(u)}`} icon={UserX} onClick={() => setToRevoke(u)} />
                      <RowAction label={`Delete ${nameOf(u)}`} icon={Trash2} tone="danger" onClick={() => setToDelete(u)} />
                    </td>
                  </tr>
                  {open === u.userId ? (
                    <tr>
                      <td className={`${td} bg-slate-50`} colSpan={5}>
                        <UserValues params={{ workspaceId, applicationId, userId: u.userId }} label={nameOf(u)} onChange={() => qc.invalidateQueries({ queryKey: key })} />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              ))}
            </ActionTable>
            <LoadMore query={users} />
          </>
        )}
      </QueryState>
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
      <ConfirmDialog
        open={toDelete !== null}
        onOpenChange={(o) => !o && setToDelete(null)}
        title={`Delete ${toDelete ? nameOf(toDelete) : ''} from this application?`}
        description="Their sessions end and their values are crypto-shredded: unreadable at once, then deleted. Their flarevault account stays."
        confirmLabel="Delete user and values"
        onConfirm={() => toDelete && remove.mutate(toDelete.userId)}
        loading={remove.isPending}
        error={<ErrorAlert error={remove.error} />}
      />
    </Card>
  );
}
