/**
 * What the edge does to responses, shared by the CloudFront distribution
 * (lib/edge.ts) and the local gateway (lib/local/gateway.ts). No aws-cdk-lib
 * import here, so the local runtime stays light.
 */
export interface EdgePolicyOptions {
  /**
   * Where the Turnstile widget comes from when the stage turns it on: Cloudflare's
   * `https://challenges.cloudflare.com` (locally, the local runtime's stand-in). Its api.js needs
   * script-src and its challenge iframe frame-src
   * (https://developers.cloudflare.com/turnstile/reference/content-security-policy/); off, neither is allowed.
   */
  readonly turnstileOrigin?: string;
}

/** The policy of every response; with Turnstile on, its origin may serve scripts and frames, nothing else. */
export function contentSecurityPolicy(options: EdgePolicyOptions = {}): string {
  const t = options.turnstileOrigin;
  return [
    "default-src 'self'",
    t ? `script-src 'self' ${t}` : "script-src 'self'",
    ...(t ? [`frame-src ${t}`] : []),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

/** The policy of a stage with Turnstile off (the default). */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/** The response-headers policy, as lower-case header → value. */
export function securityHeaders(options: EdgePolicyOptions = {}): Readonly<Record<string, string>> {
  return {
    'content-security-policy': contentSecurityPolicy(options),
    'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
  };
}

export const SECURITY_HEADERS = securityHeaders();

/** Cloudflare's Turnstile origin (api.js and the challenge iframe). */
export const TURNSTILE_ORIGIN = 'https://challenges.cloudflare.com';
