import { useState, type FormEvent } from 'react';
import { Button, Field, Input } from '../../components/ui';
import { setQuery } from '../../lib/router';

export const FILTERS = ['credentialId', 'operationId', 'status', 'from', 'to'] as const;
export type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** `datetime-local` (the browser's time zone) ⇄ the ISO UTC instant the route takes. */
const toIso = (local: string) => (local ? new Date(local).toISOString().replace(/\.\d{3}Z$/, 'Z') : '');
const toLocal = (iso: string | undefined) => {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/** The filters live in the address bar; the server validates them (a bad one comes back as a field error). */
export function AccessFilters({ value, error }: { value: Filters; error: unknown }) {
  const [f, setF] = useState<Filters>({ ...value, from: toLocal(value.from), to: toLocal(value.to) });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ ...f, from: toIso(f.from ?? ''), to: toIso(f.to ?? '') });
  };
  const text = (name: 'credentialId' | 'operationId' | 'status', label: string, placeholder: string) => (
    <Field label={label} name={`query.${name}`} error={error}>
      {(p) => <Input {...p} value={f[name] ?? ''} placeholder={placeholder} onChange={(e) => setF({ ...f, [name]: e.target.value })} />}
    </Field>
  );
  return (
    <form onSubmit={onSubmit} className="grid grid-cols-1 items-end gap-3 sm:grid-cols-3 lg:grid-cols-6" aria-label="Filters">
      {text('credentialId', 'Credential id', 'session or key id')}
      {text('operationId', 'Operation', 'listZones')}
      {text('status', 'Status', '403')}
      <Field label="From" name="query.from" error={error}>
        {(p) => <Input {...p} type="datetime-local" value={f.from ?? ''} onChange={(e) => setF({ ...f, from: e.target.value })} />}
      </Field>
      <Field label="To" name="query.to" error={error}>
        {(p) => <Input {...p} type="datetime-local" value={f.to ?? ''} onChange={(e) => setF({ ...f, to: e.target.value })} />}
      </Field>
      <div className="flex gap-2">
        <Button type="submit">Filter</Button>
        <Button variant="secondary" onClick={() => (setF({}), setQuery(Object.fromEntries(FILTERS.map((k) => [k, undefined]))))}>
          Clear
        </Button>
      </div>
    </form>
  );
}
