/**
 * PKCE (RFC 7636, method S256) and `state`, with WebCrypto only: the verifier
 * is 32 random bytes in base64url (43 characters, inside the 43–128 the RFC
 * allows), the challenge base64url(SHA-256(verifier)).
 */

export type WebCrypto = Pick<Crypto, 'getRandomValues' | 'subtle'>;

export function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function randomToken(crypto: WebCrypto, bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function s256Challenge(crypto: WebCrypto, verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}
