import type { JobItem } from '../../api/types';
import { Badge, Button, ErrorAlert, SkeletonRows } from '../../components/ui';
import { useJobItems } from './useJobItems';
import { valueText } from './valueText';

/** The planned changes of one zone, as diff lines. */
export function ZoneDiff({ jobId, zoneId, live }: { jobId: string; zoneId: string; live: boolean }) {
  const items = useJobItems(jobId, { zoneId }, live);
  if (items.isPending) return <SkeletonRows rows={2} label="Loading the diff" />;
  if (items.isError) return <ErrorAlert error={items.error} />;
  const all = items.data.pages.flatMap((p) => p.items);
  if (!all.length) return <p className="text-sm text-slate-600">No changes in this zone.</p>;
  return (
    <div>
      <ul className="space-y-1 font-mono text-xs" aria-label="Diff">
        {all.map((it) => (
          <DiffLine key={it.seq} item={it} />
        ))}
      </ul>
      {items.hasNextPage ? (
        <Button size="sm" variant="ghost" className="mt-2" onClick={() => items.fetchNextPage()} loading={items.isFetchingNextPage}>
          Show more
        </Button>
      ) : null}
    </div>
  );
}

function DiffLine({ item }: { item: JobItem }) {
  const b = item.before ?? {};
  const a = item.after ?? {};
  const label = String(a.type ?? b.type ?? '') + ' ' + String(a.name ?? b.name ?? item.recordId ?? '');
  const changed = Object.keys({ ...b, ...a }).filter((k) => !['id', 'name', 'type'].includes(k) && valueText(b[k]) !== valueText(a[k]));
  const color = item.action === 'create' ? 'text-emerald-800' : item.action === 'delete' ? 'text-red-800' : 'text-slate-800';
  return (
    <li className={`rounded bg-white px-2 py-1 ring-1 ring-slate-200 ${color}`} data-diff-action={item.action}>
      <span className="mr-2 font-semibold">{item.action === 'create' ? '+' : item.action === 'delete' ? '−' : '~'}</span>
      <span className="break-all">{label.trim()}</span>
      {item.status !== 'planned' ? (
        <span className="ml-2">
          <Badge color={item.status === 'done' ? 'green' : item.status === 'failed' ? 'red' : 'gray'}>{item.status}</Badge>
        </span>
      ) : null}
      {item.action === 'update' || item.action === 'setting' ? (
        <span className="block pl-5">
          {changed.map((k) => (
            <span key={k} className="block break-all">
              {k}: <del className="text-red-700">{valueText(b[k])}</del> → <ins className="text-emerald-700 no-underline">{valueText(a[k])}</ins>
            </span>
          ))}
        </span>
      ) : item.action === 'create' ? (
        <span className="block pl-5 break-all">{valueText(a.content ?? '')}</span>
      ) : item.action === 'delete' ? (
        <span className="block pl-5 break-all">{valueText(b.content ?? '')}</span>
      ) : null}
      {item.error ? <span className="block pl-5 text-red-700">{item.error}</span> : null}
    </li>
  );
}
