import { useMutation } from '@tanstack/react-query';
import { Wand2 } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { call } from '../api/operations';
import { useAccounts } from '../api/queries';
import { JOB_KINDS, type CreatableKind } from '../api/types';
import { Button, EmptyState, ErrorAlert, Field, Input, PageHeader, SkeletonRows } from '../components/ui';
import { Link, navigate, useLocation } from '../lib/router';
import { buildJobBody, initialParams, type JobParamsForm, type ZoneSelectionForm } from './job-builder/jobBody';
import { KindParamsFields } from './job-builder/KindParamsFields';
import { KindPicker } from './job-builder/KindPicker';
import { Step } from './job-builder/Step';
import { ZoneSelection } from './job-builder/ZoneSelection';

/**
 * `/jobs/new`: kind → account and zones → parameters and safety threshold →
 * plan. `?kind=`, `?account=` and `?zones=a,b` preselect (the zones page links here).
 */
export default function JobBuilder() {
  const { query } = useLocation();
  const accounts = useAccounts();
  const [kind, setKind] = useState<CreatableKind>((JOB_KINDS as readonly string[]).includes(query.get('kind') ?? '') ? (query.get('kind') as CreatableKind) : 'dns-replace');
  const [zones, setZones] = useState<ZoneSelectionForm>(() => ({
    accountId: query.get('account') ?? '',
    zoneMode: 'pick',
    zones: new Set((query.get('zones') ?? '').split(',').filter(Boolean)),
    nameContains: '',
  }));
  const [params, setParams] = useState<JobParamsForm>(initialParams);
  const [threshold, setThreshold] = useState('30');

  useEffect(() => {
    if (!zones.accountId && accounts.data?.accounts.length) setZones((z) => ({ ...z, accountId: accounts.data.accounts[0]!.id }));
  }, [zones.accountId, accounts.data]);

  const plan = useMutation({
    mutationFn: () => call('createJob', { body: buildJobBody(kind, zones, threshold, params) }),
    onSuccess: (r) => navigate(`/jobs/${r.job.id}`),
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    plan.mutate();
  };
  const err = plan.error;

  if (accounts.isSuccess && accounts.data.accounts.length === 0) {
    return (
      <>
        <PageHeader title="New bulk job" />
        <EmptyState
          title="Connect a Cloudflare account first"
          action={
            <Button asChild>
              <Link to="/accounts">Go to Cloudflare accounts</Link>
            </Button>
          }
        >
          Jobs change records across the zones of a connected account. Add one with an API token, or add a sandbox account to try it out.
        </EmptyState>
      </>
    );
  }

  return (
    <>
      <PageHeader title="New bulk job" description="Nothing changes yet: you get a plan with the exact diff per zone to review before applying." />
      <form onSubmit={onSubmit} className="space-y-6" noValidate>
        <Step n={1} title="What kind of change?">
          <KindPicker kind={kind} onChange={setKind} />
        </Step>

        <Step n={2} title="Which zones?">
          {accounts.isPending ? (
            <SkeletonRows rows={2} />
          ) : (
            <ZoneSelection accounts={accounts.data?.accounts ?? []} form={zones} onChange={(patch) => setZones((z) => ({ ...z, ...patch }))} error={err} />
          )}
        </Step>

        <Step n={3} title="Parameters">
          <KindParamsFields kind={kind} form={params} onChange={(patch) => setParams((p) => ({ ...p, ...patch }))} error={err} />
          <Field
            label="Safety threshold (%)"
            name="safetyThreshold"
            error={err}
            className="mt-5 max-w-xs"
            hint="A zone whose plan touches more than this share of its records needs a typed confirmation to apply."
          >
            {(p) => <Input {...p} inputMode="decimal" value={threshold} onChange={(e) => setThreshold(e.target.value)} />}
          </Field>
        </Step>

        <ErrorAlert
          error={err}
          fields={['accountId', 'zones', 'zoneFilter', 'safetyThreshold', 'params.match', 'params.set', 'params.csv', 'params.bind', 'params.settings', 'params.files', 'params.everything', 'kind']}
        />
        <div className="flex justify-end">
          <Button type="submit" loading={plan.isPending}>
            <Wand2 className="size-4" aria-hidden /> Plan and preview
          </Button>
        </div>
      </form>
    </>
  );
}
