/**
 * The WebAuthn relying party of this deployment, from its public URL: the RP ID is the URL's
 * host and the one accepted origin is the URL's origin. WebAuthn needs a domain as RP ID
 * (https://www.w3.org/TR/webauthn-3/#rp-id: "a valid domain string"); Chromium refuses an IP
 * address ("SecurityError: This is an invalid domain", checked with a CDP virtual authenticator
 * on http://127.0.0.1), so a loopback IP (the local runtime's http://127.0.0.1:<port>) becomes
 * `localhost` on the same port: locally, passkeys work at http://localhost:<port>.
 */
import { isIP } from 'node:net';

export interface RelyingParty {
  readonly id: string;
  readonly name: string;
  readonly origin: string;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', '::1']);

export function relyingPartyOf(publicUrl: string): RelyingParty {
  const url = new URL(publicUrl);
  if (LOOPBACK.has(url.hostname)) {
    const origin = `${url.protocol}//localhost${url.port ? `:${url.port}` : ''}`;
    return { id: 'localhost', name: 'flarevault', origin };
  }
  if (isIP(url.hostname.replace(/^\[|\]$/g, ''))) throw new TypeError(`PUBLIC_URL ${publicUrl}: passkeys need a domain name, not an IP address`);
  return { id: url.hostname, name: 'flarevault', origin: url.origin };
}
