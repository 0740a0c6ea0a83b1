/** "New workspace": name it, create it (the caller is OWNER), then switch to it. */
import { useState, type FormEvent } from 'react';
import { useCreateWorkspace, useSwitchWorkspace } from '../lib/workspace';
import { Modal } from './dialog';
import { Button, ErrorAlert, Field, Input } from './ui';

export default function CreateWorkspaceDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const [name, setName] = useState('');
  const create = useCreateWorkspace();
  const switcher = useSwitchWorkspace();
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(name, {
      onSuccess: ({ workspace }) => {
        // Switch first: closing unmounts this dialog (the switch's own onSuccess still runs).
        switcher.mutate(workspace.id);
        setName('');
        onOpenChange(false);
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
