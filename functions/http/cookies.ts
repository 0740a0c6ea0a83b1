import { MAGIC_LINK_COOKIE, OIDC_BINDING_COOKIE, SESSION_COOKIE } from '../platform/names';

/** `__Host-` forces Secure, Path=/ and no Domain: the cookie cannot be set or read by sibling hosts. */
export function sessionCookie(token: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
}

export function clearSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;
}

/** The OpenID Connect sign-in's browser binding (Lax: it must come back on the provider's redirect). */
export function oidcBindingCookie(value: string, maxAgeSeconds: number): string {
  return `${OIDC_BINDING_COOKIE}=${value}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
}

/** The browser binding of a magic link: lives as long as the link; Strict, the sign-in is a same-site fetch. */
export function magicLinkCookie(secret: string, maxAgeSeconds: number): string {
  return `${MAGIC_LINK_COOKIE}=${secret}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
}

export function clearMagicLinkCookie(): string {
  return `${MAGIC_LINK_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;
}

/** The value of one cookie of the request (API Gateway v2 puts them in `event.cookies`). */
export function requestCookie(cookies: readonly string[] | undefined, name: string): string | undefined {
  for (const c of cookies ?? []) {
    const eq = c.indexOf('=');
    if (eq > 0 && c.slice(0, eq).trim() === name) return c.slice(eq + 1).trim();
  }
  return undefined;
}
