import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { call } from '../api/operations';
import { ConfirmDialog } from './dialog';
import { ErrorAlert } from './ui';

/**
 * A provider identity this browser brought back for the signed-in account (its verified email is
 * the account's) is linked only when the user says so here. Dismissed, it expires on its own.
 */
export function PendingLinkPrompt() {
  const qc = useQueryClient();
  const [dismissed, setDismissed] = useState(false);
  const pending = useQuery({ queryKey: ['oidc-pending-link'], staleTime: Infinity, queryFn: ({ signal }) => call('getPendingLink', { signal }) });
  const confirm = useMutation({
    mutationFn: () => call('confirmPendingLink'),
    onSuccess: () => {
      qc.setQueryData(['oidc-pending-link'], { pending: null });
      return qc.invalidateQueries({ queryKey: ['oidc-identities'] });
    },
  });
  const p = pending.data?.pending;
  return (
    <ConfirmDialog
      open={!!p && !dismissed}
      onOpenChange={(o) => {
        if (!o) setDismissed(true);
      }}
      title={`Link ${p?.providerName ?? 'this provider'} to your account?`}
      description={`You signed in to ${p?.providerName ?? 'a provider'} as ${p?.email ?? ''}, this account's address. Once linked, signing in with it opens this account without your password (two-factor authentication still applies).`}
      confirmLabel="Link identity"
      onConfirm={() => confirm.mutate()}
      loading={confirm.isPending}
      error={<ErrorAlert error={confirm.error} />}
    />
  );
}
