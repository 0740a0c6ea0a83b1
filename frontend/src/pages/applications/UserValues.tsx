import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Eye, Trash2 } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { call } from '../../api/operations';
import { ActionTable } from '../../components/ActionTable';
import { ConfirmDialog, Modal } from '../../components/dialog';
import { QueryState } from '../../components/QueryState';
import { Button, ErrorAlert, Field, Input, formatBytes, relativeTime, td } from '../../components/ui';

interface UserParams {
  workspaceId: string;
  applicationId: string;
  userId: string;
}

/** One end user's keys with sizes; a value is shown only after the admin gives a reason (audited). */
export function UserValues({ params, label, onChange }: { params: UserParams; label: string; onChange: () => void }) {
  const key = ['applications', params.workspaceId, params.applicationId, 'users', params.userId, 'values'];
  const qc = useQueryClient();
  const [reading, setReading] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const values = useQuery({ queryKey: key, queryFn: ({ signal }) => call('listApplicationUserValues', { params, signal }) });
  const remove = useMutation({
    mutationFn: (k: string) => call('deleteApplicationUserValue', { params: { ...params, key: k } }),
    onSuccess: () => {
      setDeleting(null);
      void qc.invalidateQueries({ queryKey: key });
      onChange();
    },
  });
  return (
    <>
      <QueryState query={values} rows={2} loading={`Loading the keys of ${label}`} isEmpty={(d) => d.keys.length === 0} empty={<p className="text-sm text-slate-500">{label} holds no values.</p>}>
        {(d) => (
          <ActionTable label={`Keys of ${label}`} columns={['Key', 'Size', 'Version', 'Changed']}>
            {d.keys.map((v) => (
              <tr key={v.key} data-vault-key={v.key}>
                <td className={`${td} font-mono text-xs break-all`}>{v.key}</td>
                <td className={td}>{formatBytes(v.size)}</td>
                <td className={td}>{v.version}</td>
                <td className={td}>{relativeTime(v.updatedAt)}</td>
                <td className={`${td} whitespace-nowrap text-right`}>
                  <Button size="sm" variant="ghost" onClick={() => setReading(v.key)} aria-label={`Read ${v.key}`}>
                    <Eye className="size-3.5" aria-hidden /> Read…
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => setDeleting(v.key)} aria-label={`Delete ${v.key}`}>
                    <Trash2 className="size-3.5" aria-hidden /> Delete
                  </Button>
                </td>
              </tr>
            ))}
          </ActionTable>
        )}
      </QueryState>
      {reading ? <ReadValueDialog params={{ ...params, key: reading }} label={label} onClose={() => setReading(null)} /> : null}
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(o) => (o ? undefined : setDeleting(null))}
        title={`Delete ${deleting ?? ''}?`}
        description={`The value is removed from ${label}'s vault; the deletion is in the workspace audit log.`}
        confirmLabel="Delete value"
        onConfirm={() => deleting && remove.mutate(deleting)}
        loading={remove.isPending}
        error={<ErrorAlert error={remove.error} />}
      />
    </>
  );
}

/** Asks why, then shows the value: the read and its reason are recorded in the workspace audit log. */
function ReadValueDialog({ params, label, onClose }: { params: UserParams & { key: string }; label: string; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const read = useMutation({ mutationFn: () => call('readApplicationUserValue', { params, query: { reason } }) });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    read.mutate();
  };
  return (
    <Modal open onOpenChange={(o) => (o ? undefined : onClose())} title={`Read ${params.key} of ${label}`} description="Your name and the reason are recorded in the workspace audit log.">
      {read.data ? (
        <div className="space-y-2">
          <p className="text-xs text-slate-500">
            Version {read.data.version}, changed {relativeTime(read.data.updatedAt)}
          </p>
          <pre className="max-h-80 overflow-auto rounded bg-slate-900 p-3 text-xs text-slate-100" data-vault-value>
            {JSON.stringify(read.data.value, null, 2)}
          </pre>
          <div className="flex justify-end">
            <Button variant="secondary" onClick={onClose}>
              Close
            </Button>
          </div>
        </div>
      ) : (
        <form onSubmit={onSubmit} className="space-y-4" noValidate>
          <Field label="Reason" name="reason" error={read.error} hint="For example the support ticket you are working on (at least 3 characters).">
            {(p) => <Input {...p} value={reason} onChange={(e) => setReason(e.target.value)} autoFocus maxLength={500} />}
          </Field>
          <ErrorAlert error={read.error} fields={['reason']} />
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={read.isPending} disabled={reason.trim().length < 3}>
              Read value
            </Button>
          </div>
        </form>
      )}
    </Modal>
  );
}
