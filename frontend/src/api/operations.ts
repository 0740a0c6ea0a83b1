/**
 * Typed API operations: `call('createJob', { body })` finds the method and
 * path in the generated table and takes its params, query, body and response
 * types from the contract's zod schemas (`z.input` for what is sent, `z.output`
 * for what comes back). The contracts and zod are imported as types only, so
 * neither reaches the bundle; pages never spell an API path.
 */
import type { z } from 'zod';
import { operationPath as fillPath } from '../../core/operation-path';
import { OPERATIONS, type OperationId } from '../../core/operations.gen';
import { request, send, type RequestOptions } from './client';
import type { OperationRoutes } from './operation-types.gen';

export type { OperationId };

/** The schema a route declares under `key`, or never when it declares none (the route type then holds the bare `z.ZodType` default). */
type SchemaOf<Op extends OperationId, Key extends 'params' | 'query' | 'body' | 'response'> =
  OperationRoutes[Op] extends { readonly [K in Key]?: infer S } ? (S extends z.ZodType ? (z.ZodType extends S ? never : S) : never) : never;

/** Path parameters by name; each becomes one encoded path segment. */
export type OperationParams<Op extends OperationId> = [SchemaOf<Op, 'params'>] extends [never] ? never : { [K in keyof z.input<SchemaOf<Op, 'params'>>]: string | number };
export type OperationQuery<Op extends OperationId> = [SchemaOf<Op, 'query'>] extends [never] ? never : z.input<SchemaOf<Op, 'query'>>;
export type OperationBody<Op extends OperationId> = [SchemaOf<Op, 'body'>] extends [never] ? never : z.input<SchemaOf<Op, 'body'>>;
/** The success body; `void` for routes without one (e.g. 204). */
export type OperationResponse<Op extends OperationId> = [SchemaOf<Op, 'response'>] extends [never] ? void : z.output<SchemaOf<Op, 'response'>>;

/** Present only when the route declares it; params and body are then required, query stays optional. */
type Part<T, Key extends string, Required extends boolean> = [T] extends [never] ? { [K in Key]?: never } : Required extends true ? { [K in Key]: T } : { [K in Key]?: T };

export type OperationArgs<Op extends OperationId> = Part<OperationParams<Op>, 'params', true> &
  Part<OperationQuery<Op>, 'query', false> &
  Part<OperationBody<Op>, 'body', true> &
  Pick<RequestOptions, 'signal' | 'quietAuth'>;

/** The args may be left out when nothing in them is required. */
type ArgsParam<Op extends OperationId> = [OperationParams<Op> | OperationBody<Op>] extends [never] ? [args?: OperationArgs<Op>] : [args: OperationArgs<Op>];

/** The path with its `{name}` parameters filled in, each encoded as one segment. */
export function operationPath<Op extends OperationId>(op: Op, params?: OperationParams<Op>): string {
  return fillPath(op, params as Record<string, string | number> | undefined);
}

function requestOf<Op extends OperationId>(op: Op, args: Partial<OperationArgs<Op>> = {}): [string, string, RequestOptions] {
  const { method } = OPERATIONS[op];
  const { params, query, body, ...opts } = args as { params?: OperationParams<Op>; query?: RequestOptions['query']; body?: unknown } & RequestOptions;
  // A POST always carries a JSON body, `{}` when the route takes none: the dashboard has always sent one.
  return [method, operationPath(op, params), { ...opts, query, body: body ?? (method === 'POST' ? {} : undefined) }];
}

/** Calls an operation and returns its parsed success body; throws ApiError otherwise. */
export function call<Op extends OperationId>(op: Op, ...[args]: ArgsParam<Op>): Promise<OperationResponse<Op>> {
  return request<OperationResponse<Op>>(...requestOf(op, args));
}

/** Calls an operation and returns the raw Response (for non-JSON bodies, e.g. the BIND export). */
export function sendOperation<Op extends OperationId>(op: Op, ...[args]: ArgsParam<Op>): Promise<Response> {
  return send(...requestOf(op, args));
}
