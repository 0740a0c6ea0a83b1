import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Laptop } from 'lucide-react';
import { useState } from 'react';
import { call } from '../../api/operations';
import { ConfirmDialog } from '../../components/dialog';
import { Badge, Card, Button, ErrorAlert, SkeletonRows, relativeTime } from '../../components/ui';

const DEVICES_KEY = ['devices'] as const;

/** Linked sync devices (device authorization): revoke one, after confirming; its next request is refused. */
export function DevicesTab() {
  const qc = useQueryClient();
  const devices = useQuery({ queryKey: DEVICES_KEY, queryFn: () => call('listDevices') });
  const [confirm, setConfirm] = useState<{ id: string; name: string } | null>(null);
  const revoke = useMutation({
    mutationFn: (id: string) => call('deleteDevice', { params: { id } }),
    onSuccess: () => {
      setConfirm(null);
      return qc.invalidateQueries({ queryKey: DEVICES_KEY });
    },
  });
  return (
    <Card title="Linked sync devices">
      {devices.isPending ? (
        <SkeletonRows rows={3} label="Loading devices" />
      ) : devices.isError ? (
        <ErrorAlert error={devices.error} />
      ) : devices.data.devices.length === 0 ? (
        <p className="text-sm text-slate-600">No device is linked. A sync client links itself by showing a code to approve at /sync/authorize.</p>
      ) : (
        <ul className="divide-y divide-slate-100">
          {devices.data.devices.map((d) => (
            <li key={d.id} className="flex flex-wrap items-start justify-between gap-3 py-3">
              <div className="flex min-w-0 gap-3">
                <Laptop className="mt-0.5 size-5 shrink-0 text-slate-400" aria-hidden />
                <div className="min-w-0 text-sm">
                  <p className="font-medium">
                    {d.name} <Badge>{d.platform}</Badge> {d.expired ? <Badge color="red">expired</Badge> : null}
                  </p>
                  <p className="text-xs text-slate-500">
                    approved {relativeTime(d.approvedAt)} · last seen {relativeTime(d.lastSeenAt)}
                  </p>
                </div>
              </div>
              <Button size="sm" variant="ghost" onClick={() => setConfirm({ id: d.id, name: d.name })} aria-label={`Revoke device ${d.name}`}>
                Revoke
              </Button>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={confirm !== null}
        onOpenChange={(open) => (open ? undefined : setConfirm(null))}
        title={`Revoke ${confirm?.name ?? 'this device'}?`}
        description="The device is refused on its next request and must be linked again. Your synced data stays."
        confirmLabel="Revoke device"
        onConfirm={() => confirm && revoke.mutate(confirm.id)}
        loading={revoke.isPending}
        error={<ErrorAlert error={revoke.error} />}
      />
    </Card>
  );
}
