import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { KeyRound, Trash2 } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { call } from '../../api/operations';
import type { AutomationCredential, CreatedAutomationCredential } from '../../api/types';
import { CopyButton } from '../../components/CopyButton';
import { ConfirmDialog } from '../../components/dialog';
import { ActionTable, RowAction } from '../../components/ActionTable';
import { QueryState } from '../../components/QueryState';
import { Button, Card, EmptyState, ErrorAlert, Field, Input, Notice, relativeTime, td } from '../../components/ui';

/**
 * Automation credentials of one application (ADMIN): create (the secret is shown once, here),
 * list, revoke. A credential reaches the Session API only, with values of its own.
 */
export function AutomationCredentials({ workspaceId, applicationId }: { workspaceId: string; applicationId: string }) {
  const qc = useQueryClient();
  const params = { workspaceId, applicationId };
  const key = ['applications', workspaceId, applicationId, 'credentials'];
  const list = useQuery({ queryKey: key, queryFn: ({ signal }) => call('listAutomationCredentials', { params, signal }) });
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedAutomationCredential | null>(null);
  const [toRevoke, setToRevoke] = useState<AutomationCredential | null>(null);
  const create = useMutation({
    mutationFn: () => call('createAutomationCredential', { params, body: { name } }),
    onSuccess: (r) => {
      setCreated(r);
      setName('');
      return qc.invalidateQueries({ queryKey: key });
    },
  });
  const revoke = useMutation({
    mutationFn: (credentialId: string) => call('deleteAutomationCredential', { params: { ...params, credentialId } }),
    onSuccess: () => {
      setToRevoke(null);
      return qc.invalidateQueries({ queryKey: key });
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Card title="Automation credentials">
      <div className="space-y-4">
        <p className="text-sm text-slate-600">For n8n, Make, Zapier or an AI agent: a credential reaches only the Session API of this application, with values of its own, never its users' values.</p>
        {created ? (
          <div className="space-y-2 rounded-md bg-amber-50 p-3 ring-1 ring-amber-200">
            <Notice tone="warning">Copy the secret of “{created.credential.name}” now: it is shown only once. Send it as <code>Authorization: Bearer …</code>.</Notice>
            <div className="flex flex-wrap items-center gap-2">
              <code className="min-w-0 flex-1 rounded bg-white px-2 py-1 font-mono text-sm break-all" data-credential-secret>
                {created.secret}
              </code>
              <CopyButton text={created.secret} />
              <Button size="sm" onClick={() => setCreated(null)}>
                Done
              </Button>
            </div>
          </div>
        ) : null}
        <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-2" noValidate>
          <div className="min-w-48 flex-1">
            <Field label="Credential name" name="name" error={create.error}>
              {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} placeholder="n8n workflows" />}
            </Field>
          </div>
          <Button type="submit" loading={create.isPending}>
            <KeyRound className="size-4" aria-hidden /> Create credential
          </Button>
        </form>
        <ErrorAlert error={create.error} fields={['name']} />
        <QueryState
          query={list}
          rows={2}
          loading="Loading credentials"
          isEmpty={(d) => d.credentials.length === 0}
          empty={<EmptyState title="No automation credentials">Create one for each automation, so you can revoke one without the others.</EmptyState>}
        >
          {(d) => (
            <ActionTable label="Automation credentials" columns={['Name', 'Credential', { label: 'Last used', className: 'hidden sm:table-cell' }]}>
              {d.credentials.map((c) => (
                <tr key={c.id} data-credential={c.name}>
                  <td className={td}>{c.name}</td>
                  <td className={`${td} font-mono text-xs`}>{c.prefix}…</td>
                  <td className={`${td} hidden text-xs sm:table-cell`}>{c.lastUsedAt ? relativeTime(c.lastUsedAt) : 'never'}</td>
                  <td className={`${td} text-right`}>
                    <RowAction label={`Revoke credential ${c.name}`} icon={Trash2} onClick={() => setToRevoke(c)} />
                  </td>
                </tr>
              ))}
            </ActionTable>
          )}
        </QueryState>
      </div>
      <ConfirmDialog
        open={toRevoke !== null}
        onOpenChange={(o) => !o && setToRevoke(null)}
        title={`Revoke ${toRevoke?.name ?? ''}?`}
        description="Automations using it are refused from their next request."
        confirmLabel="Revoke credential"
        onConfirm={() => toRevoke && revoke.mutate(toRevoke.id)}
        loading={revoke.isPending}
        error={<ErrorAlert error={revoke.error} />}
      />
    </Card>
  );
}
