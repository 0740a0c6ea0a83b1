/** Turns the raw v2 event into validated params/query/body, or a 4xx with field-level detail. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import type { FieldIssue } from '../contracts/problem';
import { DomainError } from '../errors';
import type { RouteDef } from '../contracts/route';

const fieldOf = (path: readonly PropertyKey[]) => path.map(String).join('.') || '(root)';

/** One field issue per zod issue; an unknown key is named itself (zod reports it on its parent object). */
export function zodIssues(where: FieldIssue['in'], error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((i): FieldIssue[] =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ in: where, field: fieldOf([...i.path, key]), message: `unknown field "${key}"`, code: i.code }))
      : [{ in: where, field: fieldOf(i.path), message: i.message, code: i.code }],
  );
}

function check<T extends z.ZodType>(schema: T | undefined, value: unknown, where: FieldIssue['in']): { value: unknown; issues: FieldIssue[] } {
  if (!schema) return { value: undefined, issues: [] };
  const r = schema.safeParse(value);
  return r.success ? { value: r.data, issues: [] } : { value: undefined, issues: zodIssues(where, r.error) };
}

export function rawBody(event: APIGatewayProxyEventV2): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

function parseJsonBody(event: APIGatewayProxyEventV2): unknown {
  const text = rawBody(event);
  if (text === undefined || text === '') return undefined;
  const type = (event.headers?.['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type && type !== 'application/json' && !type.endsWith('+json')) {
    throw new DomainError('unsupported-media-type', `Send the body as application/json (got ${type.slice(0, 100)})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DomainError('invalid', 'The request body is not valid JSON', {
      code: 'invalid-json',
      fields: [{ in: 'body', field: '(root)', message: (e as Error).message.slice(0, 200), code: 'invalid_json' }],
    });
  }
}

export interface ParsedRequest {
  params: unknown;
  query: unknown;
  body: unknown;
}

export function parseRequest(route: RouteDef, event: APIGatewayProxyEventV2): ParsedRequest {
  const params = check(route.params, event.pathParameters ?? {}, 'path');
  const query = check(route.query, event.queryStringParameters ?? {}, 'query');
  const body = route.body ? check(route.body, parseJsonBody(event), 'body') : { value: undefined, issues: [] };
  const issues = [...params.issues, ...query.issues, ...body.issues];
  if (issues.length) {
    throw new DomainError('invalid', `${issues.length} field(s) failed validation`, { code: 'validation-failed', fields: issues });
  }
  return { params: params.value, query: query.value, body: body.value };
}
