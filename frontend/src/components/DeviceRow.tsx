import type { LucideIcon } from 'lucide-react';
import type { ReactNode } from 'react';

/** One row of a list of things signed in to the account (browser sessions, sync devices): icon, title, detail lines, action. */
export function DeviceRow({ icon: Icon, title, children, action }: { icon: LucideIcon; title: ReactNode; children: ReactNode; action?: ReactNode }) {
  return (
    <li className="flex flex-wrap items-start justify-between gap-3 py-3">
      <div className="flex min-w-0 gap-3">
        <Icon className="mt-0.5 size-5 shrink-0 text-slate-400" aria-hidden />
        <div className="min-w-0 text-sm">
          <p className="font-medium">{title}</p>
          {children}
        </div>
      </div>
      {action}
    </li>
  );
}
