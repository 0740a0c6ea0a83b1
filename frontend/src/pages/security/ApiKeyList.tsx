import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Trash2 } from 'lucide-react';
import { useState } from 'react';
import { call } from '../../api/operations';
import { keys, useApiKeys } from '../../api/queries';
import { ConfirmDialog } from '../../components/dialog';
import { ActionTable, RowAction } from '../../components/ActionTable';
import { QueryState } from '../../components/QueryState';
import { Badge, Card, EmptyState, ErrorAlert, formatTime, relativeTime, td } from '../../components/ui';

/** Every API key of the user, with delete (after a confirmation). */
export function ApiKeyList() {
  const qc = useQueryClient();
  const keysQ = useApiKeys();
  const [toDelete, setToDelete] = useState<string | null>(null);
  const del = useMutation({
    mutationFn: (id: string) => call('deleteApiKey', { params: { id } }),
    onSuccess: () => {
      setToDelete(null);
      return qc.invalidateQueries({ queryKey: keys.apiKeys });
    },
  });
  return (
    <>
      <Card title="Your API keys">
        <ErrorAlert error={del.error} className="mb-3" />
        <QueryState
          query={keysQ}
          rows={2}
          loading="Loading API keys"
          isEmpty={(d) => d.apiKeys.length === 0}
          empty={<EmptyState title="No API keys">Create one above for scripts, CI or the CLI. Give it only the scopes it needs.</EmptyState>}
        >
          {(d) => (
            <ActionTable
              label="API keys"
              columns={['Name', 'Key', { label: 'Scopes', className: 'hidden md:table-cell' }, { label: 'Last used', className: 'hidden sm:table-cell' }]}
            >
              {d.apiKeys.map((k) => (
                <tr key={k.id}>
                  <td className={td}>
                    {k.name}
                    {k.expiresAt ? <p className="text-xs text-slate-500">expires {formatTime(k.expiresAt)}</p> : null}
                  </td>
                  <td className={`${td} font-mono text-xs`}>{k.prefix}…</td>
                  <td className={`${td} hidden md:table-cell`}>
                    <span className="flex flex-wrap gap-1">
                      {k.scopes.map((s) => (
                        <Badge key={s}>{s}</Badge>
                      ))}
                    </span>
                  </td>
                  <td className={`${td} hidden text-xs sm:table-cell`}>{k.lastUsedAt ? relativeTime(k.lastUsedAt) : 'never'}</td>
                  <td className={`${td} text-right`}>
                    <RowAction label={`Delete key ${k.name}`} icon={Trash2} onClick={() => setToDelete(k.id)} />
                  </td>
                </tr>
              ))}
            </ActionTable>
          )}
        </QueryState>
      </Card>
      <ConfirmDialog
        open={toDelete !== null}
        onOpenChange={(o) => !o && setToDelete(null)}
        title="Delete this API key?"
        description="Anything using it stops working at once."
        confirmLabel="Delete key"
        onConfirm={() => toDelete && del.mutate(toDelete)}
        loading={del.isPending}
      />
    </>
  );
}
