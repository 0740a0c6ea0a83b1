import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { AlertTriangle, Ban, ChevronDown, ChevronLeft, ChevronRight, MonitorPlay, Play, RotateCcw, Undo2 } from 'lucide-react';
import { Fragment, useEffect, useRef, useState, type FormEvent } from 'react';
import { call } from '../api/operations';
import { LIVE_MS, isActive, keys, useJob, useJobEvents } from '../api/queries';
import type { ApplyJobBody, Job, JobItem } from '../api/types';
import { BrowserRunControls, canRunInBrowser, useBrowserRun, type BrowserRun } from '../components/BrowserRun';
import { kindLabel, ProgressBar, StatusBadge, progressOf } from '../components/JobBits';
import { ThroughputChart } from '../components/ThroughputChart';
import { Badge, Button, Card, ErrorAlert, Field, Input, Notice, PageHeader, Select, SkeletonRows, Table, formatTime, td, th } from '../components/ui';
import { Link, navigate, type Params } from '../lib/router';
import { LoadMore } from '../components/Pager';

export default function JobDetail({ params }: { params: Params }) {
  const id = params.id!;
  const job = useJob(id);
  const qc = useQueryClient();
  const status = job.data?.job.status;
  const prev = useRef(status);
  // Lives here, not in the apply panel: applying swaps that panel for the progress panel.
  const run = useBrowserRun(id);
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
        {j.status === 'planned' ? <ApplyPanel job={j} run={run} /> : <ProgressPanel job={j} run={run} />}
        <PlanTable job={j} />
        {j.status !== 'planned' ? <ItemResults job={j} /> : null}
      </div>
    </>
  );
}

const JOB_ACTIONS = { cancel: 'cancelJob', retry: 'retryJob', revert: 'revertJob' } as const;

function useJobAction(job: Job, action: keyof typeof JOB_ACTIONS) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => call(JOB_ACTIONS[action], { params: { id: job.id } }),
    onSuccess: (r) => {
      qc.invalidateQueries({ queryKey: keys.jobs });
      qc.invalidateQueries({ queryKey: ['jobs', 'list'] });
      if (action === 'revert') {
        qc.invalidateQueries({ queryKey: keys.job(job.id) });
        navigate(`/jobs/${r.job.id}`);
      } else {
        qc.setQueryData(keys.job(job.id), r);
        qc.invalidateQueries({ queryKey: ['job', job.id] });
      }
    },
  });
}

function JobActions({ job }: { job: Job }) {
  const cancel = useJobAction(job, 'cancel');
  const retry = useJobAction(job, 'retry');
  const revert = useJobAction(job, 'revert');
  const finished = ['done', 'partially-failed', 'failed', 'cancelled'].includes(job.status);
  const canRevert = finished && !job.revertedBy && job.counts.done > 0;
  const canRetry = (job.status === 'partially-failed' || job.status === 'failed') && job.counts.failed > 0;
  const err = cancel.error ?? retry.error ?? revert.error;
  return (
    <div className="flex flex-col items-end gap-2">
      <div className="flex flex-wrap gap-2">
        {isActive(job) ? (
          <Button variant="secondary" onClick={() => cancel.mutate()} loading={cancel.isPending}>
            <Ban className="size-4" aria-hidden /> Cancel
          </Button>
        ) : null}
        {canRetry ? (
          <Button variant="secondary" onClick={() => retry.mutate()} loading={retry.isPending}>
            <RotateCcw className="size-4" aria-hidden /> Retry failed
          </Button>
        ) : null}
        {canRevert ? (
          <Button variant="secondary" onClick={() => revert.mutate()} loading={revert.isPending}>
            <Undo2 className="size-4" aria-hidden /> Revert
          </Button>
        ) : null}
      </div>
      {err ? <ErrorAlert error={err} className="max-w-md" /> : null}
    </div>
  );
}

