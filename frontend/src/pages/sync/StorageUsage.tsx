import { useId } from 'react';
import type { SyncOverview } from '../../api/types';
import { cx, formatBytes } from '../../components/ui';

/** The user's sync storage used of the tier's allowance, as a labelled bar (amber from 80 %, red when full). */
export function StorageUsage({ overview: o }: { overview: Pick<SyncOverview, 'usedBytes' | 'limitBytes'> }) {
  const percent = o.limitBytes > 0 ? Math.min(100, (o.usedBytes / o.limitBytes) * 100) : 100;
  const labelId = useId();
  const text = `${formatBytes(o.usedBytes)} of ${formatBytes(o.limitBytes)}`;
  return (
    <div>
      <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
        <span id={labelId} className="font-medium text-slate-900">
          Storage used
        </span>
        <span className="text-slate-700 tabular-nums" data-storage-used={o.usedBytes}>
          {text} ({percent < 1 && o.usedBytes > 0 ? '<1' : Math.round(percent)} %)
        </span>
      </div>
      <div
        role="progressbar"
        aria-labelledby={labelId}
        aria-valuemin={0}
        aria-valuemax={o.limitBytes}
        aria-valuenow={o.usedBytes}
        aria-valuetext={text}
        className="mt-2 h-2 overflow-hidden rounded-full bg-slate-200"
      >
        <div className={cx('h-full rounded-full', percent >= 100 ? 'bg-red-600' : percent >= 80 ? 'bg-amber-500' : 'bg-orange-600')} style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}
