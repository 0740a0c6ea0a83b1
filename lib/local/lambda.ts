/**
 * What Lambda does around a handler, locally: load the module once (a warm
 * container), build a Lambda-like context, enforce the function timeout.
 */
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { functions, type FunctionDef } from '../../functions/platform/manifest';
import { LOCAL_ACCOUNT_ID } from './kms';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyHandler = (event: any, context: Context, callback?: (err: unknown, result?: unknown) => void) => unknown;

/** Resolves a manifest function id (e.g. `system`) to its handler. */
export type HandlerResolver = (fnId: string, def: FunctionDef) => AnyHandler | Promise<AnyHandler>;

export const DEFAULT_FUNCTIONS_DIR = resolve(__dirname, '..', '..', 'functions');

/** The real path: `functions/<entry>.ts` → `handler`, loaded lazily and cached like a warm container. */
export function moduleHandlerResolver(functionsDir = DEFAULT_FUNCTIONS_DIR): HandlerResolver {
  const cache = new Map<string, AnyHandler>();
  return (fnId, def) => {
    const hit = cache.get(fnId);
    if (hit) return hit;
    // require() works under tsx (npm start) and under jest alike.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(functionsDir, def.entry));
    const handler = mod?.handler ?? mod?.default?.handler;
    if (typeof handler !== 'function') throw new Error(`flarevault: functions/${def.entry} does not export a handler`);
    cache.set(fnId, handler);
    return handler;
  };
}

export function functionDef(fnId: string): FunctionDef {
  const def = (functions as Record<string, FunctionDef>)[fnId];
  if (!def) throw new Error(`flarevault: manifest has no function ${fnId}`);
  return def;
}

export function lambdaName(fnId: string, stage = 'local'): string {
  return `flarevault-${stage}-${fnId}`;
}

export function lambdaContext(fnId: string, def: FunctionDef, region: string, deadline: number): Context {
  const name = lambdaName(fnId);
  const requestId = randomUUID();
  const notSupported = () => {
    throw new Error('flarevault local: legacy context.done/succeed/fail are not supported');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${name}`,
    memoryLimitInMB: String(def.memoryMb ?? 512),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]local`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: notSupported,
    fail: notSupported,
    succeed: notSupported,
  };
}

export class LambdaTimeoutError extends Error {
  constructor(fnId: string, seconds: number) {
    super(`Task timed out after ${seconds.toFixed(2)} seconds (${fnId})`);
    this.name = 'LambdaTimeoutError';
  }
}

/**
 * Invokes a handler like the Lambda runtime: async or callback style, with the
 * manifest's timeout. (Locally the timed-out promise keeps running; Lambda
 * would freeze it.)
 */
export async function invokeFunction(resolver: HandlerResolver, fnId: string, event: unknown, region = process.env.AWS_REGION ?? 'us-east-1'): Promise<unknown> {
  const def = functionDef(fnId);
  const handler = await resolver(fnId, def);
  const timeoutSeconds = def.timeoutSeconds ?? 10;
  const deadline = Date.now() + timeoutSeconds * 1000;
  const context = lambdaContext(fnId, def, region, deadline);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      new Promise((res, rej) => {
        const cb = (err: unknown, result?: unknown) => (err ? rej(err) : res(result));
        try {
          const out = handler(event, context, cb);
          if (out && typeof (out as Promise<unknown>).then === 'function') (out as Promise<unknown>).then(res, rej);
          else if (handler.length < 3) res(out);
        } catch (e) {
          rej(e);
        }
      }),
      new Promise((_, rej) => {
        timer = setTimeout(() => rej(new LambdaTimeoutError(fnId, timeoutSeconds)), timeoutSeconds * 1000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
