import { useQuery } from '@tanstack/react-query';
import { ChevronLeft } from 'lucide-react';
import { call } from '../api/operations';
import { Badge, ErrorAlert, Notice, PageHeader, SkeletonRows } from '../components/ui';
import { Link, type Params } from '../lib/router';
import { useActiveWorkspace, useCan } from '../lib/workspace';
import { AppUsers } from './applications/AppUsers';
import { AutomationCredentials } from './applications/AutomationCredentials';
import { QuickStart } from './applications/QuickStart';

/** `/workspace/applications/:applicationId`: the quick start (USER+), the app's users and its automation credentials (ADMIN). */
export default function ApplicationDetail({ params }: { params: Params }) {
  const { workspace } = useActiveWorkspace();
  const gate = useCan('applications.manage');
  const applicationId = params.applicationId!;
  const app = useQuery({
    queryKey: ['applications', workspace?.id, applicationId],
    enabled: !!workspace,
    queryFn: ({ signal }) => call('getApplication', { params: { workspaceId: workspace!.id, applicationId }, signal }),
  });
  const a = app.data?.application;
  return (
    <>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-2">
            {a?.name ?? 'Application'} {a ? <Badge color={a.enabled ? 'green' : 'gray'}>{a.enabled ? 'enabled' : 'disabled'}</Badge> : null}
          </span>
        }
        description={
          <Link to="/workspace/applications" className="inline-flex items-center gap-1 text-orange-700 underline">
            <ChevronLeft className="size-3.5" aria-hidden /> Applications
          </Link>
        }
      />
      {app.isPending ? (
        <SkeletonRows rows={4} label="Loading the application" />
      ) : app.isError ? (
        <ErrorAlert error={app.error} />
      ) : (
        <div className="space-y-6">
          <QuickStart app={a!} />
          {gate.allowed ? (
            <>
              <AppUsers workspaceId={workspace!.id} applicationId={applicationId} />
              <AutomationCredentials workspaceId={workspace!.id} applicationId={applicationId} />
            </>
          ) : (
            <Notice>{gate.reason} Owners and admins see the application's users and its automation credentials.</Notice>
          )}
        </div>
      )}
    </>
  );
}
