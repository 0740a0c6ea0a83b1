import { useMutation, useQueryClient } from '@tanstack/react-query';
import { BadgeCheck, ShieldCheck } from 'lucide-react';
import { call } from '../../api/operations';
import { keys } from '../../api/queries';
import type { Job } from '../../api/types';
import { DeniedReason } from '../../components/Denied';
import { Button, ErrorAlert, formatTime } from '../../components/ui';
import { useAuth } from '../../lib/auth';
import { useActiveWorkspace, useCan } from '../../lib/workspace';

/** Whether a planned job waits for its second person (the active workspace has the rule on and nobody approved it yet). */
export function useNeedsApproval(job: Job): boolean {
  const { workspace } = useActiveWorkspace();
  return !!workspace?.twoPersonRule && job.status === 'planned' && !job.approvedBy;
}

/** Two-person rule on the job page: who approved it, or Approve (ADMIN/OWNER other than the planner). */
export function ApprovalPanel({ job }: { job: Job }) {
  const qc = useQueryClient();
  const { user } = useAuth();
  const { workspace } = useActiveWorkspace();
  const gate = useCan('jobs.apply');
  const approve = useMutation({
    mutationFn: () => call('approveJob', { params: { id: job.id } }),
    onSuccess: (r) => {
      qc.setQueryData(keys.job(job.id), r);
      qc.invalidateQueries({ queryKey: ['job', job.id] });
    },
  });
  if (job.approvedBy) {
    return (
      <p className="mb-4 flex items-center gap-2 text-sm text-emerald-700" data-approved-by={job.approvedBy}>
        <BadgeCheck className="size-4" aria-hidden /> Approved by member {job.approvedBy.slice(0, 8)} {formatTime(job.approvedAt)}
      </p>
    );
  }
  if (!workspace?.twoPersonRule || job.status !== 'planned') return null;
  const own = !!user && job.plannedBy === user.id;
  const reason = gate.reason ?? (own ? 'You planned this job: another ADMIN or OWNER approves it' : null);
  return (
    <div className="mb-4 space-y-2 rounded-md bg-sky-50 p-3 text-sm ring-1 ring-sky-200" data-approval="pending">
      <p className="flex items-start gap-2 text-sky-900">
        <ShieldCheck className="mt-0.5 size-4 shrink-0" aria-hidden />
        This workspace has the two-person rule on: an ADMIN or OWNER other than the planner approves the job before it can be applied.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <Button size="sm" onClick={() => approve.mutate()} loading={approve.isPending} disabled={!!reason} aria-describedby={reason ? 'approve-denied' : undefined}>
          Approve
        </Button>
        <DeniedReason id="approve-denied" reason={reason} />
      </div>
      <ErrorAlert error={approve.error} />
    </div>
  );
}
