import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Trash2 } from 'lucide-react';
import { useState } from 'react';
import { call } from '../../api/operations';
import { ActionTable, RowAction } from '../../components/ActionTable';
import { ConfirmRemoval } from '../../components/dialog';
import { QueryState } from '../../components/QueryState';
import { Card, EmptyState, formatTime, td } from '../../components/ui';

/** Linked OpenID Connect identities: listed and unlinkable; linking starts at the login page. */
export function IdentitiesTab() {
  const qc = useQueryClient();
  const identities = useQuery({ queryKey: ['oidc-identities'], queryFn: ({ signal }) => call('listLinkedIdentities', { signal }) });
  const [toRemove, setToRemove] = useState<{ id: string; name: string } | null>(null);
  const unlink = useMutation({
    mutationFn: (target: { id: string }) => call('unlinkIdentity', { params: { id: target.id } }),
    onSuccess: () => {
      setToRemove(null);
      return qc.invalidateQueries({ queryKey: ['oidc-identities'] });
    },
  });
  return (
    <>
      <Card title="Linked identities">
        <p className="mb-3 text-sm text-slate-600">
          Sign in with an OpenID Connect provider instead of your password. To link one, sign out and choose it on the login page with your account’s
          verified email: you will be asked to log in here and confirm.
        </p>
        <QueryState
          query={identities}
          rows={1}
          loading="Loading linked identities"
          isEmpty={(d) => d.identities.length === 0}
          empty={<EmptyState title="No linked identities">Your account signs in with its password (and passkeys).</EmptyState>}
        >
          {(d) => (
            <ActionTable label="Linked identities" columns={['Provider', 'Email', { label: 'Linked', className: 'hidden sm:table-cell' }]}>
              {d.identities.map((i) => (
                <tr key={i.id} data-identity={i.provider}>
                  <td className={td}>{i.providerName}</td>
                  <td className={td}>{i.email}</td>
                  <td className={`${td} hidden text-xs sm:table-cell`}>{formatTime(i.linkedAt)}</td>
                  <td className={`${td} text-right`}>
                    <RowAction label={`Unlink ${i.providerName}`} icon={Trash2} tone="danger" onClick={() => setToRemove({ id: i.id, name: i.providerName })} />
                  </td>
                </tr>
              ))}
            </ActionTable>
          )}
        </QueryState>
      </Card>
      <ConfirmRemoval
        target={toRemove}
        setTarget={setToRemove}
        mutation={unlink}
        title={`Unlink ${toRemove?.name ?? 'this identity'}?`}
        description="It can no longer sign in to this account. An account made through a provider has no password you know: set one with “Forgot password?” first."
        confirmLabel="Unlink"
      />
    </>
  );
}