function ApplyPanel({ job, run }: { job: Job; run: BrowserRun }) {
  const qc = useQueryClient();
  const [typed, setTyped] = useState('');
  const over = job.plan.zones.filter((z) => z.overThreshold);
  const word = String(job.plan.zones.length);
  const apply = useMutation({
    mutationFn: (body: ApplyJobBody) => call('applyJob', { params: { id: job.id }, body }),
    onSuccess: (r, body) => {
      qc.setQueryData(keys.job(job.id), r);
      qc.invalidateQueries({ queryKey: keys.jobs });
      qc.invalidateQueries({ queryKey: ['jobs', 'list'] });
      if (body.mode === 'browser') run.start(r.job.plan.chunks);
    },
  });
  const confirmed = !job.needsForce || typed.trim() === word;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    apply.mutate({ force: job.needsForce, mode: 'server' });
  };
  const t = job.plan.zones.reduce((a, z) => ({ c: a.c + z.creates, u: a.u + z.updates, d: a.d + z.deletes, o: a.o + z.other }), { c: 0, u: 0, d: 0, o: 0 });
  return (
    <Card title="Plan preview">
      <dl className="mb-4 grid grid-cols-2 gap-3 sm:grid-cols-5" aria-label="Plan totals">
        <Count label="Changes" value={job.plan.totalChanges} />
        <Count label="Creates" value={t.c} tone="text-emerald-700" />
        <Count label="Updates" value={t.u} tone="text-sky-700" />
        <Count label="Deletes" value={t.d} tone="text-red-700" />
        <Count label="Zones" value={job.plan.zones.length} />
      </dl>
      {job.plan.totalChanges === 0 ? (
        <Notice>Nothing matched: this plan changes nothing. Adjust the match and plan again.</Notice>
      ) : (
        <form onSubmit={onSubmit} className="space-y-3">
          {job.needsForce ? (
            <div className="space-y-3 rounded-md bg-amber-50 p-3 ring-1 ring-amber-200">
              <p className="flex items-start gap-2 text-sm text-amber-900">
                <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
                <span>
                  {over.length} zone{over.length === 1 ? '' : 's'} would have more than {Math.round(job.safetyThreshold * 100)}% of their records changed (
                  {over.map((z) => z.zoneName).join(', ')}). Applying needs <code>force</code>.
                </span>
              </p>
              <Field label={<>Type the number of zones this job changes ({word}) to confirm</>} name="confirm-force">
                {(p) => <Input {...p} className="max-w-[10rem]" inputMode="numeric" autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} />}
              </Field>
            </div>
          ) : null}
          <ErrorAlert error={apply.error} fields={['force', 'mode']} />
          <div className="flex flex-wrap gap-2">
            <Button type="submit" loading={apply.isPending && apply.variables?.mode !== 'browser'} disabled={!confirmed || apply.isPending} variant={job.needsForce ? 'danger' : 'primary'}>
              <Play className="size-4" aria-hidden /> {job.needsForce ? 'Apply with force' : `Apply ${job.plan.totalChanges} changes`}
            </Button>
            {canRunInBrowser(job) ? (
              <Button
                variant="secondary"
                loading={apply.isPending && apply.variables?.mode === 'browser'}
                disabled={!confirmed || apply.isPending}
                onClick={() => apply.mutate({ force: job.needsForce, mode: 'browser' })}
              >
                <MonitorPlay className="size-4" aria-hidden /> Apply in this browser
              </Button>
            ) : null}
          </div>
        </form>
      )}
    </Card>
  );
}

function Count({ label, value, tone }: { label: string; value: number | string; tone?: string }) {
  return (
    <div className="rounded-md bg-slate-50 p-3">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className={`text-xl font-semibold ${tone ?? ''}`} data-count={label}>
        {value}
      </dd>
    </div>
  );
}

