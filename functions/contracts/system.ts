import * as z from 'zod';
import { defineRoute } from './route';

export const DependencyStatus = z.object({
  name: z.enum(['dynamodb', 'sqs', 's3', 'kms']),
  ok: z.boolean(),
  latencyMs: z.number(),
  error: z.string().max(500).optional(),
});

/** Seconds the public health answer may be reused: by the function, by CloudFront and by browsers (Cache-Control). */
export const PUBLIC_HEALTH_MAX_AGE_SECONDS = 5;

/** The public, shallow answer: no dependency names or latencies for anonymous callers. */
export const PublicHealth = z.object({
  status: z.enum(['ok', 'degraded']),
  stage: z.string(),
});

export const HealthReport = z.object({
  status: z.enum(['ok', 'degraded']),
  stage: z.string(),
  dependencies: z.array(DependencyStatus),
});

export const getHealth = defineRoute({
  operationId: 'getHealth',
  method: 'GET',
  path: '/api/health',
  fn: 'system',
  auth: 'public',
  summary:
    'Shallow check: the API answers and its table is reachable (one DescribeTable at most every few seconds per container); ' +
    'cached for 5 s (Cache-Control, and by CloudFront). The dependency report is GET /api/v1/system/health',
  tags: ['system'],
  response: PublicHealth,
});

export const getDependencyHealth = defineRoute({
  operationId: 'getDependencyHealth',
  method: 'GET',
  path: '/api/v1/system/health',
  fn: 'auth',
  auth: 'session',
  tenancy: 'caller',
  permission: null,
  summary:
    'Deep check for operators: probes each dependency (DynamoDB, SQS, S3, KMS) and reports ok or failing with latency. ' +
    'A few checks per window per container; beyond that 429 with Retry-After',
  tags: ['system'],
  response: HealthReport,
});

export const getOpenApi = defineRoute({
  operationId: 'getOpenApi',
  method: 'GET',
  path: '/api/openapi.json',
  fn: 'system',
  auth: 'public',
  summary: 'OpenAPI 3.1 document generated from the route contracts',
  tags: ['system'],
});
