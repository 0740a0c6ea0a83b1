import { DNS_TYPES } from '../../api/types';
import { FieldGroupError } from '../../components/FieldGroupError';
import { Field, Input, Select } from '../../components/ui';
import type { MatchForm, MatchMode } from './jobBody';

/** Which records a replace or delete touches: name and content (exact, contains, glob) and types. */
export function MatchFields({ match, onChange, error }: { match: MatchForm; onChange: (m: MatchForm) => void; error: unknown }) {
  const set = <K extends keyof MatchForm>(k: K, v: MatchForm[K]) => onChange({ ...match, [k]: v });
  const modes = (
    <>
      <option value="exact">is exactly</option>
      <option value="contains">contains</option>
      <option value="pattern">matches glob (* ?)</option>
    </>
  );
  return (
    <fieldset className="space-y-3">
      <legend className="text-sm font-semibold text-slate-800">Match records</legend>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-[10rem_1fr]">
        <Field label="Name match" name="params.match.name.mode" error={error}>
          {(p) => (
            <Select {...p} value={match.nameMode} onChange={(e) => set('nameMode', e.target.value as MatchMode)}>
              {modes}
            </Select>
          )}
        </Field>
        <Field label="Name" name="params.match.name.value" error={error}>
          {(p) => <Input {...p} className="font-mono" placeholder="www" value={match.name} onChange={(e) => set('name', e.target.value)} />}
        </Field>
        <Field label="Content match" name="params.match.content.mode" error={error}>
          {(p) => (
            <Select {...p} value={match.contentMode} onChange={(e) => set('contentMode', e.target.value as MatchMode)}>
              {modes}
            </Select>
          )}
        </Field>
        <Field label="Content" name="params.match.content.value" error={error}>
          {(p) => <Input {...p} className="font-mono" placeholder="192.0.2.1" value={match.content} onChange={(e) => set('content', e.target.value)} />}
        </Field>
      </div>
      <div>
        <p className="mb-1 text-sm font-medium text-slate-700" id="types-label">
          Types (none = any)
        </p>
        <div className="flex flex-wrap gap-3" role="group" aria-labelledby="types-label">
          {DNS_TYPES.map((t) => (
            <label key={t} className="flex items-center gap-1.5 text-sm">
              <input
                type="checkbox"
                name="params.match.types"
                checked={match.types.includes(t)}
                onChange={(e) => set('types', e.target.checked ? [...match.types, t] : match.types.filter((x) => x !== t))}
              />
              {t}
            </label>
          ))}
        </div>
      </div>
      <FieldGroupError error={error} name="params.match" exact />
    </fieldset>
  );
}
