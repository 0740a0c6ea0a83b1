import { ChevronLeft, Globe, Search, Wand2 } from 'lucide-react';
import { Pager } from '../components/Pager';
import { useEffect, useState } from 'react';
import { useAccounts, useZones } from '../api/queries';
import { Badge, Button, Card, EmptyState, ErrorAlert, Input, PageHeader, SkeletonRows, Table, td, th } from '../components/ui';
import { Link, setQuery, useLocation, type Params } from '../lib/router';
import { useDebounced } from '../lib/useDebounced';

export default function Zones({ params }: { params: Params }) {
  const accountId = params.id!;
  const { query } = useLocation();
  const page = Math.max(1, Number(query.get('page')) || 1);
  const [search, setSearch] = useState(query.get('search') ?? '');
  const debounced = useDebounced(search.trim());
  useEffect(() => {
    if (debounced !== (query.get('search') ?? '')) setQuery({ search: debounced, page: undefined });
  }, [debounced, query]);

  const accounts = useAccounts();
  const account = accounts.data?.accounts.find((a) => a.id === accountId);
  const zones = useZones(accountId, { search: query.get('search') || undefined, page, perPage: 20 });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const rows = zones.data?.zones ?? [];
  const allOnPage = rows.length > 0 && rows.every((z) => selected.has(z.id));

  return (
    <>
      <PageHeader
        title={account ? `Zones · ${account.name}` : 'Zones'}
        description={
          <Link to="/accounts" className="inline-flex items-center gap-1 text-orange-700 underline">
            <ChevronLeft className="size-3.5" aria-hidden /> Cloudflare accounts
          </Link>
        }
        actions={
          <Button asChild variant={selected.size ? 'primary' : 'secondary'}>
            <Link to={`/jobs/new?account=${encodeURIComponent(accountId)}${selected.size ? `&zones=${[...selected].join(',')}` : ''}`}>
              <Wand2 className="size-4" aria-hidden /> {selected.size ? `Plan a job for ${selected.size} zone${selected.size === 1 ? '' : 's'}` : 'New bulk job'}
            </Link>
          </Button>
        }
      />
      <Card>
        <div className="mb-4 flex flex-wrap items-center gap-3">
          <label htmlFor="zone-search" className="sr-only">
            Search zones
          </label>
          <div className="relative w-full sm:max-w-xs">
            <Search className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-slate-400" aria-hidden />
            <Input id="zone-search" name="search" type="search" className="pl-8" placeholder="Search zones by name" value={search} onChange={(e) => setSearch(e.target.value)} />
          </div>
          {zones.data ? <p className="text-sm text-slate-500">{zones.data.totalCount} zones</p> : null}
        </div>
        {zones.isPending ? (
          <SkeletonRows rows={6} label="Loading zones" />
        ) : zones.isError ? (
          <ErrorAlert error={zones.error} />
        ) : rows.length === 0 ? (
          <EmptyState icon={<Globe className="size-10" />} title={query.get('search') ? 'No zone matches that search' : 'This token sees no zones'}>
            {query.get('search') ? 'Try a shorter part of the name.' : 'Give the token access to zones in Cloudflare, then re-verify the account.'}
          </EmptyState>
        ) : (
          <>
            <Table label="Zones">
              <thead>
                <tr>
                  <th className={th}>
                    <input
                      type="checkbox"
                      aria-label="Select all zones on this page"
                      checked={allOnPage}
                      onChange={() =>
                        setSelected((s) => {
                          const n = new Set(s);
                          for (const z of rows) {
                            if (allOnPage) n.delete(z.id);
                            else n.add(z.id);
                          }
                          return n;
                        })
                      }
                    />
                  </th>
                  <th className={th}>Zone</th>
                  <th className={th}>Status</th>
                  <th className={`${th} hidden sm:table-cell`}>Plan</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {rows.map((z) => (
                  <tr key={z.id}>
                    <td className={td}>
                      <input type="checkbox" aria-label={`Select ${z.name}`} checked={selected.has(z.id)} onChange={() => toggle(z.id)} />
                    </td>
                    <td className={td}>
                      <Link to={`/accounts/${accountId}/zones/${z.id}?zone=${encodeURIComponent(z.name)}`} className="font-medium text-orange-700 underline">
                        {z.name}
                      </Link>
                    </td>
                    <td className={td}>
                      <Badge color={z.status === 'active' && !z.paused ? 'green' : 'amber'}>{z.paused ? 'paused' : z.status}</Badge>
                    </td>
                    <td className={`${td} hidden sm:table-cell`}>{z.plan}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
            <Pager page={page} totalPages={zones.data.totalPages} onPage={(p) => setQuery({ page: p > 1 ? String(p) : undefined })} />
          </>
        )}
      </Card>
    </>
  );
}
