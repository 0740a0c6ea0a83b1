import { lazy, Suspense, useEffect, type ComponentType, type LazyExoticComponent } from 'react';
import { rememberLocation, takeReturnLocation } from './api/client';
import { SkeletonRows } from './components/ui';
import { useAuth } from './lib/auth';
import { matchPath, navigate, useLocation, type Params } from './lib/router';
import { AuthPage } from './pages/AuthPage';
import { hostedLoginReturn } from './lib/hosted-login';

// Everything the signed-out pages do not need is split out, so /login loads only React, the
// query client and the auth page: the signed-in frame (Layout) and every page behind it.
const Layout = lazy(() => import('./components/Layout').then((m) => ({ default: m.Layout })));
const Overview = lazy(() => import('./pages/Overview').then((m) => ({ default: m.Overview })));
const Accounts = lazy(() => import('./pages/Accounts'));
const Zones = lazy(() => import('./pages/Zones'));
const DnsRecords = lazy(() => import('./pages/DnsRecords'));
const JobBuilder = lazy(() => import('./pages/JobBuilder'));
const Jobs = lazy(() => import('./pages/Jobs'));
const JobDetail = lazy(() => import('./pages/JobDetail'));
const Security = lazy(() => import('./pages/Security'));
const Outbox = lazy(() => import('./pages/Outbox'));
const PasswordReset = lazy(() => import('./pages/PasswordReset'));
const MagicLink = lazy(() => import('./pages/MagicLink'));
const VerifyEmail = lazy(() => import('./pages/VerifyEmail'));
const Workspace = lazy(() => import('./pages/Workspace'));
const InviteAccept = lazy(() => import('./pages/InviteAccept'));
const AccessLog = lazy(() => import('./pages/AccessLog'));
const Applications = lazy(() => import('./pages/Applications'));
const ApplicationDetail = lazy(() => import('./pages/ApplicationDetail'));
const WorkspaceAudit = lazy(() => import('./pages/WorkspaceAudit'));
const Sync = lazy(() => import('./pages/Sync'));
const SyncAuthorize = lazy(() => import('./pages/SyncAuthorize'));
const SyncComplete = lazy(() => import('./pages/SyncComplete'));

type Page = ComponentType<{ params: Params }> | LazyExoticComponent<ComponentType<{ params: Params }>>;

const PUBLIC: Array<[string, Page]> = [
  ['/forgot', PasswordReset],
  ['/reset', PasswordReset],
  ['/reset-password', PasswordReset],
  ['/invites/accept', InviteAccept],
  ['/magic-link', MagicLink],
  ['/verify-email', VerifyEmail],
];

const PRIVATE: Array<[string, Page]> = [
  ['/', Overview],
  ['/accounts', Accounts],
  ['/accounts/:id/zones', Zones],
  ['/accounts/:id/zones/:zoneId', DnsRecords],
  ['/jobs/new', JobBuilder],
  ['/jobs', Jobs],
  ['/jobs/:id', JobDetail],
  ['/workspace', Workspace],
  ['/workspace/access-log', AccessLog],
  ['/workspace/applications', Applications],
  ['/workspace/applications/:applicationId', ApplicationDetail],
  ['/workspace/audit', WorkspaceAudit],
  ['/security', Security],
  ['/outbox', Outbox],
  ['/sync', Sync],
  // Device authorization (RFC 8628): signed in, so a signed-out browser logs in and comes back with its ?user_code.
  ['/sync/authorize', SyncAuthorize],
  ['/sync/complete', SyncComplete],
];

function resolve(table: Array<[string, Page]>, path: string): { pattern: string; Page: Page; params: Params } | null {
  for (const [pattern, Page] of table) {
    const params = matchPath(pattern, path);
    if (params) return { pattern, Page, params };
  }
  return null;
}

const fallback = (
  <div className="py-6">
    <SkeletonRows rows={5} label="Loading page" />
  </div>
);

export function App() {
  const { status, lostReason } = useAuth();
  const { path, query } = useLocation();
  const hosted = hostedLoginReturn(query);

  const pub = resolve(PUBLIC, path);
  const isAuthPage = path === '/login' || path === '/signup';
  const priv = resolve(PRIVATE, path);

  // All auth redirects happen here, after the new status has rendered.
  useEffect(() => {
    if (status === 'signed-out' && !isAuthPage && !pub) {
      // Deep link or expired session: log in first, then come back here (not after an explicit sign-out).
      if (lostReason !== 'user') rememberLocation();
      navigate(`/login${lostReason === 'expired' ? '?expired=1' : ''}`, { replace: true });
    } else if (status === 'signed-in' && isAuthPage) {
      // An application's hosted login: back to authorize as a top-level navigation (the session cookie goes with it).
      if (hosted) window.location.replace(hosted);
      else navigate(takeReturnLocation(), { replace: true });
    }
  }, [status, isAuthPage, pub, lostReason, hosted]);

  useEffect(() => {
    const names: Record<string, string> = { '/login': 'Log in', '/signup': 'Sign up' };
    const title = names[path] ?? (path === '/' ? 'Overview' : path.split('/')[1]?.replace(/^\w/, (c) => c.toUpperCase()));
    document.title = title ? `${title} · flarevault` : 'flarevault';
  }, [path]);

  if (pub) {
    return (
      <Suspense fallback={fallback}>
        <pub.Page params={pub.params} />
      </Suspense>
    );
  }
  if (status === 'loading') {
    return (
      <div className="mx-auto max-w-md px-4 py-16">
        <SkeletonRows rows={3} label="Checking your session" />
      </div>
    );
  }
  if (status === 'signed-out' || isAuthPage) {
    return isAuthPage && status === 'signed-out' ? <AuthPage mode={path === '/signup' ? 'signup' : 'login'} /> : null;
  }
  return (
    <Suspense fallback={fallback}>
      <Layout>
        {/* One boundary per route: the page left behind unmounts (its queries stop) while the next one loads,
            instead of staying mounted and hidden behind the fallback. */}
        <Suspense key={priv?.pattern ?? 'not-found'} fallback={fallback}>
          {priv ? <priv.Page params={priv.params} /> : <NotFound />}
        </Suspense>
      </Layout>
    </Suspense>
  );
}

function NotFound() {
  return (
    <div className="py-16 text-center">
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="mt-2 text-slate-600">
        <a className="text-orange-700 underline" href="/" onClick={(e) => (e.preventDefault(), navigate('/'))}>
          Go to the overview
        </a>
      </p>
    </div>
  );
}
