import { useInfiniteQuery } from '@tanstack/react-query';
import { call } from '../../api/operations';
import { LIVE_MS, keys } from '../../api/queries';
import type { JobItem } from '../../api/types';

/** A job's items, paged by cursor, filtered by zone or status; polled while the job runs. */
export function useJobItems(jobId: string, q: { zoneId?: string; status?: JobItem['status'] }, live: boolean) {
  return useInfiniteQuery({
    queryKey: keys.jobItems(jobId, q),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => call('listJobItems', { params: { id: jobId }, query: { limit: 100, cursor: pageParam, ...q }, signal }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: live ? LIVE_MS * 2 : false,
  });
}
