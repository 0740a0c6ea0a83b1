import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ChevronLeft, Download, Filter, Pencil, Plus, Trash2, X } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { errorMessage } from '../api/client';
import { call, sendOperation } from '../api/operations';
import { useDnsRecords } from '../api/queries';
import { DNS_TYPES, type DnsRecord, type DnsRecordInput } from '../api/types';
import { ConfirmDialog, Modal } from '../components/dialog';
import { Pager } from '../components/Pager';
import { Badge, Button, Card, EmptyState, ErrorAlert, Field, Input, PageHeader, Select, SkeletonRows, Table, td, th } from '../components/ui';
import { Link, setQuery, useLocation, type Params } from '../lib/router';
import { useDebounced } from '../lib/useDebounced';

const TTL_AUTO = 1;
const ttlLabel = (ttl: number) => (ttl === TTL_AUTO ? 'Auto' : `${ttl}s`);

export default function DnsRecords({ params }: { params: Params }) {
  const accountId = params.id!;
  const zoneId = params.zoneId!;
  const { query } = useLocation();
  const zoneName = query.get('zone') ?? zoneId;
  const page = Math.max(1, Number(query.get('page')) || 1);
  const filters = {
    name: query.get('name') || undefined,
    type: query.get('type') || undefined,
    content: query.get('content') || undefined,
    proxied: query.get('proxied') || undefined,
  };
  const records = useDnsRecords(accountId, zoneId, { ...filters, page, perPage: 50 });
  const [adding, setAdding] = useState(false);
  const download = useMutation({
    mutationFn: async () => {
      const res = await sendOperation('exportZoneBind', { params: { id: accountId, zoneId } });
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `${zoneName}.zone`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
  });

  return (
    <>
      <PageHeader
        title={zoneName}
        description={
          <Link to={`/accounts/${accountId}/zones`} className="inline-flex items-center gap-1 text-orange-700 underline">
            <ChevronLeft className="size-3.5" aria-hidden /> Zones
          </Link>
        }
        actions={
          <>
            <Button onClick={() => setAdding(true)}>
              <Plus className="size-4" aria-hidden /> Add record
            </Button>
            <Button variant="secondary" onClick={() => download.mutate()} loading={download.isPending}>
              <Download className="size-4" aria-hidden /> Export BIND
            </Button>
          </>
        }
      />
      <ErrorAlert error={download.error} className="mb-4" />
      <AddRecordDialog open={adding} onOpenChange={setAdding} accountId={accountId} zoneId={zoneId} />
      <Card>
        <Filters />
        {records.isPending ? (
          <SkeletonRows rows={8} label="Loading DNS records" />
        ) : records.isError ? (
          <ErrorAlert error={records.error} />
        ) : records.data.records.length === 0 ? (
          <EmptyState title={Object.values(filters).some(Boolean) ? 'No record matches these filters' : 'No DNS records yet'}>
            {Object.values(filters).some(Boolean) ? 'Clear a filter to see more.' : 'Add a record, or import a BIND file with a bulk job.'}
          </EmptyState>
        ) : (
          <>
            <p className="mb-2 text-sm text-slate-500">{records.data.totalCount} records</p>
            <Table label="DNS records">
              <thead>
                <tr>
                  <th className={th}>Type</th>
                  <th className={th}>Name</th>
                  <th className={th}>Content</th>
                  <th className={`${th} hidden sm:table-cell`}>TTL</th>
                  <th className={`${th} hidden sm:table-cell`}>Proxy</th>
                  <th className={th}>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {records.data.records.map((r) => (
                  <RecordRow key={r.id} record={r} accountId={accountId} zoneId={zoneId} />
                ))}
              </tbody>
            </Table>
            <Pager page={page} totalPages={records.data.totalPages} onPage={(p) => setQuery({ page: p > 1 ? String(p) : undefined })} />
          </>
        )}
      </Card>
    </>
  );
}

function Filters() {
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

function RecordRow({ record: r, accountId, zoneId }: { record: DnsRecord; accountId: string; zoneId: string }) {
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [content, setContent] = useState(r.content);
  const [ttl, setTtl] = useState(String(r.ttl));
  const [proxied, setProxied] = useState(r.proxied);
  const [confirm, setConfirm] = useState(false);
  const params = { id: accountId, zoneId, recordId: r.id };

  const save = useMutation({
    mutationFn: () => {
      const patch: Partial<DnsRecordInput> = {};
      if (content !== r.content) patch.content = content;
      if (Number(ttl) !== r.ttl) patch.ttl = Number(ttl);
      if (proxied !== r.proxied) patch.proxied = proxied;
      if (Object.keys(patch).length === 0) return Promise.resolve(null);
      return call('updateDnsRecord', { params, body: patch });
    },
    onSuccess: () => {
      setEditing(false);
      return qc.invalidateQueries({ queryKey: ['dns', accountId, zoneId] });
    },
  });
  const remove = useMutation({
    mutationFn: () => call('deleteDnsRecord', { params }),
    onSuccess: () => {
      setConfirm(false);
      return qc.invalidateQueries({ queryKey: ['dns', accountId, zoneId] });
    },
  });

  const startEdit = () => {
    setContent(r.content);
    setTtl(String(r.ttl));
    setProxied(r.proxied);
    save.reset();
    setEditing(true);
  };

  if (editing) {
    const err = save.error;
    return (
      <tr className="bg-orange-50/50" data-record-id={r.id}>
        <td className={td}>
          <Badge>{r.type}</Badge>
        </td>
        <td className={`${td} font-mono text-xs break-all`}>{r.name}</td>
        <td className={td} colSpan={3}>
          <form
            className="grid grid-cols-1 gap-2 sm:grid-cols-[1fr_7rem_auto]"
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate();
            }}
          >
            <Field label="Content" name="content" error={err}>
              {(p) => <Input {...p} className="font-mono" value={content} onChange={(e) => setContent(e.target.value)} autoFocus />}
            </Field>
            <Field label="TTL" name="ttl" error={err}>
              {(p) => (
                <Select {...p} value={ttl} onChange={(e) => setTtl(e.target.value)}>
                  {[1, 60, 120, 300, 600, 1800, 3600, 7200, 18000, 43200, 86400].concat([r.ttl]).filter((v, i, a) => a.indexOf(v) === i).sort((a, b) => a - b).map((v) => (
                    <option key={v} value={v}>
                      {ttlLabel(v)}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
            <label className="flex items-center gap-2 self-end pb-2 text-sm">
              <input type="checkbox" name="proxied" checked={proxied} disabled={!r.proxiable} onChange={(e) => setProxied(e.target.checked)} /> Proxied
            </label>
            <div className="flex flex-wrap gap-2 sm:col-span-3">
              <Button type="submit" size="sm" loading={save.isPending}>
                Save
              </Button>
              <Button size="sm" variant="secondary" onClick={() => setEditing(false)}>
                Cancel
              </Button>
            </div>
            <ErrorAlert error={err} fields={['content', 'ttl', 'proxied']} className="sm:col-span-3" />
          </form>
        </td>
        <td className={td} />
      </tr>
    );
  }

  return (
    <tr data-record-id={r.id}>
      <td className={td}>
        <Badge>{r.type}</Badge>
      </td>
      <td className={`${td} min-w-[9rem] font-mono text-xs break-all`}>{r.name}</td>
      <td className={`${td} max-w-xs min-w-[7rem] font-mono text-xs break-all`} data-col="content">
        {r.priority !== undefined ? <span className="mr-1 text-slate-500">{r.priority}</span> : null}
        {r.content}
      </td>
      <td className={`${td} hidden text-xs sm:table-cell`}>{ttlLabel(r.ttl)}</td>
      <td className={`${td} hidden sm:table-cell`}>{r.proxied ? <Badge color="amber">proxied</Badge> : <span className="text-xs text-slate-500">DNS only</span>}</td>
      <td className={`${td} whitespace-nowrap text-right`}>
        <button type="button" onClick={startEdit} className="rounded p-1.5 text-slate-600 hover:bg-slate-100" aria-label={`Edit ${r.type} ${r.name}`}>
          <Pencil className="size-4" aria-hidden />
        </button>
        <button type="button" onClick={() => setConfirm(true)} className="rounded p-1.5 text-slate-600 hover:bg-slate-100" aria-label={`Delete ${r.type} ${r.name}`}>
          <Trash2 className="size-4" aria-hidden />
        </button>
        <ConfirmDialog
          open={confirm}
          onOpenChange={setConfirm}
          title="Delete this record?"
          description={`${r.type} ${r.name} → ${r.content}. This changes Cloudflare right away.`}
          confirmLabel="Delete record"
          onConfirm={() => remove.mutate()}
          loading={remove.isPending}
          error={remove.error ? <p className="text-sm text-red-700">{errorMessage(remove.error)}</p> : null}
        />
      </td>
    </tr>
  );
}

function AddRecordDialog({ open, onOpenChange, accountId, zoneId }: { open: boolean; onOpenChange: (o: boolean) => void; accountId: string; zoneId: string }) {
  const qc = useQueryClient();
  const [form, setForm] = useState({ type: 'A', name: '', content: '', ttl: '1', proxied: false, priority: '' });
  const create = useMutation({
    mutationFn: () => {
      const body: DnsRecordInput = {
        type: form.type as DnsRecordInput['type'],
        name: form.name,
        content: form.content,
        ttl: Number(form.ttl),
        proxied: form.proxied,
        ...(form.priority ? { priority: Number(form.priority) } : {}),
      };
      return call('createDnsRecord', { params: { id: accountId, zoneId }, body });
    },
    onSuccess: () => {
      onOpenChange(false);
      setForm((f) => ({ ...f, name: '', content: '' }));
      return qc.invalidateQueries({ queryKey: ['dns', accountId, zoneId] });
    },
  });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Modal open={open} onOpenChange={onOpenChange} title="Add a DNS record">
      <form onSubmit={onSubmit} className="grid grid-cols-2 gap-3" noValidate>
        <Field label="Type" name="type" error={create.error}>
          {(p) => (
            <Select {...p} value={form.type} onChange={set('type')}>
              {DNS_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="TTL" name="ttl" error={create.error}>
          {(p) => (
            <Select {...p} value={form.ttl} onChange={set('ttl')}>
              {[1, 60, 300, 3600, 86400].map((v) => (
                <option key={v} value={v}>
                  {ttlLabel(v)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Name" name="name" error={create.error} className="col-span-2" hint="Relative (www) or full name; @ for the apex.">
          {(p) => <Input {...p} value={form.name} onChange={set('name')} />}
        </Field>
        <Field label="Content" name="content" error={create.error} className="col-span-2">
          {(p) => <Input {...p} className="font-mono" value={form.content} onChange={set('content')} />}
        </Field>
        {form.type === 'MX' || form.type === 'SRV' ? (
          <Field label="Priority" name="priority" error={create.error}>
            {(p) => <Input {...p} inputMode="numeric" value={form.priority} onChange={set('priority')} />}
          </Field>
        ) : null}
        <label className="col-span-2 flex items-center gap-2 text-sm">
          <input type="checkbox" checked={form.proxied} onChange={(e) => setForm((f) => ({ ...f, proxied: e.target.checked }))} /> Proxied through Cloudflare
        </label>
        <ErrorAlert error={create.error} fields={['type', 'name', 'content', 'ttl', 'priority', 'proxied']} className="col-span-2" />
        <div className="col-span-2 flex justify-end gap-2">
          <Button variant="secondary" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Add record
          </Button>
        </div>
      </form>
    </Modal>
  );
}
