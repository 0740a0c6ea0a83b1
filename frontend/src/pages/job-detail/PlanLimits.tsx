import { Ban } from 'lucide-react';
import type { Job, ZonePlan } from '../../api/types';
import { Badge } from '../../components/ui';

const reason = (z: ZonePlan) =>
  [z.overQuota ? `would hold ${z.recordsAfter} records, its plan allows ${z.recordQuota}` : null, z.tagsRefused > 0 ? `${z.tagsRefused} change(s) set tags, which its plan does not allow` : null]
    .filter(Boolean)
    .join('; ');

/**
 * Why apply is refused (the server refuses too, force or not): nothing would be sent to Cloudflare.
 * `plan.zonesRefused` counts every zone; the job carries only its first zones, so the rest are in the zone list.
 */
export function PlanLimitsNotice({ job }: { job: Job }) {
  const count = job.plan.zonesRefused;
  const zones = job.plan.zones.filter((z) => z.overQuota || z.tagsRefused > 0);
  return (
    <div role="alert" className="space-y-2 rounded-md bg-red-50 p-3 text-sm text-red-900 ring-1 ring-red-200">
      <p className="flex items-start gap-2 font-medium">
        <Ban className="mt-0.5 size-4 shrink-0" aria-hidden />
        <span>
          Cloudflare would refuse this plan for {count} zone{count === 1 ? '' : 's'}; it cannot be applied, even with force. Split the job, remove records first, or
          change the zone&apos;s plan.
        </span>
      </p>
      <ul className="list-disc space-y-0.5 pl-9">
        {zones.map((z) => (
          <li key={z.zoneId}>
            <span className="font-medium">{z.zoneName}</span>: {reason(z)}
          </li>
        ))}
        {count > zones.length ? <li>{count - zones.length} more in the zone list below</li> : null}
      </ul>
    </div>
  );
}

/** Per-zone badges for the plan table (nothing when the zone's plan takes the job). */
export function PlanLimitBadges({ zone }: { zone: ZonePlan }) {
  if (!zone.overQuota && zone.tagsRefused === 0) return null;
  return (
    <span className="mt-1 flex flex-wrap gap-1">
      {zone.overQuota ? <Badge color="red">over record quota</Badge> : null}
      {zone.tagsRefused > 0 ? <Badge color="red">tags not allowed on this plan</Badge> : null}
    </span>
  );
}

/** "210 of 200 records after" under the share column; nothing for kinds that touch no records. */
export function RecordsAfter({ zone }: { zone: ZonePlan }) {
  if (zone.recordsAfter === null) return null;
  return (
    <span className={`block text-xs ${zone.overQuota ? 'font-medium text-red-700' : 'text-slate-500'}`}>
      {zone.recordsAfter.toLocaleString('en')} {zone.recordQuota === null ? '' : `of ${zone.recordQuota.toLocaleString('en')} `}records after
    </span>
  );
}
