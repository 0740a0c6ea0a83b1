import { AlertTriangle } from 'lucide-react';
import type { Job } from '../../api/types';
import { StepProgress } from '../../components/JobBits';
import { Card, Notice } from '../../components/ui';

/**
 * The tier workers' part before a job is applied: planning (each zone read once under the token's
 * rate limit) and apply's drift check (each zone read again). Both run on the server: this page may
 * be left and come back to.
 */
export function StepPanel({ job }: { job: Job }) {
  const planning = job.status === 'planning';
  return (
    <Card title={planning ? 'Planning' : 'Checking for changes since the plan'}>
      <p className="mb-3 text-sm text-slate-600">
        {planning
          ? "Each selected zone's current state is read once, at your token's Cloudflare rate limit, and the exact changes are computed. You can leave this page."
          : 'Every zone is read again: if any changed since the plan, the apply is refused and the job stays planned. Then the changes are applied.'}
      </p>
      <StepProgress job={job} />
    </Card>
  );
}

/** Why planning failed, or why the last apply was refused (drift, a zone that could not be read). */
export function ProblemNotice({ job, title }: { job: Job; title: string }) {
  const p = job.problem;
  if (!p) return null;
  const fields = (p.extra?.fields as Array<{ field: string; message: string }> | undefined) ?? [];
  return (
    <div role="alert" data-job-problem={p.code} className="mb-4 space-y-1 rounded-md bg-red-50 p-3 text-sm text-red-900 ring-1 ring-red-200">
      <p className="flex items-start gap-2 font-medium">
        <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden /> {title}
      </p>
      <p>{p.message}</p>
      {p.zones?.length ? <p className="text-xs">Zones: {p.zones.map((z) => z.zoneName).join(', ')}</p> : null}
      {fields.length ? (
        <ul className="list-disc pl-5 text-xs">
          {fields.map((f, i) => (
            <li key={i}>{f.message}</li>
          ))}
        </ul>
      ) : null}
      {p.code === 'plan-drifted' ? <p className="text-xs">Plan the job again for a fresh plan.</p> : null}
    </div>
  );
}

/** A job whose planning failed: the problem, and nothing to apply. */
export function PlanFailedPanel({ job }: { job: Job }) {
  return (
    <Card title="Planning failed">
      <ProblemNotice job={job} title="This job could not be planned" />
      <Notice>Nothing was changed. Fix the request (or the Cloudflare token) and plan again.</Notice>
    </Card>
  );
}
