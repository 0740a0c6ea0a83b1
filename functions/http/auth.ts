import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { RouteDef } from '../contracts/route';
import type { AppPrincipal, DevicePrincipal, Principal } from '../tenancy/principal';
import type { Tenant } from '../tenancy/tenant';

export interface RequestMeta {
  readonly requestId: string;
  readonly ip: string;
  readonly userAgent: string;
}

/**
 * Resolves the principal for a route that needs one, or throws a DomainError (401/403/410/429).
 * Injected by the handlers (api/): the toolkit never imports identity.
 */
export type Authenticator = ((event: APIGatewayProxyEventV2, route: RouteDef, meta: RequestMeta) => Promise<Principal>) & {
  /**
   * The tenant this request's credential named when it last passed authentication in this
   * container, if it did: where a route may start its read before authentication ends
   * (./prefetch.ts). A guess, never a decision.
   */
  readonly tenantGuess?: (event: APIGatewayProxyEventV2) => Tenant | undefined;
};

/**
 * Resolves the principal of an `auth: 'app'` route (app session token or automation credential),
 * or throws (401/403/410/429). `allowedOrigin` answers, once the credential named an application,
 * whether the request's Origin may read the answer (CORS per application), errors included.
 */
export interface AppAuthenticator {
  (event: APIGatewayProxyEventV2, route: RouteDef, meta: RequestMeta): Promise<AppPrincipal>;
}

/** Resolves the principal of an `auth: 'device'` route (a sync device token), or throws (401/410). */
export interface DeviceAuthenticator {
  (event: APIGatewayProxyEventV2, route: RouteDef, meta: RequestMeta): Promise<DevicePrincipal>;
}
