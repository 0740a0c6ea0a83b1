import type { LucideIcon } from 'lucide-react';
import type { ReactNode } from 'react';

/** One row of the signed-in browser sessions: icon, title, detail lines, action (sync devices have their own table, DevicesCard). */
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
