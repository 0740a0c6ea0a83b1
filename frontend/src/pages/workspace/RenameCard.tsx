import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { call } from '../../api/operations';
import { keys } from '../../api/queries';
import { deniedReason } from '../../api/roles';
import type { Workspace } from '../../api/types';
import { DeniedReason } from '../../components/Denied';
import { Button, Card, ErrorAlert, Field, Input } from '../../components/ui';

/** Rename (OWNER). */
export function RenameCard({ workspace: w }: { workspace: Workspace }) {
  const qc = useQueryClient();
  const [name, setName] = useState(w.name);
  const reason = deniedReason(w.role, 'workspace.rename');
  const rename = useMutation({
    mutationFn: () => call('renameWorkspace', { params: { workspaceId: w.id }, body: { name } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.workspaces }),
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    rename.mutate();
  };
  return (
    <Card title="Name">
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3" noValidate>
        <Field label="Workspace name" name="name" error={rename.error} className="min-w-0 flex-1">
          {(p) => <Input {...p} value={name} disabled={!!reason} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Button type="submit" loading={rename.isPending} disabled={!!reason || name.trim() === w.name} aria-describedby={reason ? 'rename-denied' : undefined}>
          Rename
        </Button>
        <DeniedReason id="rename-denied" reason={reason} />
      </form>
      <ErrorAlert error={rename.error} fields={['name']} className="mt-3" />
      {rename.isSuccess ? (
        <p className="mt-2 text-sm text-emerald-700" role="status">
          Renamed.
        </p>
      ) : null}
    </Card>
  );
}
