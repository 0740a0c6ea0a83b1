import { Check, Search } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useZones } from '../../api/queries';
import { FieldGroupError } from '../../components/FieldGroupError';
import { Pager } from '../../components/Pager';
import { Button, ErrorAlert, Input, SkeletonRows, cx } from '../../components/ui';
import { useDebounced } from '../../lib/useDebounced';

/** Searchable, paged zone checkboxes; the selection survives search and paging. */
export function ZonePicker({ accountId, selected, onChange, error }: { accountId: string; selected: Set<string>; onChange: (s: Set<string>) => void; error: unknown }) {
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const debounced = useDebounced(search.trim());
  useEffect(() => setPage(1), [debounced]);
  const zones = useZones(accountId, { search: debounced || undefined, page, perPage: 20 });
  const rows = zones.data?.zones ?? [];
  const toggle = (id: string) => {
    const n = new Set(selected);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    onChange(n);
  };
  const allOnPage = rows.length > 0 && rows.every((z) => selected.has(z.id));
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <div className="relative w-full sm:max-w-xs">
          <Search className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-slate-400" aria-hidden />
          <label htmlFor="zp-search" className="sr-only">
            Search zones
          </label>
          <Input id="zp-search" type="search" className="pl-8" placeholder="Search zones" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <Button
          size="sm"
          variant="secondary"
          disabled={!rows.length}
          onClick={() => {
            const n = new Set(selected);
            for (const z of rows) {
              if (allOnPage) n.delete(z.id);
              else n.add(z.id);
            }
            onChange(n);
          }}
        >
          {allOnPage ? 'Clear this page' : 'Select this page'}
        </Button>
        <span className="text-sm text-slate-600" aria-live="polite">
          {selected.size} selected
        </span>
      </div>
      {zones.isPending ? (
        <SkeletonRows rows={4} label="Loading zones" />
      ) : zones.isError ? (
        <ErrorAlert error={zones.error} />
      ) : rows.length === 0 ? (
        <p className="text-sm text-slate-600">No zones{debounced ? ' match that search' : ''}.</p>
      ) : (
        <ul className="grid grid-cols-1 gap-2 sm:grid-cols-2 lg:grid-cols-3" aria-label="Zones">
          {rows.map((z) => (
            <li key={z.id}>
              <label className={cx('flex items-center gap-2 rounded-md px-3 py-2 text-sm ring-1', selected.has(z.id) ? 'bg-orange-50 ring-orange-300' : 'ring-slate-200')}>
                <input type="checkbox" name="zones" value={z.id} checked={selected.has(z.id)} onChange={() => toggle(z.id)} />
                <span className="truncate">{z.name}</span>
                {selected.has(z.id) ? <Check className="ml-auto size-4 text-orange-600" aria-hidden /> : null}
              </label>
            </li>
          ))}
        </ul>
      )}
      {zones.data ? <Pager page={page} totalPages={zones.data.totalPages} onPage={setPage} /> : null}
      <FieldGroupError error={error} name="zones" />
    </div>
  );
}
