import { JOB_KINDS, type CreatableKind } from '../../api/types';
import { KIND_LABELS } from '../../components/JobBits';
import { cx } from '../../components/ui';

const KIND_HELP: Record<CreatableKind, string> = {
  'dns-replace': 'Find records by name, type or content and change their content, TTL or proxy status.',
  'dns-create': 'Create the same records (from CSV) in every selected zone.',
  'dns-delete': 'Delete the records that match a filter.',
  'bind-import': 'Import a BIND zone file into many zones.',
  'zone-settings': 'Change SSL, TLS and security settings across zones.',
  'cache-purge': 'Purge the cache of many zones at once.',
};

/** One radio card per job kind, with a line on what it does. */
export function KindPicker({ kind, onChange }: { kind: CreatableKind; onChange: (k: CreatableKind) => void }) {
  return (
    <fieldset>
      <legend className="sr-only">Job kind</legend>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
        {JOB_KINDS.map((k) => (
          <label
            key={k}
            className={cx(
              'flex cursor-pointer gap-3 rounded-lg p-3 ring-1 has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-orange-600',
              kind === k ? 'bg-orange-50 ring-orange-400' : 'bg-white ring-slate-200 hover:ring-slate-300',
            )}
          >
            <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => onChange(k)} className="mt-1" />
            <span>
              <span className="block text-sm font-medium">{KIND_LABELS[k]}</span>
              <span className="block text-xs text-slate-600">{KIND_HELP[k]}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
