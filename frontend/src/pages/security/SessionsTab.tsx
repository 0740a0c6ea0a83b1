import { useMutation, useQueryClient } from '@tanstack/react-query';
import { LogOut, MonitorSmartphone } from 'lucide-react';
import { useState } from 'react';
import { call } from '../../api/operations';
import { keys, useSessions } from '../../api/queries';
import { ConfirmDialog } from '../../components/dialog';
import { DeviceRow } from './DeviceRow';
import { Badge, Button, Card, ErrorAlert, Notice, SkeletonRows, relativeTime } from '../../components/ui';

/** Signed-in devices: revoke one, or sign out every session but this one. */
export function SessionsTab() {
  const qc = useQueryClient();
  const sessions = useSessions();
  const [confirmAll, setConfirmAll] = useState(false);
  const revoke = useMutation({
    mutationFn: (id: string) => call('revokeSession', { params: { id } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.sessions }),
  });
  const revokeAll = useMutation({
    mutationFn: () => call('revokeAllSessions'),
    onSuccess: () => {
      setConfirmAll(false);
      return qc.invalidateQueries({ queryKey: keys.sessions });
    },
  });
  const others = sessions.data?.sessions.filter((s) => !s.current).length ?? 0;
  return (
    <Card
      title="Signed-in devices"
      actions={
        <Button variant="secondary" size="sm" disabled={!others} onClick={() => setConfirmAll(true)}>
          <LogOut className="size-4" aria-hidden /> Sign out all other sessions
        </Button>
      }
    >
      {revokeAll.isSuccess ? (
        <Notice tone="success" className="mb-3">
          Signed out {revokeAll.data.revoked} other session{revokeAll.data.revoked === 1 ? '' : 's'}.
        </Notice>
      ) : null}
      <ErrorAlert error={revoke.error} className="mb-3" />
      {sessions.isPending ? (
        <SkeletonRows rows={3} label="Loading sessions" />
      ) : sessions.isError ? (
        <ErrorAlert error={sessions.error} />
      ) : (
        <ul className="divide-y divide-slate-100">
          {sessions.data.sessions.map((s) => (
            <DeviceRow
              key={s.id}
              icon={MonitorSmartphone}
              title={
                <>
                  {s.device || 'Unknown device'} {s.current ? <Badge color="green">this device</Badge> : null}
                </>
              }
              action={
                s.current ? null : (
                  <Button size="sm" variant="ghost" onClick={() => revoke.mutate(s.id)} loading={revoke.isPending && revoke.variables === s.id} aria-label={`Revoke session on ${s.device}`}>
                    Revoke
                  </Button>
                )
              }
            >
              <p className="truncate text-xs text-slate-500" title={s.userAgent}>
                {s.userAgent}
              </p>
              <p className="text-xs text-slate-500">
                {s.ip} · signed in {relativeTime(s.createdAt)} · last seen {relativeTime(s.lastSeenAt)}
              </p>
            </DeviceRow>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={confirmAll}
        onOpenChange={setConfirmAll}
        title="Sign out every other session?"
        description="Every device except this one is signed out at once, including CLIs using session tokens. API keys are not affected."
        confirmLabel="Sign out others"
        onConfirm={() => revokeAll.mutate()}
        loading={revokeAll.isPending}
        error={<ErrorAlert error={revokeAll.error} />}
      />
    </Card>
  );
}
