import { ChevronDown, ChevronRight } from 'lucide-react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { call } from '../../api/operations';
import { isActive } from '../../api/queries';
import type { Job } from '../../api/types';
import { LoadMore } from '../../components/Pager';
import { Badge, Card, Table, td, th } from '../../components/ui';
import { PlanLimitBadges, RecordsAfter } from './PlanLimits';
import { ZoneDiff } from './ZoneDiff';

/** The plan per zone; a row expands into its diff. The job carries its first zones; a larger job pages the rest. */
export function PlanTable({ job }: { job: Job }) {
  const [open, setOpen] = useState<string | null>(null);
  const paged = (job.plan.zonesTotal ?? 0) > job.plan.zones.length;
  const more = useInfiniteQuery({
    queryKey: ['job', job.id, 'zones'],
    enabled: paged,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => call('listJobZones', { params: { id: job.id }, query: { limit: 100, cursor: pageParam }, signal }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const zones = paged && more.data ? more.data.pages.flatMap((p) => p.zones) : job.plan.zones;
  if (zones.length === 0) return null;
  return (
    <Card title="Changes per zone">
      <Table label="Changes per zone">
        <thead>
          <tr>
            <th className={th}>Zone</th>
            <th className={th}>+</th>
            <th className={th}>~</th>
            <th className={th}>−</th>
            <th className={`${th} hidden sm:table-cell`}>Share of zone</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {zones.map((z) => {
            const expanded = open === z.zoneId;
            return (
              <Fragment key={z.zoneId}>
                <tr>
                  <td className={td}>
                    <button
                      type="button"
                      className="flex items-center gap-1 text-left font-medium text-slate-900 hover:text-orange-700"
                      aria-expanded={expanded}
                      aria-controls={`diff-${z.zoneId}`}
                      onClick={() => setOpen(expanded ? null : z.zoneId)}
                    >
                      {expanded ? <ChevronDown className="size-4" aria-hidden /> : <ChevronRight className="size-4" aria-hidden />}
                      {z.zoneName}
                    </button>
                    {z.overThreshold ? (
                      <span className="mt-1 block">
                        <Badge color="amber">over threshold</Badge>
                      </span>
                    ) : null}
                    <PlanLimitBadges zone={z} />
                  </td>
                  <td className={`${td} text-emerald-700`}>{z.creates}</td>
                  <td className={`${td} text-sky-700`}>{z.updates + z.other}</td>
                  <td className={`${td} text-red-700`}>{z.deletes}</td>
                  <td className={`${td} hidden sm:table-cell`}>
                    {Math.round(z.share * 100)}% of {z.recordsInZone}
                    <RecordsAfter zone={z} />
                  </td>
                </tr>
                {expanded ? (
                  <tr id={`diff-${z.zoneId}`}>
                    <td colSpan={5} className="bg-slate-50 px-3 py-3">
                      <ZoneDiff jobId={job.id} zoneId={z.zoneId} live={isActive(job)} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </Table>
      {paged ? <LoadMore query={more} /> : null}
    </Card>
  );
}
