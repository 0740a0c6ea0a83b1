import { Filter, X } from 'lucide-react';
import { useEffect, useState } from 'react';
import { DNS_TYPES } from '../../api/types';
import { Button, Field, Input, Select } from '../../components/ui';
import { setQuery, useLocation } from '../../lib/router';
import { useDebounced } from '../../lib/useDebounced';

/** Name and content filters (debounced) and type and proxy selects, all kept in the URL. */
export function DnsFilters() {
  const { query } = useLocation();
  const [name, setName] = useState(query.get('name') ?? '');
  const [content, setContent] = useState(query.get('content') ?? '');
  const dn = useDebounced(name.trim());
  const dc = useDebounced(content.trim());
  useEffect(() => {
    if (dn !== (query.get('name') ?? '') || dc !== (query.get('content') ?? '')) setQuery({ name: dn, content: dc, page: undefined });
  }, [dn, dc, query]);
  const any = ['name', 'type', 'content', 'proxied'].some((k) => query.get(k));
  return (
    <div className="mb-4 grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-5" role="search" aria-label="Filter records">
      <Field label="Name" name="filter-name">
        {(p) => <Input {...p} type="search" placeholder="www.example.com" value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label="Type" name="filter-type">
        {(p) => (
          <Select {...p} value={query.get('type') ?? ''} onChange={(e) => setQuery({ type: e.target.value, page: undefined })}>
            <option value="">Any type</option>
            {DNS_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </Select>
        )}
      </Field>
      <Field label="Content" name="filter-content">
        {(p) => <Input {...p} type="search" placeholder="192.0.2.1" value={content} onChange={(e) => setContent(e.target.value)} />}
      </Field>
      <Field label="Proxy" name="filter-proxied">
        {(p) => (
          <Select {...p} value={query.get('proxied') ?? ''} onChange={(e) => setQuery({ proxied: e.target.value, page: undefined })}>
            <option value="">Any</option>
            <option value="true">Proxied</option>
            <option value="false">DNS only</option>
          </Select>
        )}
      </Field>
      <div className="flex items-end">
        {any ? (
          <Button
            variant="ghost"
            onClick={() => {
              setName('');
              setContent('');
              setQuery({ name: undefined, type: undefined, content: undefined, proxied: undefined, page: undefined });
            }}
          >
            <X className="size-4" aria-hidden /> Clear filters
          </Button>
        ) : (
          <span className="flex items-center gap-1 pb-2 text-xs text-slate-500">
            <Filter className="size-3.5" aria-hidden /> Filters apply as you type
          </span>
        )}
      </div>
    </div>
  );
}
