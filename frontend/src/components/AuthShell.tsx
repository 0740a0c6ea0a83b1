/** The frame of the signed-out pages (log in, sign up, password reset, invites): kept apart from Layout so they load without it. */
import type { ReactNode } from 'react';
import { Link } from '../lib/router';

export function AuthShell({ children, footer }: { children: ReactNode; footer: ReactNode }) {
  return (
    <div className="flex min-h-full flex-col items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex justify-center">
          <Logo />
        </div>
        <div className="rounded-lg bg-white p-6 shadow-xs ring-1 ring-slate-200">{children}</div>
        {footer}
      </div>
    </div>
  );
}

export function Logo() {
  return (
    <Link to="/" className="flex items-center gap-2 font-semibold text-slate-900">
      <img src="/favicon.svg" alt="" className="size-6" />
      flarevault
    </Link>
  );
}
