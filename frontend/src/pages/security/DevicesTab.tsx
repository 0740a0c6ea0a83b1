import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Laptop } from 'lucide-react';
import { useState } from 'react';
import { call } from '../../api/operations';
import { ConfirmDialog } from '../../components/dialog';
import { DeviceRow } from './DeviceRow';
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
            <DeviceRow
              key={d.id}
              icon={Laptop}
              title={
                <>
                  {d.name} <Badge>{d.platform}</Badge> {d.expired ? <Badge color="red">expired</Badge> : null}
                </>
              }
              action={
                <Button size="sm" variant="ghost" onClick={() => setConfirm({ id: d.id, name: d.name })} aria-label={`Revoke device ${d.name}`}>
                  Revoke
                </Button>
              }
            >
              <p className="text-xs text-slate-500">
                approved {relativeTime(d.approvedAt)} · last seen {relativeTime(d.lastSeenAt)}
              </p>
            </DeviceRow>
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
