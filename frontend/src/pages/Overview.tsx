import { Cloud, FlaskConical, Plus, ShieldCheck, Wand2 } from 'lucide-react';
import { useQueries } from '@tanstack/react-query';
import { call } from '../api/operations';
import { useAddSandbox } from '../api/mutations';
import { isActive, keys, useAccounts, useAuditEvents, useJobs } from '../api/queries';
import { kindLabel, ProgressBar, StatusBadge } from '../components/JobBits';
import { Button, Card, EmptyState, ErrorAlert, Notice, PageHeader, Skeleton, SkeletonRows, relativeTime } from '../components/ui';
import { useAuth } from '../lib/auth';
import { DeniedReason } from '../components/Denied';
import { Link } from '../lib/router';
import { useCan } from '../lib/workspace';

export function Overview() {
  const { user } = useAuth();
  const accounts = useAccounts();
  const jobs = useJobs();
  const audit = useAuditEvents({ limit: 6 });
  const sandbox = useAddSandbox();
  const gate = useCan('cloudflare.accounts.manage');

  const accs = accounts.data?.accounts ?? [];
  const zoneCounts = useQueries({
    queries: accs.map((a) => ({
      queryKey: keys.zones(a.id, { page: 1, perPage: 5 }),
      queryFn: ({ signal }: { signal: AbortSignal }) => call('listZones', { params: { id: a.id }, query: { page: 1, perPage: 5 }, signal }),
    })),
  });
  const zonesTotal = zoneCounts.some((q) => q.isError)
    ? '—'
    : zoneCounts.every((q) => q.data)
      ? zoneCounts.reduce((n, q) => n + (q.data?.totalCount ?? 0), 0)
      : undefined;
  const running = (jobs.data?.jobs ?? []).filter(isActive);

  return (
    <>
      <PageHeader
        title="Overview"
        description={user ? `Signed in as ${user.email}` : undefined}
        actions={
          accs.length ? (
            <Button asChild>
              <Link to="/jobs/new">
                <Wand2 className="size-4" aria-hidden /> New bulk job
              </Link>
            </Button>
          ) : null
        }
      />

      {user && !user.mfaEnabled ? (
        <Notice tone="warning" className="mb-6">
          Two-factor authentication is off.{' '}
          <Link to="/security?tab=mfa" className="font-medium underline">
            Turn it on
          </Link>{' '}
          before connecting production accounts.
        </Notice>
      ) : null}

      <div className="mb-6 grid grid-cols-1 gap-4 sm:grid-cols-3">
        <Stat label="Cloudflare accounts" value={accounts.isPending ? undefined : accs.length} to="/accounts" />
        <Stat label="Zones" value={accounts.isPending ? undefined : accs.length === 0 ? 0 : zonesTotal} to="/accounts" />
        <Stat label="Running jobs" value={jobs.isPending ? undefined : running.length} to="/jobs" />
      </div>

      {accounts.isError ? <ErrorAlert error={accounts.error} className="mb-6" /> : null}

      {accounts.isSuccess && accs.length === 0 ? (
        <div className="mb-6">
          <EmptyState
            icon={<Cloud className="size-10" />}
            title="Connect your first Cloudflare account"
            action={
              <>
                <Button asChild>
                  <Link to="/accounts?add=1">
                    <Plus className="size-4" aria-hidden /> Add with an API token
                  </Link>
                </Button>
                <Button variant="secondary" onClick={sandbox.mutate} loading={sandbox.isPending} disabled={!gate.allowed} aria-describedby={gate.reason ? 'overview-denied' : undefined}>
                  <FlaskConical className="size-4" aria-hidden /> Add sandbox account
                </Button>
                <DeniedReason id="overview-denied" reason={gate.reason ? `${gate.reason} to connect accounts: ask an admin of this workspace` : null} />
              </>
            }
          >
            Create a Cloudflare API token with Zone:Read and DNS:Edit, then add it here. Running locally? Try a sandbox account with demo
            zones first — nothing leaves your machine.
          </EmptyState>
          <ErrorAlert error={sandbox.error} className="mt-3" />
        </div>
      ) : null}

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card
          title="Running jobs"
          actions={
            <Link to="/jobs" className="text-sm text-orange-700 underline">
              All jobs
            </Link>
          }
        >
          {jobs.isPending ? (
            <SkeletonRows rows={2} />
          ) : jobs.isError ? (
            <ErrorAlert error={jobs.error} />
          ) : running.length === 0 ? (
            <p className="text-sm text-slate-600">
              Nothing running.{' '}
              {accs.length ? (
                <Link to="/jobs/new" className="text-orange-700 underline">
                  Plan a bulk change
                </Link>
              ) : (
                'Connect an account to plan a bulk change.'
              )}
            </p>
          ) : (
            <ul className="space-y-4">
              {running.map((j) => (
                <li key={j.id}>
                  <div className="mb-1 flex items-center justify-between gap-2 text-sm">
                    <Link to={`/jobs/${j.id}`} className="font-medium text-slate-900 underline">
                      {kindLabel(j.kind)}
                    </Link>
                    <StatusBadge status={j.status} />
                  </div>
                  <ProgressBar job={j} />
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card
          title="Recent security events"
          actions={
            <Link to="/security?tab=audit" className="text-sm text-orange-700 underline">
              Audit log
            </Link>
          }
        >
          {audit.isPending ? (
            <SkeletonRows rows={3} />
          ) : audit.isError ? (
            <ErrorAlert error={audit.error} />
          ) : audit.data.events.length === 0 ? (
            <p className="text-sm text-slate-600">No events yet.</p>
          ) : (
            <ul className="divide-y divide-slate-100">
              {audit.data.events.slice(0, 6).map((e) => (
                <li key={e.seq} className="flex items-center justify-between gap-2 py-2 text-sm">
                  <span className="flex min-w-0 items-center gap-2">
                    <ShieldCheck className="size-4 shrink-0 text-slate-400" aria-hidden />
                    <code className="truncate font-mono text-xs">{e.type}</code>
                  </span>
                  <time dateTime={e.time} className="shrink-0 text-xs text-slate-500">
                    {relativeTime(e.time)}
                  </time>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}

function Stat({ label, value, to }: { label: string; value: number | string | undefined; to: string }) {
  return (
    <Link to={to} className="block rounded-lg bg-white p-4 shadow-xs ring-1 ring-slate-200 hover:ring-orange-300">
      <p className="text-sm text-slate-600">{label}</p>
      {value === undefined ? <Skeleton className="mt-2 h-7 w-12" /> : <p className="mt-1 text-2xl font-semibold" data-stat={label}>{value}</p>}
    </Link>
  );
}
