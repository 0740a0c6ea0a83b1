import { useMutation, useQuery } from '@tanstack/react-query';
import { LogIn } from 'lucide-react';
import { call } from '../../api/operations';
import { Button, ErrorAlert } from '../../components/ui';
import { startProviderSignIn } from '../../lib/oidc';

/** "Sign in with …" for each OpenID Connect provider of the stage (none: nothing shown). */
export function ProviderButtons() {
  const providers = useQuery({ queryKey: ['oidc-providers'], staleTime: 300_000, queryFn: ({ signal }) => call('listOidcProviders', { signal, quietAuth: true }) });
  const start = useMutation({ mutationFn: startProviderSignIn });
  const list = providers.data?.providers ?? [];
  if (!list.length) return null;
  return (
    <div className="mt-4 space-y-2 border-t border-slate-200 pt-4">
      {list.map((p) => (
        <Button key={p.id} type="button" variant="secondary" className="w-full" onClick={() => start.mutate(p.id)} loading={start.isPending && start.variables === p.id}>
          <LogIn className="size-4" aria-hidden /> Sign in with {p.name}
        </Button>
      ))}
      <ErrorAlert error={start.error} />
    </div>
  );
}
