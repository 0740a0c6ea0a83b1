import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Fingerprint, Pencil, Trash2 } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { call } from '../../api/operations';
import { keys, usePasskeys } from '../../api/queries';
import { ActionTable, RowAction } from '../../components/ActionTable';
import { ConfirmRemoval } from '../../components/dialog';
import { QueryState } from '../../components/QueryState';
import { Badge, Button, Card, EmptyState, ErrorAlert, Field, Input, Notice, formatTime, relativeTime, td } from '../../components/ui';
import { addPasskey, passkeysSupported } from '../../lib/passkeys';

/**
 * Passkeys: add one under a name (the browser asks the authenticator: Touch ID, Windows Hello,
 * a phone or a security key), rename, remove. Adding and removing need a sign-in less than 10
 * minutes old; the server says so, and the message tells the user to sign in again.
 */
export function PasskeysTab() {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const add = useMutation({
    mutationFn: () => addPasskey(name.trim()),
    onSuccess: () => {
      setName('');
      return qc.invalidateQueries({ queryKey: keys.passkeys });
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <div className="space-y-6">
      <Card title="Add a passkey">
        {!passkeysSupported() ? (
          <Notice tone="warning">This browser does not support passkeys.</Notice>
        ) : (
          <form onSubmit={onSubmit} className="space-y-3" noValidate>
            <p className="text-sm text-slate-600">
              Sign in without a password, or use a passkey as your second factor. Once you have one, signing in with your password also asks for a passkey
              (or your authenticator code).
            </p>
            <Field label="Name" name="name" error={add.error}>
              {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} placeholder="MacBook Touch ID" />}
            </Field>
            <ErrorAlert error={add.error} fields={['name']} />
            <Button type="submit" loading={add.isPending} disabled={!name.trim()}>
              <Fingerprint className="size-4" aria-hidden /> Add passkey
            </Button>
          </form>
        )}
      </Card>
      <PasskeyList />
    </div>
  );
}

function PasskeyList() {
  const qc = useQueryClient();
  const passkeysQ = usePasskeys();
  const [editing, setEditing] = useState<{ id: string; name: string } | null>(null);
  const [toRemove, setToRemove] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: keys.passkeys });
  const rename = useMutation({
    mutationFn: (p: { id: string; name: string }) => call('renamePasskey', { params: { id: p.id }, body: { name: p.name } }),
    onSuccess: () => {
      setEditing(null);
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => call('removePasskey', { params: { id } }),
    onSuccess: () => {
      setToRemove(null);
      return refresh();
    },
  });
  return (
    <>
      <Card title="Your passkeys">
        <ErrorAlert error={rename.error} fields={['name']} className="mb-3" />
        <QueryState
          query={passkeysQ}
          rows={2}
          loading="Loading passkeys"
          isEmpty={(d) => d.passkeys.length === 0}
          empty={<EmptyState title="No passkeys">Add one above to sign in with your fingerprint, face or security key.</EmptyState>}
        >
          {(d) => (
            <ActionTable label="Passkeys" columns={['Name', { label: 'Added', className: 'hidden sm:table-cell' }, { label: 'Last used', className: 'hidden sm:table-cell' }]}>
              {d.passkeys.map((p) => (
                <tr key={p.id} data-passkey={p.name}>
                  <td className={td}>
                    {editing?.id === p.id ? (
                      <form
                        className="flex gap-2"
                        onSubmit={(e) => {
                          e.preventDefault();
                          rename.mutate(editing);
                        }}
                      >
                        <Input aria-label="New name" autoFocus value={editing.name} onChange={(e) => setEditing({ id: p.id, name: e.target.value })} />
                        <Button type="submit" size="sm" loading={rename.isPending}>
                          Save
                        </Button>
                      </form>
                    ) : (
                      <>
                        {p.name} {p.backedUp ? <Badge>synced</Badge> : null}
                      </>
                    )}
                  </td>
                  <td className={`${td} hidden text-xs sm:table-cell`}>{formatTime(p.createdAt)}</td>
                  <td className={`${td} hidden text-xs sm:table-cell`}>{p.lastUsedAt ? relativeTime(p.lastUsedAt) : 'never'}</td>
                  <td className={`${td} text-right whitespace-nowrap`}>
                    <RowAction label={`Rename passkey ${p.name}`} icon={Pencil} onClick={() => setEditing({ id: p.id, name: p.name })} />
                    <RowAction label={`Remove passkey ${p.name}`} icon={Trash2} tone="danger" onClick={() => setToRemove(p.id)} />
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
        mutation={remove}
        title="Remove this passkey?"
        description="It can no longer sign in to this account. Removing needs a sign-in less than 10 minutes old."
        confirmLabel="Remove passkey"
      />
    </>
  );
}
