/** The shell's workspace switcher: the active workspace's name, the others with the caller's role, and "New workspace". */
import { Plus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useWorkspaces } from '../api/queries';
import { useCreateWorkspace, useSwitchWorkspace } from '../lib/workspace';
import { Modal } from './dialog';
import { Button, ErrorAlert, Field, Input, Select, Skeleton } from './ui';

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
      <CreateWorkspaceDialog open={creating} onOpenChange={setCreating} />
    </div>
  );
}

function CreateWorkspaceDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const [name, setName] = useState('');
  const create = useCreateWorkspace();
  const switcher = useSwitchWorkspace();
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(name, {
      onSuccess: ({ workspace }) => {
        setName('');
        onOpenChange(false);
        switcher.mutate(workspace.id);
      },
    });
  };
  return (
    <Modal open={open} onOpenChange={onOpenChange} title="New workspace" description="You become its OWNER; the dashboard switches to it.">
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        <Field label="Workspace name" name="name" error={create.error}>
          {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} placeholder="Platform team" autoFocus />}
        </Field>
        <ErrorAlert error={create.error} fields={['name']} />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Create workspace
          </Button>
        </div>
      </form>
    </Modal>
  );
}
