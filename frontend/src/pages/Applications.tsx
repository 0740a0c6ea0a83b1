import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { AppWindow, Plus } from 'lucide-react';
import { useState } from 'react';
import { call } from '../api/operations';
import { BackToWorkspace } from '../components/BackToWorkspace';
import { DeniedReason } from '../components/Denied';
import { LoadMore } from '../components/Pager';
import { Button, EmptyState, ErrorAlert, PageHeader, SkeletonRows } from '../components/ui';
import { useActiveWorkspace, useCan } from '../lib/workspace';
import { ApplicationCard } from './applications/ApplicationCard';
import { CreateApplicationDialog } from './applications/CreateApplicationDialog';

/** `/workspace/applications`: the active workspace's applications (read: USER; register, change, delete: ADMIN). */
export default function Applications() {
  const { workspace } = useActiveWorkspace();
  const gate = useCan('applications.manage');
  const qc = useQueryClient();
  const [creating, setCreating] = useState(false);
  const key = ['applications', workspace?.id];
  const apps = useInfiniteQuery({
    queryKey: key,
    enabled: !!workspace,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => call('listApplications', { params: { workspaceId: workspace!.id }, query: { limit: 25, cursor: pageParam }, signal }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const refresh = () => qc.invalidateQueries({ queryKey: key });
  const all = apps.data?.pages.flatMap((p) => p.applications) ?? [];
  return (
    <>
      <PageHeader
        title="Applications"
        description={<BackToWorkspace name={workspace?.name} />}
        actions={
          <>
            <DeniedReason id="apps-denied" reason={gate.reason} />
            <Button onClick={() => setCreating(true)} disabled={!gate.allowed} aria-describedby={gate.reason ? 'apps-denied' : undefined}>
              <Plus className="size-4" aria-hidden /> Register application
            </Button>
          </>
        }
      />
      {workspace ? <CreateApplicationDialog workspaceId={workspace.id} open={creating} onOpenChange={setCreating} onCreated={refresh} /> : null}
      {apps.isPending ? (
        <SkeletonRows rows={3} label="Loading applications" />
      ) : apps.isError ? (
        <ErrorAlert error={apps.error} />
      ) : all.length === 0 ? (
        <EmptyState icon={<AppWindow className="size-10" />} title="No applications yet">
          Register an application to let it sign users in to this workspace: its origins and redirect URIs are checked.
        </EmptyState>
      ) : (
        <>
          <ul className="grid grid-cols-1 gap-4 md:grid-cols-2">
            {all.map((a) => (
              <ApplicationCard key={a.id} workspaceId={workspace!.id} app={a} denied={gate.reason} onChange={refresh} />
            ))}
          </ul>
          <LoadMore query={apps} />
        </>
      )}
    </>
  );
}
