import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Ban, RotateCcw, Undo2 } from 'lucide-react';
import { call } from '../../api/operations';
import { isActive, keys } from '../../api/queries';
import type { Job } from '../../api/types';
import { DeniedReason } from '../../components/Denied';
import { Button, ErrorAlert } from '../../components/ui';
import { navigate } from '../../lib/router';
import { useCan } from '../../lib/workspace';

/** The lifecycle buttons, by the operation each one calls. */
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

/** Cancel, retry failed, revert: the buttons a job's state allows. */
export function JobActions({ job }: { job: Job }) {
  const cancel = useJobAction(job, 'cancel');
  const retry = useJobAction(job, 'retry');
  const revert = useJobAction(job, 'revert');
  const finished = ['done', 'partially-failed', 'failed', 'cancelled'].includes(job.status);
  const canRevert = finished && !job.revertedBy && job.counts.done > 0;
  const canRetry = (job.status === 'partially-failed' || job.status === 'failed') && job.counts.failed > 0;
  const err = cancel.error ?? retry.error ?? revert.error;
  const gate = useCan('jobs.apply');
  const shown = isActive(job) || canRetry || canRevert;
  const describedBy = gate.reason ? 'job-actions-denied' : undefined;
  return (
    <div className="flex flex-col items-end gap-2">
      <div className="flex flex-wrap gap-2">
        {isActive(job) ? (
          <Button variant="secondary" onClick={() => cancel.mutate()} loading={cancel.isPending} disabled={!gate.allowed} aria-describedby={describedBy}>
            <Ban className="size-4" aria-hidden /> Cancel
          </Button>
        ) : null}
        {canRetry ? (
          <Button variant="secondary" onClick={() => retry.mutate()} loading={retry.isPending} disabled={!gate.allowed} aria-describedby={describedBy}>
            <RotateCcw className="size-4" aria-hidden /> Retry failed
          </Button>
        ) : null}
        {canRevert ? (
          <Button variant="secondary" onClick={() => revert.mutate()} loading={revert.isPending} disabled={!gate.allowed} aria-describedby={describedBy}>
            <Undo2 className="size-4" aria-hidden /> Revert
          </Button>
        ) : null}
      </div>
      {shown ? <DeniedReason id="job-actions-denied" reason={gate.reason} /> : null}
      {err ? <ErrorAlert error={err} className="max-w-md" /> : null}
    </div>
  );
}
