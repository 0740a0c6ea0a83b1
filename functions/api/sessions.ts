/**
 * The session vault function: hosted login for applications, the Session API and its admin routes.
 * (First landing: the routes are bound and authenticated; their implementations follow.)
 */
import * as s from '../contracts/sessions';
import { PROBLEM_BASE } from '../contracts/problem';
import { DomainError } from '../errors';
import { bind, httpFunction, type BoundRoute, type Reply } from '../http/handler';
import { originDecisions } from '../http/app-cors';
import { identityFromEnv } from '../identity/from-env';
import type { RouteDef } from '../contracts/route';
import { dataLayerFromEnv } from '../data/from-env';
import { vaultAdminBindings } from './vault-admin';

const { authenticate } = identityFromEnv();
const cors = originDecisions();

const notYet = (route: RouteDef) =>
  bind(route, async (req): Promise<Reply> => ({
    status: 501,
    headers: { 'content-type': 'application/problem+json' },
    body: { type: `${PROBLEM_BASE}not-implemented`, title: 'Not Implemented', status: 501, detail: `${route.operationId} is not implemented yet`, requestId: req.requestId },
  }));

// The admin's vault routes (api/vault-admin.ts); ports of the sessions domain join when it lands.
const implemented = new Map(vaultAdminBindings(dataLayerFromEnv()).map((b) => [b.route, b]));
const bound: BoundRoute[] = s.sessionRoutes.map((r) => implemented.get(r) ?? notYet(r));

export const handler = httpFunction('sessions', bound, {
  authenticate,
  authenticateApp: async () => {
    throw new DomainError('unauthenticated', 'Send an app session token or an automation credential', { code: 'unauthenticated' });
  },
  applicationCors: cors,
});
