/**
 * The stage's OpenID Connect providers (env OIDC_PROVIDERS) and their discovered configuration
 * (openid-client `discovery`: the issuer's /.well-known/openid-configuration and JWKS), fetched
 * once per container and provider. Plain HTTP is allowed only for a loopback issuer (the local
 * stack's provider); every other issuer must be https. openid-client is loaded on first use
 * (`openidClient`), so the password sign-in sharing this function does not pay for it at cold start.
 */
import type * as OpenIdClient from 'openid-client';
import type { OidcProviderConfig } from '../platform/env';
import { DomainError } from '../errors';

export interface OidcProvider {
  readonly id: string;
  readonly name: string;
  /** The boolean claim that says the provider verified the email (`email_verified`; Entra ID: `xms_edov`). */
  readonly emailVerifiedClaim: string;
  /** Discovery (cached; a failure is retried on the next call). */
  configuration(): Promise<OpenIdClient.Configuration>;
}

export interface OidcProviders {
  list(): readonly OidcProvider[];
  /** 404 `unknown-provider` for an id the stage does not configure. */
  get(id: string): OidcProvider;
  /**
   * The redirect URI of every provider: `<public URL>/api/v1/auth/oidc/callback`. With a loopback
   * public URL (the local stack), the other loopback name the browser is on (`localhost` or
   * `127.0.0.1`, same port), so the binding cookie, which is per host, comes back.
   */
  redirectUri(browserHost?: string): string;
  /** The dashboard's base URL for that browser (the same rule). */
  home(browserHost?: string): string;
}

export const OIDC_CALLBACK_PATH = '/api/v1/auth/oidc/callback';

const isLoopback = (issuer: string) => {
  const u = new URL(issuer);
  return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]');
};

/** openid-client, loaded once on first use. */
export const openidClient = (): Promise<typeof OpenIdClient> => import('openid-client');

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost']);

function homeOf(publicUrl: string, browserHost: string | undefined): string {
  const pub = new URL(publicUrl);
  if (browserHost && pub.protocol === 'http:' && LOOPBACK_NAMES.has(pub.hostname)) {
    const [name, port = ''] = browserHost.split(':');
    if (name && LOOPBACK_NAMES.has(name) && port === pub.port) return `http://${name}${port ? `:${port}` : ''}`;
  }
  return pub.origin;
}

export function createOidcProviders(configs: readonly OidcProviderConfig[], publicUrl: string): OidcProviders {
  const providers = configs.map((c): OidcProvider => {
    let discovered: Promise<OpenIdClient.Configuration> | undefined;
    return {
      id: c.id,
      name: c.name,
      emailVerifiedClaim: c.emailVerifiedClaim,
      configuration() {
        discovered ??= openidClient()
          .then((client) =>
            client.discovery(new URL(c.issuer), c.clientId, undefined, client.ClientSecretPost(c.clientSecret), {
              execute: isLoopback(c.issuer) ? [client.allowInsecureRequests] : [],
              timeout: 5,
            }),
          )
          .catch((err: unknown) => {
            discovered = undefined;
            throw new DomainError('unavailable', `The provider ${c.name} cannot be reached right now; try again`, { code: 'provider-unavailable', cause: err });
          });
        return discovered;
      },
    };
  });
  return {
    list: () => providers,
    get(id) {
      const p = providers.find((x) => x.id === id);
      if (!p) throw new DomainError('not-found', 'No such sign-in provider', { code: 'unknown-provider' });
      return p;
    },
    redirectUri: (host) => `${homeOf(publicUrl, host)}${OIDC_CALLBACK_PATH}`,
    home: (host) => homeOf(publicUrl, host),
  };
}
