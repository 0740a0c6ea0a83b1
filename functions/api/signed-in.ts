/** The answer to a sign-in or sign-up: the session as a cookie and CSRF token (browsers) or a bearer token. */
import { sessionCookie } from '../http/cookies';
import type { Reply } from '../http/handler';
import type { UserView } from '../identity/accounts';
import type { IssuedSession } from '../identity/sessions';

export function signedIn(user: UserView, session: IssuedSession, client: 'browser' | 'token', status: number, now: number): Reply {
  const body = { user, session: { id: session.sessionId, expiresAt: session.expiresAt } };
  if (client === 'token') return { status, body: { ...body, token: session.token } };
  const maxAge = (Date.parse(session.expiresAt) - now) / 1000;
  return { status, body: { ...body, csrfToken: session.csrfToken }, cookies: [sessionCookie(session.token, maxAge)] };
}
