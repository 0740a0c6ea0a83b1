/**
 * Abuse limits kept in the table (shared by every container):
 * - login failures per account and per IP, with a growing delay once a
 *   threshold is passed (429 + Retry-After), forgotten an hour after the last failure;
 * - API requests per user per minute, from the tier's limits (fixed window).
 * Keys hold only blind indexes (HMAC) of emails and IPs, never the values.
 */
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../errors';
import type { IdentityDeps } from './deps';

const FAILURE_MEMORY_MS = 3600_000;
export const ACCOUNT_FREE_FAILURES = 5;
export const IP_FREE_FAILURES = 30;
const MAX_DELAY_S = 900;

interface Counter {
  failures: number;
  lastFailureAt: number;
}

export interface LoginThrottleKeys {
  readonly account: string;
  readonly ip: string;
}

export async function loginThrottleKeys(deps: IdentityDeps, email: string, ip: string): Promise<LoginThrottleKeys> {
  const [account, ipIndex] = await Promise.all([deps.blind.blindIndex('email', email), deps.blind.blindIndex('exact', `ip:${ip}`)]);
  return { account: `RL#login-account#${account}`, ip: `RL#login-ip#${ipIndex}` };
}

/** Seconds to wait after `failures` consecutive failures, 0 while under the free allowance. */
export function delaySeconds(failures: number, free: number): number {
  if (failures < free) return 0;
  return Math.min(MAX_DELAY_S, 2 ** (failures - free + 1));
}

async function read(deps: IdentityDeps, pk: string): Promise<Counter | undefined> {
  const out = await deps.table.doc.send(new GetCommand({ TableName: deps.table.name, Key: { pk, sk: 'RL' }, ConsistentRead: true }));
  const item = out.Item as Counter | undefined;
  if (!item || deps.now() - item.lastFailureAt > FAILURE_MEMORY_MS) return undefined;
  return item;
}

/** Throws 429 while either counter is in its penalty window. */
export async function assertLoginAllowed(deps: IdentityDeps, keys: LoginThrottleKeys): Promise<void> {
  const [account, ip] = await Promise.all([read(deps, keys.account), read(deps, keys.ip)]);
  let wait = 0;
  for (const [c, free] of [[account, ACCOUNT_FREE_FAILURES], [ip, IP_FREE_FAILURES]] as const) {
    if (!c) continue;
    const until = c.lastFailureAt + delaySeconds(c.failures, free) * 1000;
    wait = Math.max(wait, (until - deps.now()) / 1000);
  }
  if (wait > 0) {
    throw new DomainError('rate-limited', 'Too many failed sign-in attempts; wait before trying again', {
      code: 'login-throttled',
      retryAfterSeconds: Math.ceil(wait),
    });
  }
}

export async function recordLoginFailure(deps: IdentityDeps, keys: LoginThrottleKeys): Promise<void> {
  const now = deps.now();
  await Promise.all(
    [keys.account, keys.ip].map((pk) =>
      deps.table.doc.send(
        new UpdateCommand({
          TableName: deps.table.name,
          Key: { pk, sk: 'RL' },
          // Forget failures older than the memory window: restart the count.
          UpdateExpression: 'SET failures = if_not_exists(failures, :zero) + :one, lastFailureAt = :now, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(pk) OR lastFailureAt > :stale',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':now': now, ':ttl': Math.ceil((now + FAILURE_MEMORY_MS * 2) / 1000), ':stale': now - FAILURE_MEMORY_MS },
        }),
      ).catch(async (err: Error) => {
        if (err.name !== 'ConditionalCheckFailedException') throw err;
        await deps.table.doc.send(
          new UpdateCommand({
            TableName: deps.table.name,
            Key: { pk, sk: 'RL' },
            UpdateExpression: 'SET failures = :one, lastFailureAt = :now, #ttl = :ttl',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':one': 1, ':now': now, ':ttl': Math.ceil((now + FAILURE_MEMORY_MS * 2) / 1000) },
          }),
        );
      }),
    ),
  );
}

export async function clearAccountFailures(deps: IdentityDeps, keys: LoginThrottleKeys): Promise<void> {
  await deps.table.doc.send(new DeleteCommand({ TableName: deps.table.name, Key: { pk: keys.account, sk: 'RL' } }));
}

/** Counts one API request; throws 429 past the tier's per-minute allowance. */
export async function countApiRequest(deps: IdentityDeps, userId: string, perMinute: number): Promise<void> {
  const now = deps.now();
  const minute = Math.floor(now / 60_000);
  const out = await deps.table.doc.send(
    new UpdateCommand({
      TableName: deps.table.name,
      Key: { pk: `T#user#${userId}`, sk: `RATE#${minute}` },
      UpdateExpression: 'ADD requests :one SET #ttl = :ttl, #e = :e',
      ExpressionAttributeNames: { '#e': '_e', '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':one': 1, ':ttl': (minute + 2) * 60, ':e': 'rate-window' },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const count = Number(out.Attributes?.requests ?? 0);
  if (count > perMinute) {
    throw new DomainError('rate-limited', `Rate limit of ${perMinute} requests per minute reached for your tier`, {
      code: 'rate-limited',
      retryAfterSeconds: Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000)),
      extra: { limit: perMinute, window: '1m' },
    });
  }
}

/**
 * Fixed-window allowance per client IP for unauthenticated actions that
 * create things or send mail (sign-up, password reset): 429 past `limit`.
 */
export async function countPerIp(deps: IdentityDeps, action: string, ip: string, limit: number, windowMs: number): Promise<void> {
  const now = deps.now();
  const window = Math.floor(now / windowMs);
  const ipIndex = await deps.blind.blindIndex('exact', `ip:${ip}`);
  const out = await deps.table.doc.send(
    new UpdateCommand({
      TableName: deps.table.name,
      Key: { pk: `RL#${action}#${ipIndex}`, sk: `W#${window}` },
      UpdateExpression: 'ADD requests :one SET #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':one': 1, ':ttl': Math.ceil(((window + 2) * windowMs) / 1000) },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  if (Number(out.Attributes?.requests ?? 0) > limit) {
    throw new DomainError('rate-limited', `Too many ${action} requests from this address; try again later`, {
      code: 'rate-limited',
      retryAfterSeconds: Math.ceil(((window + 1) * windowMs - now) / 1000),
      extra: { limit, window: `${Math.round(windowMs / 60_000)}m` },
    });
  }
}
