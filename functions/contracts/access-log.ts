/**
 * The API-access log: one entry per authenticated API call (credential, operation,
 * status, latency, IP and user agent — the last two encrypted at rest), kept in
 * the workspace for its tier's audit retention. Listing needs `logs.read` (ADMIN+).
 */
import * as z from 'zod';
import { defineRoute } from './route';
import { Cursor, Id, IsoTime } from './common';

export const AccessEntry = z.object({
  at: IsoTime,
  requestId: z.string(),
  credentialKind: z.enum(['session', 'api-key']),
  credentialId: z.string(),
  userId: z.string(),
  operationId: z.string(),
  method: z.string(),
  status: z.number().int(),
  latencyMs: z.number().int(),
  ip: z.string(),
  userAgent: z.string(),
});

const Instant = z.iso.datetime({ offset: false, message: 'must be an ISO 8601 UTC time, e.g. 2026-01-31T12:00:00Z' });

export const listAccessLog = defineRoute({
  operationId: 'listAccessLog',
  permission: 'logs.read',
  method: 'GET',
  path: '/api/v1/workspaces/{workspaceId}/access-log',
  fn: 'workspaces',
  auth: 'user',
  tenancy: 'caller',
  scope: 'audit:read',
  summary: 'API calls made in a workspace, newest first, with filters (ADMIN)',
  tags: ['workspaces', 'logs'],
  params: z.object({ workspaceId: Id }),
  query: z
    .object({
      credentialId: z.string().min(1).max(64).optional(),
      operationId: z.string().min(1).max(64).optional(),
      status: z.coerce.number().int().min(100).max(599).optional(),
      from: Instant.optional(),
      to: Instant.optional(),
      cursor: Cursor.optional(),
      limit: z.coerce.number().int().min(1).max(100).default(50),
    })
    .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), { message: 'from must not be after to', path: ['from'] }),
  response: z.object({ entries: z.array(AccessEntry), nextCursor: z.string().nullable() }),
});

export const accessLogRoutes = [listAccessLog];
