/**
 * The hosted login of applications (issue 15). `GET /api/v1/auth/authorize` sends a browser that
 * is not signed in to `/login?authorize=<its query>`; once signed in (or signed up) the page goes
 * back to authorize as a top-level navigation, so the browser carries its session cookie
 * (SameSite=Strict: a same-origin navigation) and authorize redirects to the application with a
 * code. The path is fixed here; the server checks the client id and redirect URI again.
 */
import { operationPath } from '../api/operations';

export function hostedLoginReturn(query: URLSearchParams): string | undefined {
  const authorize = query.get('authorize');
  return authorize ? `${operationPath('authorize')}?${authorize}` : undefined;
}

/** The same hosted login carried to another auth page (log in ⇄ sign up). */
export function withHostedLogin(path: string, query: URLSearchParams): string {
  const authorize = query.get('authorize');
  return authorize ? `${path}?authorize=${encodeURIComponent(authorize)}` : path;
}
