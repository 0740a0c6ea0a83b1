import { useInfiniteQuery } from '@tanstack/react-query';
import { ListChecks, Wand2 } from 'lucide-react';
import { call } from '../api/operations';
import { LIVE_MS, isActive } from '../api/queries';
import { kindLabel, ProgressBar, StatusBadge, StepProgress, progressOf } from '../components/JobBits';
import { Button, Card, EmptyState, ErrorAlert, PageHeader, SkeletonRows, Table, relativeTime, td, th } from '../components/ui';
import { Link } from '../lib/router';
import { LoadMore } from '../components/Pager';

export default function Jobs() {
  const jobs = useInfiniteQuery({
    queryKey: ['jobs', 'list'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => call('listJobs', { query: { limit: 25, cursor: pageParam }, signal }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.jobs.some(isActive)) ? LIVE_MS : false),
  });
  const all = jobs.data?.pages.flatMap((p) => p.jobs) ?? [];

  return (
    <>
      <PageHeader
        title="Jobs"
        description="Every bulk change: planned, running and finished. Finished jobs can be retried or reverted."
        actions={
          <Button asChild>
            <Link to="/jobs/new">
              <Wand2 className="size-4" aria-hidden /> New bulk job
            </Link>
          </Button>
        }
      />
      <Card>
        {jobs.isPending ? (
          <SkeletonRows rows={5} label="Loading jobs" />
        ) : jobs.isError ? (
          <ErrorAlert error={jobs.error} />
        ) : all.length === 0 ? (
          <EmptyState
            icon={<ListChecks className="size-10" />}
            title="No jobs yet"
            action={
              <Button asChild>
                <Link to="/jobs/new">Plan your first bulk change</Link>
              </Button>
            }
          >
            A job changes many records across many zones safely: you review the exact diff, apply it, watch progress, and can revert it.
          </EmptyState>
        ) : (
          <>
            <Table label="Jobs">
              <thead>
                <tr>
                  <th className={th}>Job</th>
                  <th className={th}>Status</th>
                  <th className={`${th} w-1/3`}>Progress</th>
                  <th className={`${th} hidden sm:table-cell`}>Created</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {all.map((j) => {
                  const p = progressOf(j);
                  return (
                    <tr key={j.id}>
                      <td className={td}>
                        <Link to={`/jobs/${j.id}`} className="font-medium text-orange-700 underline">
                          {kindLabel(j.kind)}
                        </Link>
                        <p className="text-xs text-slate-500">
                          {j.status === 'planning' ? 'planning' : `${j.plan.totalChanges} changes`} · {j.plan.zonesTotal ?? '…'} zones{j.revertOf ? ' · revert' : ''}
                        </p>
                      </td>
                      <td className={td}>
                        <StatusBadge status={j.status} />
                      </td>
                      <td className={td}>
                        {j.status === 'planning' || j.status === 'checking' ? (
                          <StepProgress job={j} />
                        ) : j.status === 'planned' || j.status === 'plan-failed' ? (
                          <span className="text-xs text-slate-500">not applied</span>
                        ) : (
                          <>
                            <ProgressBar job={j} label={`Progress of job ${j.id}`} />
                            <p className="mt-1 text-xs text-slate-500">
                              {p.settled}/{p.total}
                              {j.counts.failed ? `, ${j.counts.failed} failed` : ''}
                            </p>
                          </>
                        )}
                      </td>
                      <td className={`${td} hidden text-xs text-slate-600 sm:table-cell`}>{relativeTime(j.createdAt)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </Table>
            <LoadMore query={jobs} />
          </>
        )}
      </Card>
    </>
  );
}
