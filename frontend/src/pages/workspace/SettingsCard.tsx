import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call } from '../../api/operations';
import { keys } from '../../api/queries';
import { deniedReason } from '../../api/roles';
import type { Workspace } from '../../api/types';
import { DeniedReason } from '../../components/Denied';
import { Card, ErrorAlert } from '../../components/ui';

/** The two-person rule (OWNER): a job is applied only after an ADMIN/OWNER other than its planner approves it. */
export function SettingsCard({ workspace: w }: { workspace: Workspace }) {
  const qc = useQueryClient();
  const reason = deniedReason(w.role, 'workspace.settings');
  const save = useMutation({
    mutationFn: (twoPersonRule: boolean) => call('updateWorkspaceSettings', { params: { workspaceId: w.id }, body: { twoPersonRule } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.workspaces }),
  });
  return (
    <Card title="Settings">
      <label className="flex items-start gap-2 text-sm">
        <input
          type="checkbox"
          className="mt-0.5"
          checked={w.twoPersonRule}
          disabled={!!reason || save.isPending}
          aria-describedby={reason ? 'settings-denied' : undefined}
          onChange={(e) => save.mutate(e.target.checked)}
        />
        <span>
          <span className="font-medium">Two-person rule</span>
          <span className="block text-slate-600">A job is applied only after an ADMIN or OWNER other than the member who planned it approves it.</span>
        </span>
      </label>
      <DeniedReason id="settings-denied" reason={reason} />
      <ErrorAlert error={save.error} className="mt-3" />
    </Card>
  );
}
