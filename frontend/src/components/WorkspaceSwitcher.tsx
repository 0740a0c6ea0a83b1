/** The shell's workspace switcher: the active workspace's name, the others with the caller's role, and "New workspace". */
import { Plus } from 'lucide-react';
import { lazy, Suspense, useState } from 'react';
import { useWorkspaces } from '../api/queries';
import { useSwitchWorkspace } from '../lib/workspace';
import { Button, ErrorAlert, Field, Select, Skeleton } from './ui';

// The dialog (Radix) stays out of the initial bundle: it loads when first opened.
const CreateWorkspaceDialog = lazy(() => import('./CreateWorkspaceDialog'));

export function WorkspaceSwitcher() {
  const list = useWorkspaces();
  const switcher = useSwitchWorkspace();
  const [creating, setCreating] = useState(false);
  if (list.isPending) return <Skeleton className="h-9 w-full" />;
  if (list.isError) return <ErrorAlert error={list.error} />;
  const active = list.data.workspaces.find((w) => w.active);
  return (
    <div className="space-y-1" data-workspace-switcher>
      <Field label="Workspace" name="workspace">
        {(p) => (
          <Select {...p} value={active?.id ?? ''} disabled={switcher.isPending} onChange={(e) => switcher.mutate(e.target.value)}>
            {active ? null : <option value="">Choose a workspace</option>}
            {list.data.workspaces.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name} ({w.role}){w.personal ? ' · personal' : ''}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <p className="truncate text-xs text-slate-500" data-active-workspace>
        {active ? (
          <>
            Acting in <strong className="font-medium text-slate-700">{active.name}</strong> as {active.role}
          </>
        ) : null}
      </p>
      <ErrorAlert error={switcher.error} />
      <Button size="sm" variant="ghost" className="w-full justify-start" onClick={() => setCreating(true)}>
        <Plus className="size-3.5" aria-hidden /> New workspace
      </Button>
      {creating ? (
        <Suspense fallback={null}>
          <CreateWorkspaceDialog open onOpenChange={setCreating} />
        </Suspense>
      ) : null}
    </div>
  );
}
