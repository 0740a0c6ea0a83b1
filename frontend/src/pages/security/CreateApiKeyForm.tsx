import { useMutation, useQueryClient } from '@tanstack/react-query';
import { KeyRound } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { call } from '../../api/operations';
import { keys } from '../../api/queries';
import { SCOPES, type CreateApiKeyBody, type CreateApiKeyResponse, type Scope } from '../../api/types';
import { Button, Card, ErrorAlert, Field, Input } from '../../components/ui';

/** Name, scopes and an optional expiry date (end of that day, UTC). */
export function CreateApiKeyForm({ onCreated }: { onCreated: (created: CreateApiKeyResponse) => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['cloudflare:read', 'jobs:read']);
  const [expires, setExpires] = useState('');
  const create = useMutation({
    mutationFn: () => {
      const body: CreateApiKeyBody = { name, scopes, ...(expires ? { expiresAt: new Date(`${expires}T23:59:59Z`).toISOString() } : {}) };
      return call('createApiKey', { body });
    },
    onSuccess: (r) => {
      onCreated(r);
      setName('');
      return qc.invalidateQueries({ queryKey: keys.apiKeys });
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Card title="Create an API key">
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          <Field label="Name" name="name" error={create.error}>
            {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} placeholder="CI deploys" />}
          </Field>
          <Field label="Expires (optional)" name="expiresAt" error={create.error}>
            {(p) => <Input {...p} type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />}
          </Field>
        </div>
        <fieldset>
          <legend className="mb-1 text-sm font-medium text-slate-700">Scopes</legend>
          <div className="flex flex-wrap gap-3">
            {SCOPES.map((s) => (
              <label key={s} className="flex items-center gap-1.5 text-sm">
                <input type="checkbox" name="scopes" checked={scopes.includes(s)} onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} />
                <code className="font-mono text-xs">{s}</code>
              </label>
            ))}
          </div>
          {create.error && 'fieldError' in create.error ? (
            <p className="mt-1 text-sm text-red-600">{(create.error as { fieldError: (n: string) => string | undefined }).fieldError('scopes')}</p>
          ) : null}
        </fieldset>
        <ErrorAlert error={create.error} fields={['name', 'scopes', 'expiresAt']} />
        <Button type="submit" loading={create.isPending}>
          <KeyRound className="size-4" aria-hidden /> Create key
        </Button>
      </form>
    </Card>
  );
}
