/** The small component kit: buttons, fields, cards, skeletons, empty states, alerts. */
import * as Label from '@radix-ui/react-label';
import { Slot } from '@radix-ui/react-slot';
import { AlertTriangle, CheckCircle2, Info, Loader2 } from 'lucide-react';
import { forwardRef, useId, type ButtonHTMLAttributes, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { ApiError, errorMessage } from '../api/client';

export function cx(...parts: Array<string | false | null | undefined>): string {
  return parts.filter(Boolean).join(' ');
}

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost';
const VARIANTS: Record<Variant, string> = {
  // orange-700 under white text: 4.5:1 or more (WCAG AA); orange-600 was 3.6:1.
  primary: 'bg-orange-700 text-white hover:bg-orange-800 disabled:bg-orange-300',
  secondary: 'bg-white text-slate-800 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 disabled:text-slate-400',
  danger: 'bg-red-600 text-white hover:bg-red-700 disabled:bg-red-300',
  ghost: 'text-slate-700 hover:bg-slate-100 disabled:text-slate-400',
};

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: Variant;
  size?: 'sm' | 'md';
  loading?: boolean;
  asChild?: boolean;
}

export const Button = forwardRef<HTMLButtonElement, ButtonProps>(function Button(
  { variant = 'primary', size = 'md', loading, asChild, className, children, disabled, type, ...rest },
  ref,
) {
  const cls = cx(
    'inline-flex items-center justify-center gap-1.5 rounded-md font-medium shadow-xs transition-colors disabled:cursor-not-allowed',
    size === 'sm' ? 'px-2.5 py-1 text-sm' : 'px-3.5 py-2 text-sm',
    VARIANTS[variant],
    className,
  );
  if (asChild) {
    return (
      <Slot className={cls} {...rest}>
        {children}
      </Slot>
    );
  }
  return (
    <button ref={ref} type={type ?? 'button'} className={cls} disabled={disabled || loading} aria-busy={loading || undefined} {...rest}>
      {loading ? <Loader2 className="size-4 animate-spin" aria-hidden /> : null}
      {children}
    </button>
  );
});

const inputCls =
  'block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-slate-900 shadow-xs ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-orange-600 disabled:bg-slate-100 aria-[invalid=true]:ring-red-500';

export const Input = forwardRef<HTMLInputElement, InputHTMLAttributes<HTMLInputElement>>(function Input({ className, ...rest }, ref) {
  return <input ref={ref} className={cx(inputCls, className)} {...rest} />;
});

export const Textarea = forwardRef<HTMLTextAreaElement, TextareaHTMLAttributes<HTMLTextAreaElement>>(function Textarea({ className, ...rest }, ref) {
  return <textarea ref={ref} className={cx(inputCls, 'font-mono', className)} {...rest} />;
});

export const Select = forwardRef<HTMLSelectElement, SelectHTMLAttributes<HTMLSelectElement>>(function Select({ className, ...rest }, ref) {
  return <select ref={ref} className={cx(inputCls, 'pr-8', className)} {...rest} />;
});

/**
 * A labelled control with its error under it. `name` is matched against the
 * problem's `errors[].field`, so a server-side validation error lands here.
 */
