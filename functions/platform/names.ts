/**
 * Header and cookie names that the stack (CloudFront, the local gateway) and the
 * handlers must agree on. One place, so the edge that sets a header and the code
 * that reads it cannot drift apart.
 */

/** CloudFront adds it with the origin secret; a request without it bypassed the edge and is refused. */
export const ORIGIN_VERIFY_HEADER = 'x-origin-verify';

/**
 * The viewer's IP, set by the edge's viewer-request function on `/api/*`
 * (lib/edge.ts; locally lib/local/gateway.ts), which overwrites any value the client sent.
 */
export const VIEWER_IP_HEADER = 'x-flarevault-viewer-ip';

/** The browser session cookie; `__Host-` forces Secure, Path=/ and no Domain. */
export const SESSION_COOKIE = '__Host-fv_session';

/**
 * Binds an OpenID Connect sign-in (its state, then a pending second factor or link) to the browser
 * that started it; SameSite=Lax, as the provider's redirect back is a cross-site top-level navigation.
 */
export const OIDC_BINDING_COOKIE = '__Host-fv_oidc';

/** The magic-link browser binding: a secret whose hash the mailed link's record holds (identity/magic-link-request.ts). */
export const MAGIC_LINK_COOKIE = '__Host-fv_magic';

/** A cookie session's unsafe requests carry the session's CSRF token in this header. */
export const CSRF_HEADER = 'x-csrf-token';

/**
 * The `message` of the one structured log line an authenticated API call emits (functions/access-log/
 * access-line.ts); the manifest's log subscription selects exactly these lines for the access-log ingest.
 */
export const ACCESS_LOG_LINE = 'flarevault.api-access';
