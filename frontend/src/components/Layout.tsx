import { Cloud, LayoutDashboard, ListChecks, LogOut, Mail, Menu, RefreshCw, Shield, Users, Wand2, X } from 'lucide-react';
import { useState, type ReactNode } from 'react';
import { useOutbox } from '../api/queries';
import { useAuth } from '../lib/auth';
import { Link, useLocation } from '../lib/router';
import { Logo } from './AuthShell';
import { cx } from './ui';
import { WorkspaceSwitcher } from './WorkspaceSwitcher';
import { PendingLinkPrompt } from './PendingLinkPrompt';
import { VerifyEmailBanner } from './VerifyEmailBanner';

interface NavItem {
  to: string;
  label: string;
  icon: ReactNode;
  match: (path: string) => boolean;
}

export function Layout({ children }: { children: ReactNode }) {
  const { user, signOut } = useAuth();
  const { path } = useLocation();
  const outbox = useOutbox();
  const [open, setOpen] = useState(false);

  const items: NavItem[] = [
    { to: '/', label: 'Overview', icon: <LayoutDashboard className="size-4" aria-hidden />, match: (p) => p === '/' },
    { to: '/accounts', label: 'Cloudflare', icon: <Cloud className="size-4" aria-hidden />, match: (p) => p.startsWith('/accounts') },
    { to: '/jobs/new', label: 'New job', icon: <Wand2 className="size-4" aria-hidden />, match: (p) => p === '/jobs/new' },
    { to: '/jobs', label: 'Jobs', icon: <ListChecks className="size-4" aria-hidden />, match: (p) => p.startsWith('/jobs') && p !== '/jobs/new' },
    { to: '/workspace', label: 'Workspace', icon: <Users className="size-4" aria-hidden />, match: (p) => p.startsWith('/workspace') },
    { to: '/sync', label: 'Sync', icon: <RefreshCw className="size-4" aria-hidden />, match: (p) => p.startsWith('/sync') },
    { to: '/security', label: 'Security', icon: <Shield className="size-4" aria-hidden />, match: (p) => p.startsWith('/security') },
  ];
  if (outbox.data) items.push({ to: '/outbox', label: 'Mail outbox', icon: <Mail className="size-4" aria-hidden />, match: (p) => p === '/outbox' });

  const nav = (
    <ul className="space-y-1">
      {items.map((it) => {
        const active = it.match(path);
        return (
          <li key={it.to}>
            <Link
              to={it.to}
              onClick={() => setOpen(false)}
              aria-current={active ? 'page' : undefined}
              className={cx(
                'flex items-center gap-2 rounded-md px-3 py-2 text-sm font-medium',
                active ? 'bg-orange-50 text-orange-700' : 'text-slate-700 hover:bg-slate-100',
              )}
            >
              {it.icon}
              {it.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );

  return (
    <div className="min-h-full">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <header className="sticky top-0 z-30 flex items-center justify-between border-b border-slate-200 bg-white px-4 py-3 lg:hidden">
        <Logo />
        <button
          type="button"
          className="rounded p-2 text-slate-700 hover:bg-slate-100"
          aria-label={open ? 'Close menu' : 'Open menu'}
          aria-expanded={open}
          aria-controls="mobile-nav"
          onClick={() => setOpen((o) => !o)}
        >
          {open ? <X className="size-5" aria-hidden /> : <Menu className="size-5" aria-hidden />}
        </button>
      </header>
      {open ? (
        <nav id="mobile-nav" aria-label="Main" className="border-b border-slate-200 bg-white px-3 py-3 lg:hidden">
          <div className="mb-3 px-3">
            <WorkspaceSwitcher />
          </div>
          {nav}
          <UserBox email={user?.email} onSignOut={signOut} />
        </nav>
      ) : null}
      <div className="lg:flex">
        <aside className="hidden w-60 shrink-0 border-r border-slate-200 bg-white lg:flex lg:min-h-screen lg:flex-col">
          <div className="px-5 py-4">
            <Logo />
          </div>
          <div className="px-5 pb-4">
            <WorkspaceSwitcher />
          </div>
          <nav aria-label="Main" className="flex-1 px-3">
            {nav}
          </nav>
          <div className="px-3 pb-4">
            <UserBox email={user?.email} onSignOut={signOut} />
          </div>
        </aside>
        <main id="main" className="min-w-0 flex-1 px-4 py-6 sm:px-6 lg:px-10">
          <div className="mx-auto max-w-6xl">
            <VerifyEmailBanner />
            {children}
          </div>
          <PendingLinkPrompt />
        </main>
      </div>
    </div>
  );
}

/** The signed-out pages' frame: logo, one card, and links under it. */
function UserBox({ email, onSignOut }: { email?: string; onSignOut: () => void }) {
  return (
    <div className="mt-4 border-t border-slate-100 pt-3">
      <p className="truncate px-3 text-xs text-slate-500" title={email}>
        {email}
      </p>
      <button
        type="button"
        onClick={onSignOut}
        className="mt-1 flex w-full items-center gap-2 rounded-md px-3 py-2 text-sm text-slate-700 hover:bg-slate-100"
      >
        <LogOut className="size-4" aria-hidden /> Sign out
      </button>
    </div>
  );
}
