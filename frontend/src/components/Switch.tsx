import { cx } from './ui';

/**
 * An on/off switch (a button with role="switch", WAI-ARIA APG "Switch"): `label` is its accessible
 * name; `busy` marks a change being saved (still announced as its new state, not operable).
 */
export function Switch({ checked, onChange, label, busy, disabled }: { checked: boolean; onChange: (checked: boolean) => void; label: string; busy?: boolean; disabled?: boolean }) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      aria-busy={busy || undefined}
      disabled={disabled || busy}
      onClick={() => onChange(!checked)}
      className={cx(
        'relative inline-flex h-6 w-11 shrink-0 items-center rounded-full transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-orange-600 disabled:cursor-not-allowed',
        checked ? 'bg-orange-600' : 'bg-slate-500',
        busy && 'opacity-70',
      )}
    >
      <span aria-hidden className={cx('inline-block size-5 rounded-full bg-white shadow transition-transform', checked ? 'translate-x-5' : 'translate-x-0.5')} />
    </button>
  );
}
