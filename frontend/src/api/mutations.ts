import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call } from './operations';
import { keys } from './queries';
import type { CreateAccountBody } from './types';

export function useCreateAccount() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateAccountBody) => call('createCloudflareAccount', { body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.accounts }),
  });
}

/** "Add sandbox account": a local-mode account backed by the built-in Cloudflare sandbox, seeded with demo zones. */
export function useAddSandbox() {
  const create = useCreateAccount();
  return { ...create, mutate: () => create.mutate({ name: 'Sandbox', sandbox: true }) };
}
