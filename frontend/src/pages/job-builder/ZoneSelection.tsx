import type { CloudflareAccount } from '../../api/types';
import { Field, Input, Select } from '../../components/ui';
import type { ZoneSelectionForm } from './jobBody';
import { ZonePicker } from './ZonePicker';

/** The account, then its zones: picked, or every zone whose name contains a text. Changing the account clears the pick. */
export function ZoneSelection({
  accounts,
  form,
  onChange,
  error,
}: {
  accounts: readonly CloudflareAccount[];
  form: ZoneSelectionForm;
  onChange: (patch: Partial<ZoneSelectionForm>) => void;
  error: unknown;
}) {
  return (
    <div className="space-y-4">
      <Field label="Cloudflare account" name="accountId" error={error} className="max-w-sm">
        {(p) => (
          <Select {...p} value={form.accountId} onChange={(e) => onChange({ accountId: e.target.value, zones: new Set() })}>
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
                {a.sandbox ? ' (sandbox)' : ''}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <div className="flex flex-wrap gap-4 text-sm" role="radiogroup" aria-label="Zone selection">
        <label className="flex items-center gap-2">
          <input type="radio" name="zoneMode" checked={form.zoneMode === 'pick'} onChange={() => onChange({ zoneMode: 'pick' })} /> Pick zones
        </label>
        <label className="flex items-center gap-2">
          <input type="radio" name="zoneMode" checked={form.zoneMode === 'filter'} onChange={() => onChange({ zoneMode: 'filter' })} /> Every zone whose name contains…
        </label>
      </div>
      {form.zoneMode === 'pick' ? (
        form.accountId ? <ZonePicker accountId={form.accountId} selected={form.zones} onChange={(zones) => onChange({ zones })} error={error} /> : null
      ) : (
        <Field label="Zone name contains" name="zoneFilter" error={error} className="max-w-sm">
          {(p) => <Input {...p} value={form.nameContains} onChange={(e) => onChange({ nameContains: e.target.value })} placeholder="example" />}
        </Field>
      )}
    </div>
  );
}
