import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Mail, RotateCw, X } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { call } from '../../api/operations';
import { keys, useInvites } from '../../api/queries';
import { deniedReason } from '../../api/roles';
import type { Invite, Role, Workspace } from '../../api/types';
import { DeniedReason } from '../../components/Denied';
import { Button, Card, ErrorAlert, Field, Input, Select, relativeTime } from '../../components/ui';
import { grantableRoles } from './memberRules';

/** Invite by email with a role (ADMIN; OWNER only by an OWNER), and the pending invites: resend, revoke. */
export function InvitesCard({ workspace: w }: { workspace: Workspace }) {
  const qc = useQueryClient();
  const reason = deniedReason(w.role, 'invites.manage');
  const invites = useInvites(w.id, !reason);
  const roles = grantableRoles(w.role);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('USER');
  const refresh = () => qc.invalidateQueries({ queryKey: keys.invites(w.id) });
  const create = useMutation({
    mutationFn: () => call('createInvite', { params: { workspaceId: w.id }, body: { email, role } }),
    onSuccess: () => (setEmail(''), refresh()),
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Card title="Invites">
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3" noValidate>
        <Field label="Email to invite" name="email" error={create.error} className="min-w-0 flex-1">
          {(p) => <Input {...p} type="email" value={email} disabled={!!reason} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field label="Role" name="role" error={create.error}>
          {(p) => (
            <Select {...p} value={role} disabled={!!reason} onChange={(e) => setRole(e.target.value as Role)}>
              {(roles.length ? roles : (['USER'] as Role[])).map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Button type="submit" disabled={!!reason} loading={create.isPending} aria-describedby={reason ? 'invite-denied' : undefined}>
          <Mail className="size-4" aria-hidden /> Send invite
        </Button>
        <DeniedReason id="invite-denied" reason={reason} />
      </form>
      <ErrorAlert error={create.error} fields={['email', 'role']} className="mt-3" />
      {create.isSuccess ? (
        <p className="mt-2 text-sm text-emerald-700" role="status">
          Invite sent to {create.data.invite.email}.
        </p>
      ) : null}
      {invites.isError ? <ErrorAlert error={invites.error} className="mt-3" /> : null}
      {invites.data && invites.data.invites.length > 0 ? (
        <ul className="mt-4 divide-y divide-slate-100" aria-label="Pending invites">
          {invites.data.invites.map((i) => (
            <InviteItem key={i.id} workspace={w} invite={i} onChange={refresh} />
          ))}
        </ul>
      ) : null}
    </Card>
  );
}

function InviteItem({ workspace: w, invite: i, onChange }: { workspace: Workspace; invite: Invite; onChange: () => void }) {
  const params = { workspaceId: w.id, inviteId: i.id };
  const resend = useMutation({ mutationFn: () => call('resendInvite', { params }), onSuccess: onChange });
  const revoke = useMutation({ mutationFn: () => call('revokeInvite', { params }), onSuccess: onChange });
  return (
    <li className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2 text-sm" data-invite={i.email}>
      <span className="min-w-0 flex-1 break-all">
        {i.email} <span className="text-slate-500">as {i.role} · expires {relativeTime(i.expiresAt)}</span>
      </span>
      <Button size="sm" variant="ghost" onClick={() => resend.mutate()} loading={resend.isPending} aria-label={`Resend invite to ${i.email}`}>
        <RotateCw className="size-3.5" aria-hidden /> Resend
      </Button>
      <Button size="sm" variant="ghost" onClick={() => revoke.mutate()} loading={revoke.isPending} aria-label={`Revoke invite to ${i.email}`}>
        <X className="size-3.5" aria-hidden /> Revoke
      </Button>
      <ErrorAlert error={resend.error ?? revoke.error} className="w-full" />
    </li>
  );
}
