import { isActive, useJobEvents } from '../../api/queries';
import type { Job } from '../../api/types';
import { BrowserRunControls, type BrowserRun } from '../../components/BrowserRun';
import { ProgressBar, progressOf } from '../../components/JobBits';
import { ThroughputChart } from '../../components/ThroughputChart';
import { Card, ErrorAlert, SkeletonRows, formatTime } from '../../components/ui';
import { Count } from './Count';

/** Progress of an applied job: bar, counters, throughput and its chart, and the browser run's controls. */
export function ProgressPanel({ job, run }: { job: Job; run: BrowserRun }) {
  const live = isActive(job);
  const events = useJobEvents(job.id, live);
  const p = progressOf(job);
  return (
    <Card title="Progress">
      <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2 text-sm">
        <span aria-live="polite" data-progress>
          {p.settled} of {p.total} changes ({p.pct}%)
        </span>
        {job.throughput !== null ? <span className="text-slate-600">{job.throughput.toFixed(1)} changes/s</span> : null}
      </div>
      <ProgressBar job={job} />
      <BrowserRunControls job={job} run={run} />
      <dl className="mt-4 grid grid-cols-2 gap-3 sm:grid-cols-5">
        <Count label="Done" value={job.counts.done} tone="text-emerald-700" />
        <Count label="Failed" value={job.counts.failed} tone={job.counts.failed ? 'text-red-700' : undefined} />
        <Count label="Skipped" value={job.counts.skipped} />
        <Count label="Cancelled" value={job.counts.cancelled} />
        <Count label="Total" value={job.counts.total} />
      </dl>
      <div className="mt-4 grid grid-cols-1 gap-2 text-xs text-slate-600 sm:grid-cols-3">
        <span>Applied {formatTime(job.appliedAt)}</span>
        <span>Finished {formatTime(job.finishedAt)}</span>
        <span>Mode {job.mode ?? '—'}</span>
      </div>
      <h3 className="mt-5 mb-2 text-sm font-semibold">Throughput</h3>
      {events.isPending ? <SkeletonRows rows={1} /> : events.isError ? <ErrorAlert error={events.error} /> : <ThroughputChart events={events.data.events} total={job.counts.total} />}
    </Card>
  );
}
