import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Laptop, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { call } from '../../api/operations';
import { keys, useDevices } from '../../api/queries';
import type { SyncDevice } from '../../api/types';
import { ActionTable, RowAction } from '../../components/ActionTable';
import { ConfirmDialog } from '../../components/dialog';
import { QueryState } from '../../components/QueryState';
import { Badge, Card, EmptyState, ErrorAlert, formatTime, relativeTime, td } from '../../components/ui';

const PLATFORM: Record<SyncDevice['platform'], string> = { linux: 'Linux', macos: 'macOS', windows: 'Windows', ios: 'iOS', android: 'Android', cli: 'Command line', other: 'Other' };

/**
 * The signed-in user's linked sync devices (on /sync and the Security page's "Sync devices" tab):
 * revoke one after confirming; its next request is refused. Revoking also refreshes the sync
 * overview, whose cards name the device that made each type's last change.
 */
export function DevicesCard() {
  const qc = useQueryClient();
  const devices = useDevices();
  const [toRevoke, setToRevoke] = useState<SyncDevice | null>(null);
  const revoke = useMutation({
    mutationFn: (id: string) => call('deleteDevice', { params: { id } }),
    onSuccess: () => {
      setToRevoke(null);
      return Promise.all([qc.invalidateQueries({ queryKey: keys.devices }), qc.invalidateQueries({ queryKey: keys.syncOverview })]);
    },
  });
  return (
    <Card title="Linked sync devices">
      <QueryState
        query={devices}
        rows={3}
        loading="Loading devices"
        isEmpty={(d) => d.devices.length === 0}
        empty={
          <EmptyState icon={<Laptop className="size-8" aria-hidden />} title="No device is linked">
            Link a device with <code className="rounded bg-slate-100 px-1 font-mono text-xs text-slate-800">npm run sync-client -- link</code>: it shows a code to approve
            here, at /sync/authorize.
          </EmptyState>
        }
      >
        {(d) => (
          <ActionTable
            label="Linked sync devices"
            columns={[
              'Device',
              { label: 'Platform', className: 'hidden sm:table-cell' },
              { label: 'Approved', className: 'hidden md:table-cell' },
              'Last seen',
              { label: 'Expires', className: 'hidden md:table-cell' },
            ]}
          >
            {d.devices.map((device) => (
              <tr key={device.id} data-device={device.name}>
                <td className={`${td} break-all`}>
                  <span className="font-medium">{device.name}</span> {device.current ? <Badge color="green">this device</Badge> : null}
                  {device.expired ? <Badge color="red">expired</Badge> : null}
                </td>
                <td className={`${td} hidden sm:table-cell`}>{PLATFORM[device.platform]}</td>
                <td className={`${td} hidden md:table-cell`} title={formatTime(device.approvedAt)}>
                  {relativeTime(device.approvedAt)}
                </td>
                <td className={td} title={formatTime(device.lastSeenAt)}>
                  {relativeTime(device.lastSeenAt)}
                </td>
                <td className={`${td} hidden md:table-cell`}>{formatTime(device.expiresAt)}</td>
                <td className={`${td} text-right`}>
                  <RowAction label={`Revoke device ${device.name}`} icon={Trash2} tone="danger" onClick={() => (revoke.reset(), setToRevoke(device))} />
                </td>
              </tr>
            ))}
          </ActionTable>
        )}
      </QueryState>
      <ConfirmDialog
        open={toRevoke !== null}
        onOpenChange={(open) => (open ? undefined : setToRevoke(null))}
        title={`Revoke ${toRevoke?.name ?? 'this device'}?`}
        description="The device is refused on its next request and must be linked again. Your synced data stays."
        confirmLabel="Revoke device"
        onConfirm={() => toRevoke && revoke.mutate(toRevoke.id)}
        loading={revoke.isPending}
        error={<ErrorAlert error={revoke.error} />}
      />
    </Card>
  );
}
