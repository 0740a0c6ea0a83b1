import { useMutation, useQueryClient } from '@tanstack/react-query';
import { UserMinus } from 'lucide-react';
import { useId, useState } from 'react';
import { call } from '../../api/operations';
import { keys } from '../../api/queries';
import { ROLES } from '../../api/roles';
import type { Member, Role, Workspace } from '../../api/types';
import { DeniedReason } from '../../components/Denied';
import { ConfirmDialog } from '../../components/dialog';
import { Badge, Button, ErrorAlert, Select, relativeTime, td } from '../../components/ui';
import { changeRoleReason, grantableRoles, removeReason } from './memberRules';

/** One member: role (change), joined, remove; the caller's own row says "you" (leaving is below). */
export function MemberRow({ workspace: w, member: m, self }: { workspace: Workspace; member: Member; self: boolean }) {
  const qc = useQueryClient();
  const reasonId = useId();
  const [confirm, setConfirm] = useState(false);
  const refresh = () => qc.invalidateQueries({ queryKey: keys.members(w.id) });
  const change = useMutation({
    mutationFn: (role: Role) => call('changeMemberRole', { params: { workspaceId: w.id, userId: m.userId }, body: { role } }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => call('removeMember', { params: { workspaceId: w.id, userId: m.userId } }),
    onSuccess: () => (setConfirm(false), refresh()),
  });
  const roleReason = self ? null : changeRoleReason(w.role, m);
  const rmReason = self ? null : removeReason(w.role, m);
  const grantable = grantableRoles(w.role);
  return (
    <tr data-member={m.userId}>
      <td className={`${td} font-mono text-xs`}>
        {m.userId} {self ? <Badge color="blue">you</Badge> : null}
      </td>
      <td className={td}>
        {self ? (
          <Badge>{m.role}</Badge>
        ) : (
          <div className="flex flex-col gap-1">
            <Select
              aria-label={`Role of ${m.userId}`}
              value={m.role}
              disabled={!!roleReason || change.isPending}
              aria-describedby={roleReason ? `${reasonId}-role` : undefined}
              onChange={(e) => change.mutate(e.target.value as Role)}
              className="max-w-[9rem]"
            >
              {ROLES.map((r) => (
                <option key={r} value={r} disabled={r !== m.role && !grantable.includes(r)}>
                  {r}
                </option>
              ))}
            </Select>
            <DeniedReason id={`${reasonId}-role`} reason={roleReason} />
            <ErrorAlert error={change.error} />
          </div>
        )}
      </td>
      <td className={`${td} hidden sm:table-cell`}>{relativeTime(m.joinedAt)}</td>
      <td className={td}>
        {self ? null : (
          <div className="flex flex-col items-start gap-1">
            <Button size="sm" variant="ghost" disabled={!!rmReason} onClick={() => setConfirm(true)} aria-label={`Remove ${m.userId}`} aria-describedby={rmReason ? `${reasonId}-rm` : undefined}>
              <UserMinus className="size-3.5" aria-hidden /> Remove
            </Button>
            <DeniedReason id={`${reasonId}-rm`} reason={rmReason} />
          </div>
        )}
        <ConfirmDialog
          open={confirm}
          onOpenChange={setConfirm}
          title="Remove this member?"
          description="Their next request in this workspace is refused, for sessions and API keys alike."
          confirmLabel="Remove member"
          onConfirm={() => remove.mutate()}
          loading={remove.isPending}
          error={<ErrorAlert error={remove.error} />}
        />
      </td>
    </tr>
  );
}
