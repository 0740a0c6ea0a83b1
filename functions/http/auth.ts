import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Tenant } from '../tenancy/tenant';
import type { Tier } from '../platform/tiers';
import type { RouteDef, Scope } from '../contracts/route';

/** Who is calling, derived from the credential alone. */
export interface Principal {
  /** The tenant this credential acts on (today the user's own). */
  readonly tenant: Tenant;
  /** The signed-in user (the member). */
  readonly userId: string;
  readonly tier: Tier;
  readonly credential: 'session' | 'api-key';
  /** Session id (credential `session`) or API key id (credential `api-key`). */
  readonly credentialId: string;
  /** `all` for sessions; the key's scopes for API keys. */
  readonly scopes: 'all' | readonly Scope[];
  /** True when the session came from the browser cookie (CSRF applies). */
  readonly viaCookie: boolean;
}

export interface RequestMeta {
  readonly requestId: string;
  readonly ip: string;
  readonly userAgent: string;
}

/** Resolves the principal for a route that needs one, or throws a DomainError (401/403/410/429). */
export type Authenticator = (event: APIGatewayProxyEventV2, route: RouteDef, meta: RequestMeta) => Promise<Principal>;