function ProgressPanel({ job, run }: { job: Job; run: BrowserRun }) {
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

function PlanTable({ job }: { job: Job }) {
  const [open, setOpen] = useState<string | null>(null);
  if (job.plan.zones.length === 0) return null;
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
          {job.plan.zones.map((z) => {
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
                  </td>
                  <td className={`${td} text-emerald-700`}>{z.creates}</td>
                  <td className={`${td} text-sky-700`}>{z.updates + z.other}</td>
                  <td className={`${td} text-red-700`}>{z.deletes}</td>
                  <td className={`${td} hidden sm:table-cell`}>
                    {Math.round(z.share * 100)}% of {z.recordsInZone}
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
    </Card>
  );
}

function useItems(jobId: string, q: { zoneId?: string; status?: JobItem['status'] }, live: boolean) {
  return useInfiniteQuery({
    queryKey: keys.jobItems(jobId, q),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => call('listJobItems', { params: { id: jobId }, query: { limit: 100, cursor: pageParam, ...q }, signal }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: live ? LIVE_MS * 2 : false,
  });
}

function ZoneDiff({ jobId, zoneId, live }: { jobId: string; zoneId: string; live: boolean }) {
  const items = useItems(jobId, { zoneId }, live);
  if (items.isPending) return <SkeletonRows rows={2} label="Loading the diff" />;
  if (items.isError) return <ErrorAlert error={items.error} />;
  const all = items.data.pages.flatMap((p) => p.items);
  if (!all.length) return <p className="text-sm text-slate-600">No changes in this zone.</p>;
  return (
    <div>
      <ul className="space-y-1 font-mono text-xs" aria-label="Diff">
        {all.map((it) => (
          <DiffLine key={it.seq} item={it} />
        ))}
      </ul>
      {items.hasNextPage ? (
        <Button size="sm" variant="ghost" className="mt-2" onClick={() => items.fetchNextPage()} loading={items.isFetchingNextPage}>
          Show more
        </Button>
      ) : null}
    </div>
  );
}

const str = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function DiffLine({ item }: { item: JobItem }) {
  const b = item.before ?? {};
  const a = item.after ?? {};
  const label = String(a.type ?? b.type ?? '') + ' ' + String(a.name ?? b.name ?? item.recordId ?? '');
  const changed = Object.keys({ ...b, ...a }).filter((k) => !['id', 'name', 'type'].includes(k) && str(b[k]) !== str(a[k]));
  const color = item.action === 'create' ? 'text-emerald-800' : item.action === 'delete' ? 'text-red-800' : 'text-slate-800';
  return (
    <li className={`rounded bg-white px-2 py-1 ring-1 ring-slate-200 ${color}`} data-diff-action={item.action}>
      <span className="mr-2 font-semibold">{item.action === 'create' ? '+' : item.action === 'delete' ? '−' : '~'}</span>
      <span className="break-all">{label.trim()}</span>
      {item.status !== 'planned' ? (
        <span className="ml-2">
          <Badge color={item.status === 'done' ? 'green' : item.status === 'failed' ? 'red' : 'gray'}>{item.status}</Badge>
        </span>
      ) : null}
      {item.action === 'update' || item.action === 'setting' ? (
        <span className="block pl-5">
          {changed.map((k) => (
            <span key={k} className="block break-all">
              {k}: <del className="text-red-700">{str(b[k])}</del> → <ins className="text-emerald-700 no-underline">{str(a[k])}</ins>
            </span>
          ))}
        </span>
      ) : item.action === 'create' ? (
        <span className="block pl-5 break-all">{str(a.content ?? '')}</span>
      ) : item.action === 'delete' ? (
        <span className="block pl-5 break-all">{str(b.content ?? '')}</span>
      ) : null}
      {item.error ? <span className="block pl-5 text-red-700">{item.error}</span> : null}
    </li>
  );
}

function ItemResults({ job }: { job: Job }) {
  const [status, setStatus] = useState<JobItem['status'] | ''>('');
  const items = useItems(job.id, status ? { status } : {}, isActive(job));
  const all = items.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card
      title="Results per change"
      actions={
        <Field label={<span className="sr-only">Filter by status</span>} name="item-status">
          {(p) => (
            <Select {...p} value={status} onChange={(e) => setStatus(e.target.value as JobItem['status'] | '')} className="w-40">
              <option value="">All results</option>
              {(['planned', 'done', 'failed', 'skipped', 'cancelled'] satisfies JobItem['status'][]).map((s) => (
                <option key={s}>{s}</option>
              ))}
            </Select>
          )}
        </Field>
      }
    >
      {items.isPending ? (
        <SkeletonRows rows={4} label="Loading results" />
      ) : items.isError ? (
        <ErrorAlert error={items.error} />
      ) : all.length === 0 ? (
        <p className="text-sm text-slate-600">No {status || ''} items.</p>
      ) : (
        <>
          <Table label="Results per change">
            <thead>
              <tr>
                <th className={th}>#</th>
                <th className={th}>Zone</th>
                <th className={th}>Change</th>
                <th className={th}>Result</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {all.map((it) => (
                <tr key={it.seq}>
                  <td className={`${td} text-xs text-slate-500`}>{it.seq}</td>
                  <td className={`${td} text-xs`}>{it.zoneName}</td>
                  <td className={`${td} font-mono text-xs break-all`}>
                    {it.action} {str((it.after ?? it.before ?? {}).name ?? it.recordId ?? '')}
                  </td>
                  <td className={td}>
                    <Badge color={it.status === 'done' ? 'green' : it.status === 'failed' ? 'red' : 'gray'}>{it.status}</Badge>
                    {it.error ? <p className="mt-1 text-xs text-red-700">{it.error}</p> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
          <LoadMore query={items} />
        </>
      )}
    </Card>
  );
}
