/** What WebAuthn responses share: the challenge they answer, and the refusal of a bad one. */
import { decodeClientDataJSON } from '@simplewebauthn/server/helpers';
import { DomainError } from '../errors';

/** The challenge a response signed over (from its clientDataJSON), or undefined when unreadable. */
export function challengeOf(response: { response: { clientDataJSON: string } }): string | undefined {
  try {
    const challenge = decodeClientDataJSON(response.response.clientDataJSON).challenge;
    return typeof challenge === 'string' && challenge.length > 0 && challenge.length <= 200 ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The answer to a response that cannot be used: `challenge` when its challenge is unknown,
 * already used, expired or for another ceremony; `response` when verification failed (wrong
 * origin or RP, no user verification, a counter that went back, a bad signature, an unknown
 * credential). The library's reason is safe to show (it names no secret) and helps a developer.
 */
export function webauthnRefused(what: 'challenge' | 'response', cause?: unknown, kind: 'invalid' | 'unauthenticated' = 'invalid'): DomainError {
  const message =
    what === 'challenge'
      ? 'The passkey challenge is unknown, expired or already used; start again'
      : `The passkey response could not be verified${cause instanceof Error ? `: ${cause.message}` : ''}`;
  return new DomainError(kind, message, {
    code: what === 'challenge' ? 'passkey-challenge' : 'passkey-invalid',
    fields: [{ in: 'body', field: 'response', message: what === 'challenge' ? 'answers no open challenge' : 'could not be verified', code: 'invalid' }],
  });
}
