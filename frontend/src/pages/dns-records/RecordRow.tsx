import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Pencil, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { call } from '../../api/operations';
import type { DnsRecord, DnsRecordInput } from '../../api/types';
import { RowAction } from '../../components/ActionTable';
import { ConfirmDialog } from '../../components/dialog';
import { Badge, Button, ErrorAlert, Field, Input, Select, td } from '../../components/ui';
import { useCan } from '../../lib/workspace';
import { ttlLabel } from './ttl';

/** One record: inline edit of content, TTL and proxy status (field errors on the row), and delete. */
export function RecordRow({ record: r, accountId, zoneId }: { record: DnsRecord; accountId: string; zoneId: string }) {
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [content, setContent] = useState(r.content);
  const [ttl, setTtl] = useState(String(r.ttl));
  const [proxied, setProxied] = useState(r.proxied);
  const [confirm, setConfirm] = useState(false);
  const gate = useCan('dns.write');
  const denied = gate.reason ? `${gate.reason} to edit DNS` : undefined;
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
        <RowAction label={`Edit ${r.type} ${r.name}`} icon={Pencil} onClick={startEdit} disabled={!gate.allowed} title={denied} />
        <RowAction label={`Delete ${r.type} ${r.name}`} icon={Trash2} onClick={() => setConfirm(true)} disabled={!gate.allowed} title={denied} />
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
