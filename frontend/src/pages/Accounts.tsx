import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Cloud, FlaskConical, Plus, RefreshCw, Trash2 } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { call } from '../api/operations';
import { useAddSandbox, useCreateAccount } from '../api/mutations';
import { keys, useAccounts } from '../api/queries';
import type { CloudflareAccount } from '../api/types';
import { ConfirmDialog, Modal } from '../components/dialog';
import { Badge, Button, Card, EmptyState, ErrorAlert, Field, Input, PageHeader, SkeletonRows, relativeTime } from '../components/ui';
import { DeniedReason } from '../components/Denied';
import { Link, setQuery, useLocation } from '../lib/router';
import { useCan } from '../lib/workspace';

export default function Accounts() {
  const accounts = useAccounts();
  const { query } = useLocation();
  const adding = query.get('add') === '1';
  const sandbox = useAddSandbox();
  const gate = useCan('cloudflare.accounts.manage');
  const manage = { disabled: !gate.allowed, 'aria-describedby': gate.reason ? 'accounts-denied' : undefined };

  return (
    <>
      <PageHeader
        title="Cloudflare accounts"
        description="API tokens are verified with Cloudflare, then stored encrypted. Only the last 4 characters are ever shown again."
        actions={
          <>
            <DeniedReason id="accounts-denied" reason={gate.reason ? `${gate.reason} to connect or remove accounts` : null} />
            <Button onClick={() => setQuery({ add: '1' })} {...manage}>
              <Plus className="size-4" aria-hidden /> Add account
            </Button>
            <Button variant="secondary" onClick={sandbox.mutate} loading={sandbox.isPending} {...manage}>
              <FlaskConical className="size-4" aria-hidden /> Add sandbox account
            </Button>
          </>
        }
      />
      <ErrorAlert error={sandbox.error} className="mb-4" />
      <AddAccountDialog open={adding} onOpenChange={(o) => setQuery({ add: o ? '1' : undefined })} />

      {accounts.isPending ? (
        <SkeletonRows rows={3} label="Loading accounts" />
      ) : accounts.isError ? (
        <ErrorAlert error={accounts.error} />
      ) : accounts.data.accounts.length === 0 ? (
        <EmptyState
          icon={<Cloud className="size-10" />}
          title="No Cloudflare accounts yet"
          action={
            <>
              <Button onClick={() => setQuery({ add: '1' })} {...manage}>
                <Plus className="size-4" aria-hidden /> Add with an API token
              </Button>
              <Button variant="secondary" onClick={sandbox.mutate} loading={sandbox.isPending} {...manage}>
                <FlaskConical className="size-4" aria-hidden /> Add sandbox account
              </Button>
            </>
          }
        >
          In Cloudflare, create an API token (My Profile → API Tokens) with <em>Zone: Read</em> and <em>DNS: Edit</em> for the zones you
          want to manage. Or start with the sandbox: demo zones, no Cloudflare account needed.
        </EmptyState>
      ) : (
        <ul className="grid grid-cols-1 gap-4 md:grid-cols-2">
          {accounts.data.accounts.map((a) => (
            <AccountCard key={a.id} account={a} />
          ))}
        </ul>
      )}
    </>
  );
}

function AccountCard({ account: a }: { account: CloudflareAccount }) {
  const qc = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const gate = useCan('cloudflare.accounts.manage');
  const manage = { disabled: !gate.allowed, 'aria-describedby': gate.reason ? `account-denied-${a.id}` : undefined };
  const verify = useMutation({
    mutationFn: () => call('verifyCloudflareAccount', { params: { id: a.id } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.accounts }),
  });
  const remove = useMutation({
    mutationFn: () => call('deleteCloudflareAccount', { params: { id: a.id } }),
    onSuccess: () => {
      setConfirm(false);
      qc.invalidateQueries({ queryKey: keys.accounts });
    },
  });
  return (
    <li>
      <Card
        title={
          <span className="flex flex-wrap items-center gap-2">
            {a.name}
            {a.sandbox ? <Badge color="blue">sandbox</Badge> : null}
            <Badge color={a.status === 'active' ? 'green' : 'red'}>{a.status}</Badge>
          </span>
        }
      >
        <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
          <dt className="text-slate-500">Token</dt>
          <dd className="font-mono">…{a.tokenHint}</dd>
          <dt className="text-slate-500">Verified</dt>
          <dd>{relativeTime(a.verifiedAt)}</dd>
          <dt className="text-slate-500">Added</dt>
          <dd>{relativeTime(a.createdAt)}</dd>
        </dl>
        {a.statusDetail ? <p className="mt-2 text-sm text-red-700">{a.statusDetail}</p> : null}
        <ErrorAlert error={verify.error} className="mt-3" />
        <div className="mt-4 flex flex-wrap gap-2">
          <Button asChild size="sm">
            <Link to={`/accounts/${a.id}/zones`}>Zones</Link>
          </Button>
          <Button size="sm" variant="secondary" onClick={() => verify.mutate()} loading={verify.isPending} {...manage}>
            <RefreshCw className="size-3.5" aria-hidden /> Re-verify
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setConfirm(true)} aria-label={`Remove ${a.name}`} {...manage}>
            <Trash2 className="size-3.5" aria-hidden /> Remove
          </Button>
          <DeniedReason id={`account-denied-${a.id}`} reason={gate.reason} />
        </div>
        {verify.isSuccess ? <p className="mt-2 text-sm text-emerald-700" role="status">Token verified.</p> : null}
      </Card>
      <ConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title={`Remove ${a.name}?`}
        description="Its encrypted token is deleted. Jobs already run stay in the history; nothing changes on Cloudflare."
        confirmLabel="Remove account"
        onConfirm={() => remove.mutate()}
        loading={remove.isPending}
        error={<ErrorAlert error={remove.error} />}
      />
    </li>
  );
}

function AddAccountDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const [name, setName] = useState('');
  const [token, setToken] = useState('');
  const create = useCreateAccount();
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { name, token },
      {
        onSuccess: () => {
          setName('');
          setToken('');
          onOpenChange(false);
        },
      },
    );
  };
  return (
    <Modal open={open} onOpenChange={onOpenChange} title="Add a Cloudflare account" description="The token is checked with Cloudflare before it is saved.">
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        <Field label="Name" name="name" error={create.error}>
          {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} placeholder="Production" autoFocus />}
        </Field>
        <Field label="API token" name="token" error={create.error} hint="Zone: Read and DNS: Edit permissions.">
          {(p) => <Input {...p} type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} />}
        </Field>
        <ErrorAlert error={create.error} fields={['name', 'token']} />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Verify and save
          </Button>
        </div>
      </form>
    </Modal>
  );
}
