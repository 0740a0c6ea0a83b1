import { useMutation, useQueryClient } from '@tanstack/react-query';
import { AlertTriangle, MonitorPlay, Play } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { call } from '../../api/operations';
import { keys } from '../../api/queries';
import type { ApplyJobBody, Job } from '../../api/types';
import { canRunInBrowser, type BrowserRun } from '../../components/BrowserRun';
import { DeniedReason } from '../../components/Denied';
import { Button, Card, ErrorAlert, Field, Input, Notice } from '../../components/ui';
import { useCan } from '../../lib/workspace';
import { ApprovalPanel, useNeedsApproval } from './ApprovalPanel';
import { Count } from './Count';
import { PlanLimitsNotice } from './PlanLimits';
import { ProblemNotice } from './PlanningPanel';

/** Apply a planned job on the server queue or in this browser; zones over the threshold need the typed confirmation. */
export function ApplyPanel({ job, run }: { job: Job; run: BrowserRun }) {
  const qc = useQueryClient();
  const [typed, setTyped] = useState('');
  const over = job.plan.zones.filter((z) => z.overThreshold);
  const refusedCount = job.plan.zonesRefused;
  const zonesTotal = job.plan.zonesTotal ?? job.plan.zones.length;
  const word = String(zonesTotal);
  const apply = useMutation({
    mutationFn: (body: ApplyJobBody) => call('applyJob', { params: { id: job.id }, body }),
    onSuccess: (r, body) => {
      qc.setQueryData(keys.job(job.id), r);
      qc.invalidateQueries({ queryKey: keys.jobs });
      qc.invalidateQueries({ queryKey: ['jobs', 'list'] });
      if (body.mode === 'browser') run.arm();
    },
  });
  const gate = useCan('jobs.apply');
  const waiting = useNeedsApproval(job);
  const confirmed = (!job.needsForce || typed.trim() === word) && gate.allowed && !waiting && refusedCount === 0;
  const describedBy = gate.reason ? 'apply-denied' : undefined;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    apply.mutate({ force: job.needsForce, mode: 'server' });
  };
  const t = job.plan.zones.reduce((a, z) => ({ c: a.c + z.creates, u: a.u + z.updates, d: a.d + z.deletes, o: a.o + z.other }), { c: 0, u: 0, d: 0, o: 0 });
  return (
    <Card title="Plan preview">
      <ApprovalPanel job={job} />
      <ProblemNotice job={job} title="The last apply was refused" />
      <dl className="mb-4 grid grid-cols-2 gap-3 sm:grid-cols-5" aria-label="Plan totals">
        <Count label="Changes" value={job.plan.totalChanges} />
        <Count label="Creates" value={t.c} tone="text-emerald-700" />
        <Count label="Updates" value={t.u} tone="text-sky-700" />
        <Count label="Deletes" value={t.d} tone="text-red-700" />
        <Count label="Zones" value={zonesTotal} />
      </dl>
      {zonesTotal > job.plan.zones.length ? (
        <p className="-mt-2 mb-4 text-xs text-slate-500">Creates, updates and deletes are counted over the first {job.plan.zones.length} zones.</p>
      ) : null}
      {job.plan.totalChanges === 0 ? (
        <Notice>Nothing matched: this plan changes nothing. Adjust the match and plan again.</Notice>
      ) : (
        <form onSubmit={onSubmit} className="space-y-3">
          {refusedCount > 0 ? <PlanLimitsNotice job={job} /> : null}
          {job.needsForce && refusedCount === 0 ? (
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
            <Button type="submit" loading={apply.isPending && apply.variables?.mode !== 'browser'} disabled={!confirmed || apply.isPending} aria-describedby={describedBy} variant={job.needsForce ? 'danger' : 'primary'}>
              <Play className="size-4" aria-hidden /> {job.needsForce ? 'Apply with force' : `Apply ${job.plan.totalChanges} changes`}
            </Button>
            {canRunInBrowser(job) ? (
              <Button
                variant="secondary"
                loading={apply.isPending && apply.variables?.mode === 'browser'}
                disabled={!confirmed || apply.isPending}
                aria-describedby={describedBy}
                onClick={() => apply.mutate({ force: job.needsForce, mode: 'browser' })}
              >
                <MonitorPlay className="size-4" aria-hidden /> Apply in this browser
              </Button>
            ) : null}
            <DeniedReason id="apply-denied" reason={gate.reason ? `${gate.reason} to apply: you can plan and preview` : waiting ? 'Waiting for approval' : null} />
          </div>
        </form>
      )}
    </Card>
  );
}
