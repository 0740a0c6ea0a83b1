import { useSyncOverview } from '../api/queries';
import { QueryState } from '../components/QueryState';
import { Card, ErrorAlert, PageHeader } from '../components/ui';
import { DevicesCard } from './sync/DevicesCard';
import { StorageUsage } from './sync/StorageUsage';
import { TypeCard } from './sync/TypeCard';
import { useSyncToggle } from './sync/useSyncToggle';

/**
 * `/sync`: the end-to-end-encrypted sync of the user's devices (issue 16 item 9): a card per type
 * with its toggle (selective sync), the storage used of the tier's allowance, and the linked
 * devices with revoke. The server holds only ciphertext, so the page shows counts and sizes, never content.
 */
export default function Sync() {
  const overview = useSyncOverview();
  const toggle = useSyncToggle();
  return (
    <>
      <PageHeader
        title="Sync"
        description="Shell history, environments, secrets, collections and settings of your linked devices, encrypted on each device: the server stores ciphertext it cannot read."
      />
      <div className="space-y-6">
        <Card title="Synced data">
          <QueryState query={overview} rows={3} loading="Loading sync status">
            {(o) => (
              <div className="space-y-4">
                <StorageUsage overview={o} />
                <ErrorAlert error={toggle.error} />
                <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
                  {o.types.map((s) => (
                    <TypeCard
                      key={s.type}
                      status={s}
                      saving={toggle.isPending && toggle.variables.type === s.type}
                      locked={toggle.isPending}
                      onToggle={(enabled) => toggle.mutate({ type: s.type, enabled })}
                    />
                  ))}
                </div>
                <p className="text-xs text-slate-600">
                  A type turned off keeps what is stored; devices stop sending it (their writes are refused) until it is turned on again.
                  {o.keyVersion > 0 ? ` Master key version ${o.keyVersion}.` : ' No device has stored a master key yet.'}
                </p>
              </div>
            )}
          </QueryState>
        </Card>
        <DevicesCard />
      </div>
    </>
  );
}
