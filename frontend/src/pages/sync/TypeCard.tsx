import { FolderOpen, History, KeyRound, Settings2, Variable, type LucideIcon } from 'lucide-react';
import { useId } from 'react';
import type { SyncTypeName, SyncTypeStatus } from '../../api/types';
import { Switch } from '../../components/Switch';
import { Badge, cx, formatBytes, formatTime, relativeTime } from '../../components/ui';

/** How each type is named on the page; history counts records (every device's), the others items. */
export const SYNC_TYPES: Record<SyncTypeName, { label: string; icon: LucideIcon; unit: [string, string] }> = {
  history: { label: 'History', icon: History, unit: ['record', 'records'] },
  environment: { label: 'Environments', icon: Variable, unit: ['item', 'items'] },
  secret: { label: 'Secrets', icon: KeyRound, unit: ['item', 'items'] },
  collection: { label: 'Collections', icon: FolderOpen, unit: ['item', 'items'] },
  setting: { label: 'Settings', icon: Settings2, unit: ['item', 'items'] },
};

/**
 * One type's status (on/off, items, size, last change and by which device) with its toggle;
 * `saving`: this type's change is being saved; `locked`: another type's is (one save at a time, so
 * the answers cannot arrive out of order).
 */
export function TypeCard({ status: s, onToggle, saving, locked }: { status: SyncTypeStatus; onToggle: (enabled: boolean) => void; saving: boolean; locked: boolean }) {
  const { label, icon: Icon, unit } = SYNC_TYPES[s.type];
  const titleId = useId();
  const by = s.lastUpdatedBy ? (s.lastUpdatedBy.name ?? 'a device no longer linked') : null;
  return (
    <section aria-labelledby={titleId} data-sync-type={s.type} className={cx('rounded-lg bg-white p-4 shadow-xs ring-1 ring-slate-200', !s.enabled && 'bg-slate-50')}>
      <header className="flex items-start justify-between gap-3">
        <div className="flex min-w-0 items-center gap-2">
          <Icon className="size-5 shrink-0 text-slate-500" aria-hidden />
          <h3 id={titleId} className="font-semibold text-slate-900">
            {label}
          </h3>
          {s.enabled ? <Badge color="green">On</Badge> : <Badge>Off</Badge>}
        </div>
        <Switch checked={s.enabled} onChange={onToggle} label={`Sync ${label.toLowerCase()}`} busy={saving} disabled={locked} />
      </header>
      <dl className="mt-3 grid grid-cols-2 gap-x-3 gap-y-1 text-sm">
        <dt className="text-slate-600">Stored</dt>
        <dd className="text-right font-medium tabular-nums" data-items={s.items}>
          {s.items.toLocaleString()} {unit[s.items === 1 ? 0 : 1]}
        </dd>
        <dt className="text-slate-600">Size</dt>
        <dd className="text-right font-medium tabular-nums" data-bytes={s.bytes}>
          {formatBytes(s.bytes)}
        </dd>
        <dt className="text-slate-600">Last change</dt>
        <dd className="text-right" title={s.lastUpdatedAt ? formatTime(s.lastUpdatedAt) : undefined}>
          {s.lastUpdatedAt ? relativeTime(s.lastUpdatedAt) : 'never'}
        </dd>
      </dl>
      {by ? (
        <p className="mt-1 truncate text-right text-xs text-slate-600" data-last-device>
          by {by}
        </p>
      ) : null}
    </section>
  );
}
