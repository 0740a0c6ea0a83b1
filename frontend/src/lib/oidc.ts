/**
 * OpenID Connect sign-in in the dashboard: the login page's provider buttons (start, then the
 * browser goes to the provider), what the callback's redirect to `/login?oidc=…` means, and the
 * confirmation of a pending link once signed in.
 */
import { call } from '../api/operations';

/** Starts a provider sign-in: the server sets the browser-binding cookie; the browser leaves for the provider. */
export async function startProviderSignIn(provider: string): Promise<void> {
  const { authorizationUrl } = await call('startOidcSignIn', { params: { provider }, body: {}, quietAuth: true });
  window.location.assign(authorizationUrl);
}

/** The login page's message for the callback's `reason` (contracts/oidc.ts OIDC_ERRORS). */
export function providerErrorMessage(reason: string | null): string {
  switch (reason) {
    case 'unverified-email':
      return 'The provider did not confirm that your email address is verified, so it cannot sign you in. Verify it with the provider, or log in with your password.';
    case 'no-email':
      return 'The provider did not share an email address, so it cannot sign you in.';
    case 'provider':
      return 'The provider’s answer could not be verified. Try again.';
    default:
      return 'That sign-in expired or was started in another browser. Try again.';
  }
}
