/** The handler toolkit's pure parts: problem mapping, request parsing, env parsing. */
import { z } from 'zod';
import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
} from '@aws-sdk/client-dynamodb';
import { DependencyTimeoutException, InvalidCiphertextException, KeyUnavailableException, KMSInternalException } from '@aws-sdk/client-kms';
import { awsUnavailable } from '../../functions/aws/faults';
import { loadEnv } from '../../functions/platform/env';
import { DomainError } from '../../functions/errors';
import { parseRequest } from '../../functions/http/parse';
import { internalProblem, problemFromDomainError } from '../../functions/http/problem';
import { defineRoute } from '../../functions/contracts/route';

const route = defineRoute({
  operationId: 'x',
  method: 'POST',
  path: '/api/x/{id}',
  fn: 'system',
  auth: 'public',
  summary: 'x',
  tags: [],
  params: z.object({ id: z.string().regex(/^\d+$/) }),
  query: z.object({ limit: z.coerce.number().int().max(10).default(5) }),
  body: z.object({ name: z.string().min(1), tags: z.array(z.string().max(3)).max(2) }).strict(),
});

const event = (o: { body?: string; type?: string; id?: string; query?: Record<string, string> }) =>
  ({
    headers: { 'content-type': o.type ?? 'application/json' },
    body: o.body,
    pathParameters: { id: o.id ?? '7' },
    queryStringParameters: o.query,
    isBase64Encoded: false,
  }) as never;

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    return e as DomainError;
  }
  throw new Error('expected a DomainError');
}

describe('parseRequest', () => {
  it('returns typed params, coerced query and the body', () => {
    const p = parseRequest(route, event({ body: '{"name":"a","tags":["x"]}', query: { limit: '3' } }));
    expect(p).toEqual({ params: { id: '7' }, query: { limit: 3 }, body: { name: 'a', tags: ['x'] } });
  });

  it('reports every bad field at once, with where it was', () => {
    const err = issuesOf(() => parseRequest(route, event({ id: 'abc', query: { limit: '99' }, body: '{"name":"","tags":["long!"],"extra":1}' })));
    expect(err.kind).toBe('invalid');
    const fields = err.options.fields!.map((f) => `${f.in}:${f.field}`).sort();
    expect(fields).toEqual(['body:extra', 'body:name', 'body:tags.0', 'path:id', 'query:limit']);
    // An unknown key is named itself, not its parent object (zod reports it on the parent).
    expect(err.options.fields!.find((f) => f.field === 'extra')).toMatchObject({ message: 'unknown field "extra"', code: 'unrecognized_keys' });
  });

  it('maps malformed JSON and wrong media types to 400 and 415', () => {
    expect(issuesOf(() => parseRequest(route, event({ body: '{' }))).options.code).toBe('invalid-json');
    expect(issuesOf(() => parseRequest(route, event({ body: 'a=1', type: 'text/plain' }))).kind).toBe('unsupported-media-type');
  });
});

describe('problems', () => {
  it('maps domain errors to status, type, field errors and Retry-After', () => {
    const res = problemFromDomainError(new DomainError('rate-limited', 'slow down', { retryAfterSeconds: 2.2, extra: { limit: 5 } }), 'req-1');
    expect(res.statusCode).toBe(429);
    expect(res.headers!['retry-after']).toBe('3');
    expect(res.headers!['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body!)).toMatchObject({ status: 429, type: expect.stringMatching(/rate-limited$/), requestId: 'req-1', limit: 5 });
  });

  it('never leaks internals in a 500', () => {
    const body = JSON.parse(internalProblem('req-2').body!);
    expect(body).toEqual({ type: expect.stringMatching(/internal$/), title: 'Internal Server Error', status: 500, detail: expect.any(String), requestId: 'req-2' });
  });
});

describe('AWS faults', () => {
  const meta = { $metadata: {} };
  it.each([
    ['DynamoDB throttling', new ProvisionedThroughputExceededException({ ...meta, message: 'x' })],
    ['DynamoDB request limit', new RequestLimitExceeded({ ...meta, message: 'x' })],
    ['DynamoDB 500', new InternalServerError({ ...meta, message: 'x' })],
    ['KMS internal', new KMSInternalException({ ...meta, message: 'x' })],
    ['KMS dependency timeout', new DependencyTimeoutException({ ...meta, message: 'x' })],
    ['KMS key unavailable', new KeyUnavailableException({ ...meta, message: 'x' })],
    ['an unnamed 5xx', Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } })],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: { attempts: 2 } })],
  ])('%s → 503 with Retry-After', (_name, err) => {
    const res = problemFromDomainError(awsUnavailable(err)!, 'req-3');
    expect(res.statusCode).toBe(503);
    expect(Number(res.headers!['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['a failed condition', new ConditionalCheckFailedException({ ...meta, message: 'x' })],
    ['a bad ciphertext', new InvalidCiphertextException({ ...meta, message: 'x' })],
    ['a plain bug', new TypeError('x')],
    ['a timeout outside the SDK', Object.assign(new Error('x'), { name: 'TimeoutError' })],
    ['a domain error', new DomainError('conflict', 'x')],
  ])('%s stays what it was', (_name, err) => {
    expect(awsUnavailable(err)).toBeUndefined();
  });
});

describe('loadEnv', () => {
  it('names every missing or invalid variable', () => {
    expect(() => loadEnv(['table', 'jobQueues'], { STAGE: 'x', AWS_REGION: 'r', JOB_QUEUE_URL_FREE: 'nope' })).toThrow(
      /TABLE_NAME.*JOB_QUEUE_URL_FREE|JOB_QUEUE_URL_FREE.*TABLE_NAME/,
    );
  });
  it('parses CSV allowlists', () => {
    const env = loadEnv(['edge'], { STAGE: 'x', AWS_REGION: 'r', ORIGIN_VERIFY_SECRET: 'x'.repeat(32), CORS_ALLOWED_ORIGINS: 'https://a.example, https://b.example', PUBLIC_URL: 'https://x.example' });
    expect(env.CORS_ALLOWED_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
  });
});
