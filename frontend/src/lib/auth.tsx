/**
 * Who is signed in. The session lives in an HttpOnly cookie the SPA cannot
 * read; the CSRF token lives only in memory and comes back from GET /me after
 * a reload.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { forgetReturnLocation, onSessionLost, setCsrfToken } from '../api/client';
import { call } from '../api/operations';
import { keys } from '../api/queries';
import type { Me, SignedIn, User } from '../api/types';

interface AuthState {
  status: 'loading' | 'signed-out' | 'signed-in';
  user: User | null;
  /** Why the last session ended: expired (410), signed out elsewhere (401), or by the user here. */
  lostReason: 'expired' | 'signed-out' | 'user' | null;
  /** Store a fresh login/signup answer (App then goes back to where the user was). */
  signedIn: (s: SignedIn) => void;
  signOut: () => Promise<void>;
  refresh: () => Promise<unknown>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const [lostReason, setLostReason] = useState<AuthState['lostReason']>(null);

  const me = useQuery({
    queryKey: keys.me,
    retry: false,
    staleTime: 60_000,
    // The public status route answers 200 signed in or not, so a first visit logs no failed request.
    queryFn: async ({ signal }): Promise<Me | null> => {
      const status = await call('getSessionStatus', { signal, quietAuth: true });
      if (!status.signedIn || !status.user) {
        if (status.expired) setLostReason('expired');
        setCsrfToken(null);
        return null;
      }
      setCsrfToken(status.csrfToken);
      return { user: status.user, csrfToken: status.csrfToken, credential: 'session' };
    },
  });

  // No navigation here: App redirects once the new status has rendered. Navigating
  // first would show the old status on the new path for a render (and bounce).
  useEffect(
    () =>
      onSessionLost((reason) => {
        setLostReason(reason);
        void qc.cancelQueries();
        qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
        qc.setQueryData(keys.me, null);
      }),
    [qc],
  );

  const signedIn = useCallback(
    (s: SignedIn) => {
      setCsrfToken(s.csrfToken);
      setLostReason(null);
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
      qc.setQueryData<Me>(keys.me, { user: s.user, csrfToken: s.csrfToken, credential: 'session' });
    },
    [qc],
  );

  const signOut = useCallback(async () => {
    try {
      await call('logout', { quietAuth: true });
    } catch {
      /* the session may already be gone; sign out locally anyway */
    }
    setCsrfToken(null);
    setLostReason('user');
    forgetReturnLocation();
    // Not qc.clear(): the `me` observer must keep its query, or it would go on showing the old user.
    await qc.cancelQueries();
    qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
    qc.setQueryData(keys.me, null);
  }, [qc]);

  const value = useMemo<AuthState>(() => {
    const status: AuthState['status'] = me.isPending ? 'loading' : me.data ? 'signed-in' : 'signed-out';
    return { status, user: me.data?.user ?? null, lostReason, signedIn, signOut, refresh: () => me.refetch() };
  }, [me.isPending, me.data, lostReason, signedIn, signOut, me]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
