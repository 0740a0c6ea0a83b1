import type { CreatableKind, Job, JobKind, JobStatus } from '../api/types';
import { Badge } from './ui';

export const KIND_LABELS: Record<CreatableKind, string> = {
  'dns-replace': 'DNS find and replace',
  'dns-create': 'Bulk create records',
  'dns-delete': 'Bulk delete records',
  'bind-import': 'BIND import',
  'zone-settings': 'Zone settings',
  'cache-purge': 'Cache purge',
};

/** Kinds planned elsewhere than the builder (`dns-sync`: a zones file, by the CLI). */
const OTHER_LABELS: Record<Exclude<JobKind, CreatableKind>, string> = { 'dns-sync': 'Zones as code (sync)' };

/** Label of any job kind, including ones the builder does not offer. */
export function kindLabel(kind: JobKind | string): string {
  const known = ({ ...KIND_LABELS, ...OTHER_LABELS } as Record<string, string>)[kind];
  return known ?? kind.replace(/-/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
}

const STATUS_COLOR: Record<string, 'green' | 'red' | 'amber' | 'blue' | 'gray'> = {
  planning: 'blue',
  'plan-failed': 'red',
  planned: 'gray',
  checking: 'blue',
  queued: 'blue',
  running: 'blue',
  done: 'green',
  'partially-failed': 'amber',
  failed: 'red',
  cancelled: 'gray',
};

export function StatusBadge({ status }: { status: JobStatus }) {
  return <Badge color={STATUS_COLOR[status] ?? 'gray'}>{status}</Badge>;
}

export function progressOf(job: Pick<Job, 'counts'>): { settled: number; total: number; pct: number } {
  const c = job.counts;
  const settled = c.done + c.failed + c.skipped + c.cancelled;
  const total = c.total || 0;
  return { settled, total, pct: total ? Math.min(100, Math.round((settled / total) * 100)) : 0 };
}

export function ProgressBar({ job, label }: { job: Pick<Job, 'counts' | 'status'>; label?: string }) {
  const c = job.counts;
  const total = c.total || 1;
  const { settled, pct } = progressOf(job);
  const seg = (n: number) => `${(n / total) * 100}%`;
  return (
    <div>
      <div
        role="progressbar"
        aria-label={label ?? 'Job progress'}
        aria-valuemin={0}
        aria-valuemax={c.total}
        aria-valuenow={settled}
        aria-valuetext={`${pct}% (${c.done} done, ${c.failed} failed)`}
        className="flex h-2.5 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <div className="bg-emerald-500 transition-[width] duration-500 motion-reduce:transition-none" style={{ width: seg(c.done) }} />
        <div className="bg-red-500 transition-[width] duration-500 motion-reduce:transition-none" style={{ width: seg(c.failed) }} />
        <div className="bg-slate-400 transition-[width] duration-500 motion-reduce:transition-none" style={{ width: seg(c.skipped + c.cancelled) }} />
      </div>
    </div>
  );
}

/** Planning (zones planned) or the drift check (zones re-read): what the tier workers have done so far. */
export function stepOf(job: Pick<Job, 'planning' | 'checking'>): { label: string; done: number; total: number | null } | null {
  if (job.planning) return { label: 'zones planned', done: job.planning.zonesPlanned, total: job.planning.zonesTotal };
  if (job.checking) return { label: 'zones checked for drift', done: job.checking.zonesChecked, total: job.checking.zonesTotal };
  return null;
}

export function StepProgress({ job }: { job: Pick<Job, 'id' | 'planning' | 'checking'> }) {
  const step = stepOf(job);
  if (!step) return null;
  const pct = step.total ? Math.min(100, Math.round((step.done / step.total) * 100)) : 0;
  return (
    <div>
      <div
        role="progressbar"
        aria-label={`${step.label} of job ${job.id}`}
        aria-valuemin={0}
        aria-valuemax={step.total ?? undefined}
        aria-valuenow={step.done}
        className="flex h-2.5 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <div className="bg-sky-500 transition-[width] duration-500 motion-reduce:transition-none" style={{ width: `${pct}%` }} />
      </div>
      <p className="mt-1 text-xs text-slate-500" data-step-progress>
        {step.total === null ? 'Listing the zones…' : `${step.done} of ${step.total} ${step.label}`}
      </p>
    </div>
  );
}
