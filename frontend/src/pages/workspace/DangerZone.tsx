import { useMutation } from '@tanstack/react-query';
import { LogOut, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { call } from '../../api/operations';
import { deniedReason } from '../../api/roles';
import type { Workspace } from '../../api/types';
import { DeniedReason } from '../../components/Denied';
import { ConfirmDialog } from '../../components/dialog';
import { Button, Card, ErrorAlert } from '../../components/ui';
import { useAuth } from '../../lib/auth';
import { useBackToPersonal } from './useWorkspaceChange';

const PERSONAL = 'Your personal workspace cannot be deleted or left';

/** Leave (any member; the last OWNER is refused by the server) and delete (OWNER, not the personal workspace), each confirmed. */
export function DangerZone({ workspace: w }: { workspace: Workspace }) {
  const { user } = useAuth();
  const back = useBackToPersonal();
  const [confirm, setConfirm] = useState<'leave' | 'delete' | null>(null);
  const leave = useMutation({
    mutationFn: () => call('removeMember', { params: { workspaceId: w.id, userId: user!.id } }),
    onSuccess: back,
  });
  const remove = useMutation({
    mutationFn: () => call('deleteWorkspace', { params: { workspaceId: w.id } }),
    onSuccess: back,
  });
  const leaveReason = w.personal ? PERSONAL : null;
  const deleteReason = w.personal ? PERSONAL : deniedReason(w.role, 'workspace.delete');
  const active = confirm === 'leave' ? leave : remove;
  return (
    <Card title="Leave or delete">
      <div className="flex flex-wrap items-start gap-6">
        <div className="flex flex-col items-start gap-1">
          <Button variant="secondary" disabled={!!leaveReason} onClick={() => setConfirm('leave')} aria-describedby={leaveReason ? 'leave-denied' : undefined}>
            <LogOut className="size-4" aria-hidden /> Leave workspace
          </Button>
          <DeniedReason id="leave-denied" reason={leaveReason} />
        </div>
        <div className="flex flex-col items-start gap-1">
          <Button variant="danger" disabled={!!deleteReason} onClick={() => setConfirm('delete')} aria-describedby={deleteReason ? 'delete-denied' : undefined}>
            <Trash2 className="size-4" aria-hidden /> Delete workspace
          </Button>
          <DeniedReason id="delete-denied" reason={deleteReason} />
        </div>
      </div>
      <ConfirmDialog
        open={confirm !== null}
        onOpenChange={(o) => setConfirm(o ? confirm : null)}
        title={confirm === 'leave' ? `Leave ${w.name}?` : `Delete ${w.name}?`}
        description={
          confirm === 'leave'
            ? 'You lose access to its Cloudflare accounts and jobs until someone adds you again.'
            : 'Its encryption key is destroyed: its Cloudflare tokens, jobs and logs become unreadable. This cannot be undone. Running jobs must finish first.'
        }
        confirmLabel={confirm === 'leave' ? 'Leave workspace' : 'Delete workspace'}
        onConfirm={() => active.mutate()}
        loading={active.isPending}
        error={<ErrorAlert error={active.error} />}
      />
    </Card>
  );
}
