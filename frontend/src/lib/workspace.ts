/**
 * The active workspace and the caller's role in it, read from the workspace
 * list (`active: true`): neither /me nor the session status names it. Cloudflare
 * and job routes act on this workspace.
 */
import { type Query, type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import { call } from '../api/operations';
import { keys, useWorkspaces } from '../api/queries';
import { deniedReason, type UiAction } from '../api/roles';
import type { Workspace } from '../api/types';
import { navigate, useLocation } from './router';

export function useActiveWorkspace(): { workspace: Workspace | undefined; isPending: boolean } {
  const list = useWorkspaces();
  return { workspace: list.data?.workspaces.find((w) => w.active), isPending: list.isPending };
}

/** `{ allowed, reason }` for an action in the active workspace; allowed while the role is still loading (the server decides anyway). */
export function useCan(action: UiAction): { allowed: boolean; reason: string | null } {
  const { workspace } = useActiveWorkspace();
  const reason = deniedReason(workspace?.role, action);
  return { allowed: reason === null, reason };
}

/** Pages that show one resource of a workspace; after a switch they go to their list. */
const RESOURCE_PAGES: Array<[RegExp, string]> = [
  [/^\/accounts\/.+/, '/accounts'],
  [/^\/jobs\/(?!new$).+/, '/jobs'],
  [/^\/workspace\/applications\/.+/, '/workspace/applications'],
];

const workspaceBound = (q: Query) => q.queryKey[0] !== 'me' && q.queryKey[0] !== 'workspaces';

/**
 * After the active workspace changed: every workspace-bound query starts over (skeletons, not the
 * old workspace's data), then the pages refetch what they still show. Reset first and let React
 * render, refetch after: `resetQueries` refetches at once every query still observed — e.g. the
 * Overview's zone counts of the old workspace's accounts, which then answer 404.
 */
async function startOver(qc: QueryClient): Promise<void> {
  await qc.cancelQueries({ predicate: workspaceBound });
  for (const q of qc.getQueryCache().findAll({ predicate: workspaceBound })) q.reset();
  await new Promise((r) => setTimeout(r, 0));
  await qc.refetchQueries({ predicate: workspaceBound, type: 'active' });
  await qc.invalidateQueries({ queryKey: keys.workspaces });
}

/** Switch: activate, then refetch every query so each page shows the new workspace. */
export function useSwitchWorkspace() {
  const qc = useQueryClient();
  const { path } = useLocation();
  return useMutation({
    mutationFn: (workspaceId: string) => call('activateWorkspace', { params: { workspaceId } }),
    onSuccess: async ({ workspace }) => {
      const list = RESOURCE_PAGES.find(([re]) => re.test(path));
      if (list) navigate(list[1]);
      qc.setQueryData<{ workspaces: Workspace[] }>(keys.workspaces, (old) =>
        old ? { workspaces: old.workspaces.map((w) => ({ ...w, active: w.id === workspace.id })) } : old,
      );
      await startOver(qc);
    },
  });
}

export function useCreateWorkspace() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => call('createWorkspace', { body: { name } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.workspaces }),
  });
}

let returning: Promise<void> | undefined;

/**
 * The session's active workspace is gone (the caller was removed from it, or
 * it was deleted): every workspace-bound call answers `workspace-not-found`.
 * Act in the personal workspace again, once, and start every page over.
 */
export function returnToPersonalWorkspace(qc: QueryClient): Promise<void> {
  returning ??= (async () => {
    const { workspaces } = await qc.fetchQuery({ queryKey: keys.workspaces, queryFn: () => call('listWorkspaces') });
    const personal = workspaces.find((w) => w.personal);
    if (!personal) return;
    await call('activateWorkspace', { params: { workspaceId: personal.id } });
    await startOver(qc);
  })()
    .catch(() => undefined) // the page keeps showing the problem; the switcher still works
    // At most once per 10 s: a workspace that keeps answering not-found must not loop.
    .finally(() => setTimeout(() => (returning = undefined), 10_000));
  return returning;
}
