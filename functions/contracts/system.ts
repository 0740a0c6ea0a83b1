import { z } from 'zod';
import { defineRoute } from './route';

export const DependencyStatus = z.object({
  name: z.enum(['dynamodb', 'sqs', 's3', 'kms']),
  ok: z.boolean(),
  latencyMs: z.number(),
  error: z.string().max(500).optional(),
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
  summary: 'Reports each dependency (DynamoDB, SQS, S3, KMS) as ok or failing, with latency',
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
