import { useState } from 'react';
import { isActive } from '../../api/queries';
import type { Job, JobItem } from '../../api/types';
import { Badge, Card, ErrorAlert, Field, Select, SkeletonRows, Table, td, th } from '../../components/ui';
import { LoadMore } from '../../components/Pager';
import { useJobItems } from './useJobItems';
import { valueText } from './valueText';

/** Per-item results of an applied job, with a status filter. */
export function ItemResults({ job }: { job: Job }) {
  const [status, setStatus] = useState<JobItem['status'] | ''>('');
  const items = useJobItems(job.id, status ? { status } : {}, isActive(job));
  const all = items.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card
      title="Results per change"
      actions={
        <Field label={<span className="sr-only">Filter by status</span>} name="item-status">
          {(p) => (
            <Select {...p} value={status} onChange={(e) => setStatus(e.target.value as JobItem['status'] | '')} className="w-40">
              <option value="">All results</option>
              {(['planned', 'done', 'failed', 'skipped', 'cancelled'] satisfies JobItem['status'][]).map((s) => (
                <option key={s}>{s}</option>
              ))}
            </Select>
          )}
        </Field>
      }
    >
      {items.isPending ? (
        <SkeletonRows rows={4} label="Loading results" />
      ) : items.isError ? (
        <ErrorAlert error={items.error} />
      ) : all.length === 0 ? (
        <p className="text-sm text-slate-600">No {status || ''} items.</p>
      ) : (
        <>
          <Table label="Results per change">
            <thead>
              <tr>
                <th className={th}>#</th>
                <th className={th}>Zone</th>
                <th className={th}>Change</th>
                <th className={th}>Result</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {all.map((it) => (
                <tr key={it.seq}>
                  <td className={`${td} text-xs text-slate-500`}>{it.seq}</td>
                  <td className={`${td} text-xs`}>{it.zoneName}</td>
                  <td className={`${td} font-mono text-xs break-all`}>
                    {it.action} {valueText((it.after ?? it.before ?? {}).name ?? it.recordId ?? '')}
                  </td>
                  <td className={td}>
                    <Badge color={it.status === 'done' ? 'green' : it.status === 'failed' ? 'red' : 'gray'}>{it.status}</Badge>
                    {it.error ? <p className="mt-1 text-xs text-red-700">{it.error}</p> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
          <LoadMore query={items} />
        </>
      )}
    </Card>
  );
}
