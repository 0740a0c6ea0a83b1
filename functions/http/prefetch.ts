/**
 * A route's store read run CONCURRENTLY with authentication, so an authenticated list costs one
 * DynamoDB round trip of latency instead of two in sequence. It reads the tenant the credential
 * named when it last passed in this container (the authenticator's `tenantGuess`: a token never
 * seen passing prefetches nothing, so a forged token cannot make the API read). The result is
 * handed to the handler only once authentication passed AND the principal's tenant is the guess;
 * the domain operation then checks the role (assertCan) before it uses it. Otherwise it is dropped
 * unread; a failed prefetch only means the handler reads as usual.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { RouteDef } from '../contracts/route';
import type { Prefetched } from '../tenancy/prefetched';
import { tenantKey, type Tenant } from '../tenancy/tenant';
import type { Authenticator } from './auth';
import { parseRequest } from './parse';

/** What a bound route reads ahead: the api module's function (the toolkit never imports a domain). */
export type PrefetchRead = (tenantGuess: Tenant, params: unknown, query: unknown) => Promise<unknown>;

export interface PendingPrefetch {
  /** The prefetched value when `tenant` (the principal's, once authenticated) is the guessed one. */
  readonly resultFor: (tenant: Tenant) => Promise<Prefetched<unknown> | undefined>;
}

export function startPrefetch(read: PrefetchRead, route: RouteDef, event: APIGatewayProxyEventV2, authenticate: Authenticator): PendingPrefetch | undefined {
  const guess = authenticate.tenantGuess?.(event);
  if (!guess) return undefined;
  let input: ReturnType<typeof parseRequest>;
  try {
    input = parseRequest(route, event);
  } catch {
    return undefined; // invalid input: validation answers it, after authentication
  }
  const pending = Promise.resolve()
    .then(() => read(guess, input.params, input.query))
    .then(
      (value): Prefetched<unknown> => ({ tenant: guess, value }),
      () => undefined, // the handler reads as usual (and meets the same fault, if it lasts)
    );
  return { resultFor: async (tenant) => (tenantKey(tenant) === tenantKey(guess) ? pending : undefined) };
}
