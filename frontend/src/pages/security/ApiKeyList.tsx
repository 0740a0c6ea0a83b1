import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Trash2 } from 'lucide-react';
import { useState } from 'react';
import { call } from '../../api/operations';
import { keys, useApiKeys } from '../../api/queries';
import { ConfirmDialog } from '../../components/dialog';
import { Badge, Card, EmptyState, ErrorAlert, SkeletonRows, Table, formatTime, relativeTime, td, th } from '../../components/ui';

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
        {keysQ.isPending ? (
          <SkeletonRows rows={2} label="Loading API keys" />
        ) : keysQ.isError ? (
          <ErrorAlert error={keysQ.error} />
        ) : keysQ.data.apiKeys.length === 0 ? (
          <EmptyState title="No API keys">Create one above for scripts, CI or the CLI. Give it only the scopes it needs.</EmptyState>
        ) : (
          <Table label="API keys">
            <thead>
              <tr>
                <th className={th}>Name</th>
                <th className={th}>Key</th>
                <th className={`${th} hidden md:table-cell`}>Scopes</th>
                <th className={`${th} hidden sm:table-cell`}>Last used</th>
                <th className={th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {keysQ.data.apiKeys.map((k) => (
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
                    <button type="button" className="rounded p-1.5 text-slate-600 hover:bg-slate-100" aria-label={`Delete key ${k.name}`} onClick={() => setToDelete(k.id)}>
                      <Trash2 className="size-4" aria-hidden />
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
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
