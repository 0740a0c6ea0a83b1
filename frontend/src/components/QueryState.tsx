import type { ReactNode } from 'react';
import { ErrorAlert, SkeletonRows } from './ui';

/** The part of a query result a list panel reads (a plain or an infinite query fits). */
interface ListQuery<T> {
  isError: boolean;
  error: unknown;
  data: T | undefined;
}

/**
 * A list panel's states, in one order everywhere: an error shows the alert (even over stale data),
 * no data yet shows skeleton rows, an empty list shows `empty`, else `children` renders the data.
 */
export function QueryState<T>({
  query,
  loading,
  rows,
  isEmpty,
  empty,
  children,
}: {
  query: ListQuery<T>;
  /** Accessible name of the skeleton ("Loading …"). */
  loading: string;
  rows?: number;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isError) return <ErrorAlert error={query.error} />;
  if (query.data === undefined) return <SkeletonRows rows={rows} label={loading} />;
  if (isEmpty?.(query.data)) return <>{empty}</>;
  return <>{children(query.data)}</>;
}
