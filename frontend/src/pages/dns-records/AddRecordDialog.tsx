import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { call } from '../../api/operations';
import { DNS_TYPES, type DnsRecordInput } from '../../api/types';
import { Modal } from '../../components/dialog';
import { Button, ErrorAlert, Field, Input, Select } from '../../components/ui';
import { ttlLabel } from './ttl';

/** A dialog to create one record in the zone. */
export function AddRecordDialog({ open, onOpenChange, accountId, zoneId }: { open: boolean; onOpenChange: (o: boolean) => void; accountId: string; zoneId: string }) {
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
