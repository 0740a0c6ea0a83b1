/** OpenAPI 3.1 generated from the manifest's zod contracts, so it grows with every route. */
import * as z from 'zod';
import { routes } from '../platform/manifest';
import { requiredScopes, type RouteDef } from '../contracts/route';
import { CSRF_HEADER, SESSION_COOKIE } from '../platform/names';

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  delete json.$schema;
  return json;
}

function parametersOf(route: RouteDef): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [['path', route.params], ['query', route.query]] as const) {
    if (!schema) continue;
    const json = schemaOf(schema, 'input');
    const props = (json.properties ?? {}) as Record<string, Json>;
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (const [name, s] of Object.entries(props)) {
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: s });
    }
  }
  return out;
}

const problem = { $ref: '#/components/schemas/Problem' };

function operation(route: RouteDef): Json {
  const ok = String(route.successStatus ?? 200);
  const responses: Json = {
    [ok]: {
      description: 'Success',
      ...(route.response
        ? { content: { 'application/json': { schema: schemaOf(route.response, 'output') } } }
        : route.responseContentType
          ? { content: { [route.responseContentType]: { schema: { type: 'string' } } } }
          : {}),
    },
    '400': { description: 'Invalid input (field-level detail)', content: { 'application/problem+json': { schema: problem } } },
  };
  if (route.auth !== 'public') {
    responses['401'] = { description: 'Missing or bad credential', content: { 'application/problem+json': { schema: problem } } };
    responses['410'] = { description: 'Session expired (data intact)', content: { 'application/problem+json': { schema: problem } } };
    responses['429'] = { description: 'Rate or concurrency limit', content: { 'application/problem+json': { schema: problem } } };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: route.tags,
    parameters: parametersOf(route),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body, 'input') } } } } : {}),
    responses,
    security: route.auth === 'public' ? [] : route.auth === 'device' ? [{ bearer: [] }] : route.auth === 'session' ? [{ session: [] }, { bearer: [] }] : [{ session: [] }, { bearer: [] }, { apiKey: [...requiredScopes(route)] }],
    ...(route.scope ? { 'x-flarevault-scope': route.scope } : {}),
  };
}

export function buildOpenApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'flarevault API', version: '1', description: 'Encrypted control plane for many Cloudflare zones.' },
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: `Browser session; unsafe methods also need the ${CSRF_HEADER} header` },
        bearer: { type: 'http', scheme: 'bearer', description: 'A session token (fv_sess_…)' },
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (fv_key_…) limited to its scopes' },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'requestId'],
          properties: {
            type: { type: 'string', format: 'uri' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            requestId: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: { in: { type: 'string' }, field: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  };
}
