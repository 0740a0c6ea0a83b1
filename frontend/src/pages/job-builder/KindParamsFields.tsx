import type { CreatableKind } from '../../api/types';
import { FieldGroupError } from '../../components/FieldGroupError';
import { Field, Input, Select, Textarea } from '../../components/ui';
import type { JobParamsForm } from './jobBody';
import { MatchFields } from './MatchFields';

type Props = { form: JobParamsForm; onChange: (patch: Partial<JobParamsForm>) => void; error: unknown };

/** Zone settings the builder offers, each with the values Cloudflare accepts. */
const ZONE_SETTINGS = [
  ['ssl', ['off', 'flexible', 'full', 'strict']],
  ['min_tls_version', ['1.0', '1.1', '1.2', '1.3']],
  ['always_use_https', ['on', 'off']],
  ['security_level', ['essentially_off', 'low', 'medium', 'high', 'under_attack']],
  ['automatic_https_rewrites', ['on', 'off']],
] as const;

/** The parameter inputs of one job kind, named with the contract's paths (`params.…`) so field errors land on them. */
export function KindParamsFields({ kind, ...props }: Props & { kind: CreatableKind }) {
  const { form, onChange, error } = props;
  switch (kind) {
    case 'dns-replace':
    case 'dns-delete':
      return (
        <div className="space-y-5">
          <MatchFields match={form.match} onChange={(match) => onChange({ match })} error={error} />
          {kind === 'dns-replace' ? <ReplaceWithFields {...props} /> : null}
        </div>
      );
    case 'dns-create':
      return (
        <Field label="Records (CSV)" name="params.csv" error={error} hint="Header: type,name,content,ttl,proxied[,priority]. Names may be relative, @, or contain {zone}.">
          {(p) => <Textarea {...p} rows={8} value={form.csv} onChange={(e) => onChange({ csv: e.target.value })} />}
        </Field>
      );
    case 'bind-import':
      return (
        <div className="space-y-3">
          <Field label="BIND zone file" name="params.bind" error={error}>
            {(p) => <Textarea {...p} rows={10} value={form.bind} onChange={(e) => onChange({ bind: e.target.value })} placeholder="www 300 IN A 192.0.2.10" />}
          </Field>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={form.bindProxied} onChange={(e) => onChange({ bindProxied: e.target.checked })} /> Proxy imported records (not mail hosts; a record's own <code>cf_tags=cf-proxied:…</code> wins)
          </label>
        </div>
      );
    case 'zone-settings':
      return (
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
          {ZONE_SETTINGS.map(([key, values]) => (
            <Field key={key} label={key} name={`params.settings.${key}`} error={error}>
              {(p) => (
                <Select {...p} value={form.settings[key] ?? ''} onChange={(e) => onChange({ settings: { ...form.settings, [key]: e.target.value } })}>
                  <option value="">Unchanged</option>
                  {values.map((v) => (
                    <option key={v}>{v}</option>
                  ))}
                </Select>
              )}
            </Field>
          ))}
          <FieldGroupError error={error} name="params.settings" exact />
        </div>
      );
    case 'cache-purge':
      return (
        <Field label="URLs to purge (one per line; empty purges everything)" name="params.files" error={error}>
          {(p) => <Textarea {...p} rows={5} value={form.purgeFiles} onChange={(e) => onChange({ purgeFiles: e.target.value })} placeholder="https://example.com/app.js" />}
        </Field>
      );
  }
}

/** What a replace sets: new content, TTL and proxy status; empty means unchanged. */
function ReplaceWithFields({ form, onChange, error }: Props) {
  return (
    <fieldset className="space-y-3">
      <legend className="text-sm font-semibold text-slate-800">Replace with</legend>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
        <Field label="New content" name="params.set.content" error={error} hint="With content match “contains”, only the matched text is replaced.">
          {(p) => <Input {...p} className="font-mono" value={form.setContent} onChange={(e) => onChange({ setContent: e.target.value })} />}
        </Field>
        <Field label="New TTL" name="params.set.ttl" error={error}>
          {(p) => (
            <Select {...p} value={form.setTtl} onChange={(e) => onChange({ setTtl: e.target.value })}>
              <option value="">Unchanged</option>
              {[1, 60, 300, 3600, 86400].map((v) => (
                <option key={v} value={v}>
                  {v === 1 ? 'Auto' : `${v}s`}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Proxy" name="params.set.proxied" error={error}>
          {(p) => (
            <Select {...p} value={form.setProxied} onChange={(e) => onChange({ setProxied: e.target.value })}>
              <option value="">Unchanged</option>
              <option value="true">Proxied</option>
              <option value="false">DNS only</option>
            </Select>
          )}
        </Field>
      </div>
      <FieldGroupError error={error} name="params.set" exact />
    </fieldset>
  );
}
