/** After leaving or deleting a workspace: go back to the personal one and start every query over. */
import { useQueryClient } from '@tanstack/react-query';
import { call } from '../../api/operations';
import { keys } from '../../api/queries';
import type { Workspace } from '../../api/types';
import { navigate } from '../../lib/router';

export function useBackToPersonal(): () => Promise<void> {
  const qc = useQueryClient();
  return async () => {
    const list = await call('listWorkspaces');
    const personal = list.workspaces.find((w: Workspace) => w.personal);
    // Always activate it: the list may already mark it active while the session still names the workspace just left.
    if (personal) await call('activateWorkspace', { params: { workspaceId: personal.id } });
    navigate('/');
    await qc.resetQueries({ predicate: (q) => q.queryKey[0] !== 'me' && q.queryKey[0] !== 'workspaces' });
    await qc.invalidateQueries({ queryKey: keys.workspaces });
  };
}
