import { useQueryClient } from '@tanstack/react-query';
import { ChevronLeft } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { useJob } from '../api/queries';
import { useBrowserRun } from '../components/BrowserRun';
import { kindLabel, StatusBadge } from '../components/JobBits';
import { ErrorAlert, PageHeader, SkeletonRows, formatTime } from '../components/ui';
import { Link, type Params } from '../lib/router';
import { JobActions } from './job-detail/JobActions';
import { ApplyPanel } from './job-detail/ApplyPanel';
import { ProgressPanel } from './job-detail/ProgressPanel';
import { PlanTable } from './job-detail/PlanTable';
import { ItemResults } from './job-detail/ItemResults';
import { PlanFailedPanel, StepPanel } from './job-detail/PlanningPanel';

/** `/jobs/:id`: a planned job's preview and apply, or an applied job's progress and results. */
export default function JobDetail({ params }: { params: Params }) {
  const id = params.id!;
  const job = useJob(id);
  const qc = useQueryClient();
  const status = job.data?.job.status;
  const prev = useRef(status);
  // Lives here, not in the apply panel: applying swaps that panel for the progress panel.
  const run = useBrowserRun(id);
  // Apply in browser mode: the run starts once the drift check lets the job run.
  const data = job.data?.job;
  useEffect(() => {
    if (data) run.startWhenOpen(data);
  }, [data, run]);
  useEffect(() => {
    // When a job settles, fetch its items and events once more: their last poll may predate the end.
    if (prev.current && status && prev.current !== status) void qc.invalidateQueries({ queryKey: ['job', id] });
    prev.current = status;
  }, [status, id, qc]);

  if (job.isPending) {
    return (
      <>
        <PageHeader title="Job" />
        <SkeletonRows rows={6} label="Loading job" />
      </>
    );
  }
  if (job.isError) {
    return (
      <>
        <PageHeader title="Job" />
        <ErrorAlert error={job.error} />
      </>
    );
  }
  const j = job.data.job;
  return (
    <>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-3">
            {kindLabel(j.kind)} <StatusBadge status={j.status} />
          </span>
        }
        description={
          <span className="flex flex-wrap gap-x-3 gap-y-1">
            <Link to="/jobs" className="inline-flex items-center gap-1 text-orange-700 underline">
              <ChevronLeft className="size-3.5" aria-hidden /> Jobs
            </Link>
            <span>Planned {formatTime(j.createdAt)}</span>
            {j.revertOf ? (
              <Link to={`/jobs/${j.revertOf}`} className="underline">
                Reverts job {j.revertOf.slice(0, 8)}
              </Link>
            ) : null}
            {j.revertedBy ? (
              <Link to={`/jobs/${j.revertedBy}`} className="underline">
                Reverted by job {j.revertedBy.slice(0, 8)}
              </Link>
            ) : null}
          </span>
        }
        actions={<JobActions job={j} />}
      />
      <div className="space-y-6">
        {j.status === 'planning' || j.status === 'checking' ? (
          <StepPanel job={j} />
        ) : j.status === 'plan-failed' ? (
          <PlanFailedPanel job={j} />
        ) : j.status === 'planned' ? (
          <ApplyPanel job={j} run={run} />
        ) : (
          <ProgressPanel job={j} run={run} />
        )}
        <PlanTable job={j} />
        {!['planning', 'plan-failed', 'planned', 'checking'].includes(j.status) ? <ItemResults job={j} /> : null}
      </div>
    </>
  );
}
