import type { LucideIcon } from 'lucide-react';
import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { Table, cx, th } from './ui';

/** A header cell: its text, or its text and classes (e.g. `hidden sm:table-cell` to drop it on small screens). */
export type Column = string | { label: string; className: string };

/** A table whose last column holds each row's actions (its header is named for screen readers only). */
export function ActionTable({ label, columns, children }: { label: string; columns: readonly Column[]; children: ReactNode }) {
  return (
    <Table label={label}>
      <thead>
        <tr>
          {columns.map((c) =>
            typeof c === 'string' ? (
              <th key={c} className={th}>
                {c}
              </th>
            ) : (
              <th key={c.label} className={cx(th, c.className)}>
                {c.label}
              </th>
            ),
          )}
          <th className={th}>
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">{children}</tbody>
    </Table>
  );
}

/** An icon-only button in a table row; `label` is its accessible name (the row's subject belongs in it). */
export function RowAction({
  label,
  icon: Icon,
  tone = 'default',
  className,
  ...rest
}: { label: string; icon: LucideIcon; tone?: 'default' | 'danger' } & Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'aria-label' | 'children' | 'type'>) {
  const colors = tone === 'danger' ? 'text-red-700 hover:bg-red-50' : 'text-slate-600 hover:bg-slate-100';
  return (
    <button type="button" className={cx('rounded p-1.5 disabled:text-slate-300', colors, className)} aria-label={label} {...rest}>
      <Icon className="size-4" aria-hidden />
    </button>
  );
}
