import { useMutation, useQueryClient } from '@tanstack/react-query';
import { call } from '../../api/operations';
import { keys } from '../../api/queries';
import type { SyncOverview, SyncTypeName } from '../../api/types';

/**
 * Turns one sync type on or off (PUT /sync/settings), optimistically: the overview shows the new
 * state at once and goes back to the stored one if the server refuses; then it is read again
 * (another device may have changed a toggle meanwhile).
 */
export function useSyncToggle() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ type, enabled }: { type: SyncTypeName; enabled: boolean }) => call('putSyncSettings', { body: { types: { [type]: enabled } } }),
    onMutate: async ({ type, enabled }) => {
      await qc.cancelQueries({ queryKey: keys.syncOverview });
      const before = qc.getQueryData<SyncOverview>(keys.syncOverview);
      if (before) qc.setQueryData<SyncOverview>(keys.syncOverview, { ...before, types: before.types.map((t) => (t.type === type ? { ...t, enabled } : t)) });
      return { before };
    },
    onError: (_err, _vars, ctx) => {
      if (ctx?.before) qc.setQueryData(keys.syncOverview, ctx.before);
    },
    onSettled: () => qc.invalidateQueries({ queryKey: keys.syncOverview }),
  });
}
