/**
 * `/invites/accept#token=…`, the mailed invite link. The token sits in the fragment (never in a
 * server log); the page keeps it in sessionStorage so it survives logging in or signing up
 * first, and removes it from the address bar. Signed in: Accept joins the workspace and makes
 * it the active one.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { rememberLocation } from '../api/client';
import { call } from '../api/operations';
import { AuthShell } from '../components/AuthShell';
import { Badge, Button, ErrorAlert, SkeletonRows, relativeTime } from '../components/ui';
import { useAuth } from '../lib/auth';
import { Link, navigate } from '../lib/router';

const KEY = 'flarevault.invite-token';

function readToken(): string {
  const fromLink = new URLSearchParams(window.location.hash.slice(1)).get('token');
  try {
    if (fromLink) sessionStorage.setItem(KEY, fromLink);
    return fromLink ?? sessionStorage.getItem(KEY) ?? '';
  } catch {
    return fromLink ?? '';
  }
}

export default function InviteAccept() {
  const { status, user } = useAuth();
  const qc = useQueryClient();
  const [token] = useState(readToken);
  useEffect(() => {
    if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
  }, []);
  const preview = useQuery({
    queryKey: ['invite-preview', token],
    enabled: !!token,
    retry: false,
    queryFn: () => call('previewInvite', { body: { token }, quietAuth: true }),
  });
  const accept = useMutation({
    mutationFn: () => call('acceptInvite', { body: { token } }),
    onSuccess: async (r) => {
      try {
        sessionStorage.removeItem(KEY);
      } catch {
        /* nothing kept */
      }
      await call('activateWorkspace', { params: { workspaceId: r.workspaceId } });
      navigate('/');
      // Not the preview: the invite is used now, and asking again would be a 404.
      await qc.resetQueries({ predicate: (q) => q.queryKey[0] !== 'me' && q.queryKey[0] !== 'invite-preview' });
    },
  });
  const goAuth = (to: '/login' | '/signup') => {
    rememberLocation();
    navigate(to);
  };
  return (
    <AuthShell
      footer={
        <p className="mt-4 text-center text-sm">
          <Link to="/" className="text-orange-700 underline">
            Go to the dashboard
          </Link>
        </p>
      }
    >
      <h1 className="mb-4 text-xl font-semibold">Workspace invite</h1>
      {!token ? (
        <p className="text-sm text-slate-600">This page needs the link from the invite mail.</p>
      ) : preview.isPending || status === 'loading' ? (
        <SkeletonRows rows={2} label="Reading the invite" />
      ) : preview.isError ? (
        <ErrorAlert error={preview.error} />
      ) : (
        <div className="space-y-4">
          <p className="text-sm text-slate-700" data-invite-preview>
            You are invited to <strong>{preview.data.workspaceName}</strong> as <Badge color="blue">{preview.data.role}</Badge>. The link
            expires {relativeTime(preview.data.expiresAt)}.
          </p>
          {status === 'signed-in' ? (
            <>
              <p className="text-sm text-slate-600">Signed in as {user?.email}. The invite must be for this address.</p>
              <Button className="w-full" onClick={() => accept.mutate()} loading={accept.isPending}>
                Accept invite
              </Button>
              <ErrorAlert error={accept.error} />
            </>
          ) : (
            <div className="flex flex-wrap gap-2">
              <Button onClick={() => goAuth('/login')}>Log in to accept</Button>
              <Button variant="secondary" onClick={() => goAuth('/signup')}>
                Create an account
              </Button>
            </div>
          )}
        </div>
      )}
    </AuthShell>
  );
}