export function Field({
  label,
  name,
  error,
  hint,
  children,
  className,
}: {
  label: ReactNode;
  name: string;
  error?: unknown;
  hint?: ReactNode;
  children: (props: { id: string; name: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
  className?: string;
}) {
  const id = useId();
  const message = error instanceof ApiError ? error.fieldError(name) : typeof error === 'string' ? error : undefined;
  const descId = message ? `${id}-err` : hint ? `${id}-hint` : undefined;
  return (
    <div className={cx('space-y-1', className)}>
      <Label.Root htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </Label.Root>
      {children({ id, name, 'aria-invalid': Boolean(message), 'aria-describedby': descId })}
      {message ? (
        <p id={`${id}-err`} className="text-sm text-red-600" data-field-error={name}>
          {message}
        </p>
      ) : hint ? (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export function Card({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={cx('rounded-lg bg-white shadow-xs ring-1 ring-slate-200', className)}>
      {title || actions ? (
        <header className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-100 px-4 py-3">
          {title ? <h2 className="text-base font-semibold text-slate-900">{title}</h2> : <span />}
          {actions ? <div className="flex flex-wrap gap-2">{actions}</div> : null}
        </header>
      ) : null}
      <div className="p-4">{children}</div>
    </section>
  );
}

export function PageHeader({ title, description, actions }: { title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900 break-words">{title}</h1>
        {description ? <p className="mt-1 text-sm text-slate-600">{description}</p> : null}
      </div>
      {actions ? <div className="flex flex-wrap gap-2">{actions}</div> : null}
    </div>
  );
}

export function Skeleton({ className }: { className?: string }) {
  return <div className={cx('animate-pulse rounded bg-slate-200', className)} aria-hidden />;
}

export function SkeletonRows({ rows = 4, label = 'Loading' }: { rows?: number; label?: string }) {
  return (
    <div role="status" aria-label={label} className="space-y-3">
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} className="h-8 w-full" />
      ))}
      <span className="sr-only">{label}…</span>
    </div>
  );
}

export function EmptyState({ icon, title, children, action }: { icon?: ReactNode; title: ReactNode; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="flex flex-col items-center rounded-lg border-2 border-dashed border-slate-200 px-6 py-10 text-center" data-empty-state>
      {icon ? <div className="mb-3 text-slate-400">{icon}</div> : null}
      <h3 className="text-base font-semibold text-slate-900">{title}</h3>
      {children ? <div className="mt-1 max-w-md text-sm text-slate-600">{children}</div> : null}
      {action ? <div className="mt-4 flex flex-wrap justify-center gap-2">{action}</div> : null}
    </div>
  );
}

/** An error for an action or a whole panel; shows leftover field errors too. */
export function ErrorAlert({ error, fields = [], className }: { error: unknown; fields?: readonly string[]; className?: string }) {
  if (!error) return null;
  const leftovers = error instanceof ApiError ? error.unmatchedFieldErrors(fields) : [];
  const requestId = error instanceof ApiError ? error.problem.requestId : undefined;
  return (
    <div role="alert" className={cx('flex gap-2 rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200', className)}>
      <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
      <div className="min-w-0 space-y-1 break-words">
        <p>{errorMessage(error)}</p>
        {leftovers.length ? (
          <ul className="list-disc pl-4">
            {leftovers.map((f, i) => (
              <li key={i}>
                <code className="font-mono text-xs">{f.field}</code>: {f.message}
              </li>
            ))}
          </ul>
        ) : null}
        {requestId ? <p className="text-xs text-red-600">Request id: {requestId}</p> : null}
      </div>
    </div>
  );
}

export function Notice({ tone = 'info', children, className }: { tone?: 'info' | 'success' | 'warning'; children: ReactNode; className?: string }) {
  const styles = {
    info: 'bg-sky-50 text-sky-900 ring-sky-200',
    success: 'bg-emerald-50 text-emerald-900 ring-emerald-200',
    warning: 'bg-amber-50 text-amber-900 ring-amber-200',
  }[tone];
  const Icon = tone === 'success' ? CheckCircle2 : tone === 'warning' ? AlertTriangle : Info;
  return (
    <div role={tone === 'warning' ? 'alert' : 'status'} className={cx('flex gap-2 rounded-md p-3 text-sm ring-1', styles, className)}>
      <Icon className="mt-0.5 size-4 shrink-0" aria-hidden />
      <div className="min-w-0 break-words">{children}</div>
    </div>
  );
}

const BADGE: Record<string, string> = {
  green: 'bg-emerald-50 text-emerald-700 ring-emerald-600/20',
  red: 'bg-red-50 text-red-700 ring-red-600/20',
  amber: 'bg-amber-50 text-amber-800 ring-amber-600/20',
  blue: 'bg-sky-50 text-sky-700 ring-sky-600/20',
  gray: 'bg-slate-50 text-slate-600 ring-slate-500/20',
};
export function Badge({ color = 'gray', children }: { color?: keyof typeof BADGE; children: ReactNode }) {
  return <span className={cx('inline-flex items-center rounded-md px-2 py-0.5 text-xs font-medium ring-1 ring-inset', BADGE[color])}>{children}</span>;
}

export function Table({ children, label }: { children: ReactNode; label: string }) {
  return (
    // `relative`: sr-only (absolute) cells stay inside the scroll box instead of widening the page.
    <div className="relative -mx-4 overflow-x-auto sm:mx-0">
      <table className="min-w-full divide-y divide-slate-200 text-left text-sm" aria-label={label}>
        {children}
      </table>
    </div>
  );
}
export const th = 'px-3 py-2 text-xs font-semibold uppercase tracking-wide text-slate-500';
export const td = 'px-3 py-2 align-top';

/** Bytes in binary units (1 KiB = 1024 B), one decimal above a KiB. */
export function formatBytes(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (n < 1024) return `${n} B`;
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function relativeTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.round((Date.now() - t) / 1000);
  if (Math.abs(s) < 45) return 'just now';
  const fmt = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const m = Math.round(s / 60);
  if (Math.abs(m) < 60) return fmt.format(-m, 'minute');
  const h = Math.round(m / 60);
  if (Math.abs(h) < 24) return fmt.format(-h, 'hour');
  return fmt.format(-Math.round(h / 24), 'day');
}
