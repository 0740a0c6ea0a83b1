/**
 * Runs a manifest function's real handler inside the test process as one
 * fresh container: `jest.isolateModules` gives it its own AWS clients, caches
 * and env parse, and `env` overrides (e.g. an AWS endpoint pointed at a
 * stalled server) apply while it loads and while each request runs. Requests
 * go through `invokeFunction`, so the function's timeout holds as locally.
 */
import { join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as AwsClients from '../../functions/aws/client-dynamodb';
import type { RouteDef } from '../../functions/contracts/route';
import { buildHttpApiEvent } from '../../lib/local/gateway';
import { DEFAULT_FUNCTIONS_DIR, functionDef, invokeFunction, type AnyHandler } from '../../lib/local/lambda';
import { localStackEnv } from '../setup/env';

async function withEnv<T>(env: Readonly<Record<string, string>>, run: () => T | Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await run();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

export interface InProcessRequest {
  /** Concrete path; defaults to the route's path (for routes without params). */
  readonly path?: string;
  readonly pathParameters?: Record<string, string>;
  readonly query?: string;
  readonly body?: unknown;
  readonly token?: string;
}

export interface InProcessFunction {
  /** This container's own DynamoDB clients module (add SDK middleware to observe its calls). */
  readonly clients: typeof AwsClients;
  invoke(route: RouteDef, req?: InProcessRequest): Promise<APIGatewayProxyStructuredResultV2>;
}

export async function inProcessFunction(fnId: string, env: Readonly<Record<string, string>> = {}): Promise<InProcessFunction> {
  let handler: AnyHandler | undefined;
  let clients: typeof AwsClients | undefined;
  await withEnv(env, () =>
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      handler = require(join(DEFAULT_FUNCTIONS_DIR, functionDef(fnId).entry)).handler as AnyHandler;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      clients = require('../../functions/aws/client-dynamodb') as typeof AwsClients;
    }),
  );
  const secret = localStackEnv().originVerifySecret;
  return {
    clients: clients!,
    invoke: (route, req = {}) => {
      const headers = ['host', '127.0.0.1', 'user-agent', 'jest-in-process'];
      if (req.body !== undefined) headers.push('content-type', 'application/json');
      if (req.token) headers.push('authorization', `Bearer ${req.token}`);
      const event = buildHttpApiEvent({
        method: route.method,
        rawUrl: (req.path ?? route.path) + (req.query ? `?${req.query}` : ''),
        rawHeaders: headers,
        body: Buffer.from(req.body === undefined ? '' : JSON.stringify(req.body)),
        sourceIp: '127.0.0.1',
        httpVersion: '1.1',
        routeKey: `${route.method} ${route.path}`,
        pathParameters: req.pathParameters,
        originVerifySecret: secret,
      });
      return withEnv(env, () => invokeFunction(() => handler!, fnId, event) as Promise<APIGatewayProxyStructuredResultV2>);
    },
  };
}
