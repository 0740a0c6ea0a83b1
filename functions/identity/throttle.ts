/**
 * Abuse limits kept in the table (shared by every container):
 * - secret checks (sign-in, current password, TOTP, recovery codes) per account
 *   and per IP: each check first takes an attempt slot with one conditional
 *   write, so concurrent attempts cannot all pass one read; a wrong secret keeps
 *   its slot (it is the failure), a right one gives it back. Past a threshold
 *   a growing delay applies (429 + Retry-After); forgotten an hour after the last attempt;
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
/** Rounds of read + conditional write when other attempts keep moving the counter. */
const SLOT_ROUNDS = 5;

/** `failures` counts wrong secrets plus attempts still being checked. */
interface Counter {
  failures: number;
  lastFailureAt: number;
}

export interface LoginThrottleKeys {
  readonly account: string;
  readonly ip: string;
}

/** The account's counter follows its email, so sign-in and the signed-in checks share it. */
export async function loginThrottleKeys(deps: IdentityDeps, email: string, ip: string): Promise<LoginThrottleKeys> {
  const [account, ipIndex] = await Promise.all([deps.blind.blindIndex('email', email), deps.blind.blindIndex('exact', `ip:${ip}`)]);
  return { account: `RL#login-account#${account}`, ip: `RL#login-ip#${ipIndex}` };
}

/** Seconds to wait after `failures` consecutive failures, 0 while under the free allowance. */
export function delaySeconds(failures: number, free: number): number {
  if (failures < free) return 0;
  return Math.min(MAX_DELAY_S, 2 ** (failures - free + 1));
}

const throttled = (waitSeconds: number) =>
  new DomainError('rate-limited', 'Too many failed attempts; wait before trying again', {
    code: 'login-throttled',
    retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)),
  });

async function read(deps: IdentityDeps, pk: string, now: number): Promise<Counter | undefined> {
  const out = await deps.table.doc.send(new GetCommand({ TableName: deps.table.name, Key: { pk, sk: 'RL' }, ConsistentRead: true }));
  const item = out.Item as Counter | undefined;
  if (!item || now - item.lastFailureAt > FAILURE_MEMORY_MS) return undefined;
  return item;
}

/**
 * One conditional write that takes the slot only if the counter is still in
 * the state `seen` judged: absent or forgotten → 1; under the free allowance →
 * +1 while still under it (concurrent takers share the allowance exactly);
 * past it → +1 only if nobody moved it since (one taker per penalty window).
 */
async function reserve(deps: IdentityDeps, pk: string, seen: Counter | undefined, free: number, now: number): Promise<boolean> {
  const ttl = Math.ceil((now + FAILURE_MEMORY_MS * 2) / 1000);
  const common = { TableName: deps.table.name, Key: { pk, sk: 'RL' }, ExpressionAttributeNames: { '#ttl': 'ttl' } };
  const command = !seen
    ? new UpdateCommand({
        ...common,
        UpdateExpression: 'SET failures = :one, lastFailureAt = :now, #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(pk) OR lastFailureAt < :stale',
        ExpressionAttributeValues: { ':one': 1, ':now': now, ':ttl': ttl, ':stale': now - FAILURE_MEMORY_MS },
      })
    : seen.failures < free
      ? new UpdateCommand({
          ...common,
          UpdateExpression: 'SET failures = failures + :one, lastFailureAt = :now, #ttl = :ttl',
          ConditionExpression: 'failures < :free AND lastFailureAt >= :stale',
          ExpressionAttributeValues: { ':one': 1, ':now': now, ':ttl': ttl, ':free': free, ':stale': now - FAILURE_MEMORY_MS },
        })
      : new UpdateCommand({
          ...common,
          UpdateExpression: 'SET failures = :next, lastFailureAt = :now, #ttl = :ttl',
          ConditionExpression: 'failures = :seen AND lastFailureAt = :seenAt',
          ExpressionAttributeValues: { ':next': seen.failures + 1, ':now': now, ':ttl': ttl, ':seen': seen.failures, ':seenAt': seen.lastFailureAt },
        });
  try {
    await deps.table.doc.send(command);
    return true;
  } catch (err) {
    if ((err as Error).name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}

async function takeSlot(deps: IdentityDeps, pk: string, free: number): Promise<void> {
  for (let round = 0; round < SLOT_ROUNDS; round++) {
    const now = deps.now();
    const seen = await read(deps, pk, now);
    const waitMs = seen ? seen.lastFailureAt + delaySeconds(seen.failures, free) * 1000 - now : 0;
    if (waitMs > 0) throw throttled(waitMs / 1000);
    if (await reserve(deps, pk, seen, free, now)) return;
  }
  throw throttled(1);
}

async function giveBack(deps: IdentityDeps, pk: string): Promise<void> {
  await deps.table.doc
    .send(
      new UpdateCommand({
        TableName: deps.table.name,
        Key: { pk, sk: 'RL' },
        UpdateExpression: 'SET failures = failures - :one',
        // Cleared or forgotten meanwhile: nothing left to give back.
        ConditionExpression: 'failures > :zero',
        ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
      }),
    )
    .catch((err: Error) => {
      if (err.name !== 'ConditionalCheckFailedException') throw err;
    });
}

/**
 * Takes one attempt slot on the account and on the IP counter before a secret
 * is checked; throws 429 (and takes nothing) while either is in its penalty window.
 */
export async function takeAttemptSlots(deps: IdentityDeps, keys: LoginThrottleKeys): Promise<void> {
  const taken = await Promise.allSettled([takeSlot(deps, keys.account, ACCOUNT_FREE_FAILURES), takeSlot(deps, keys.ip, IP_FREE_FAILURES)]);
  const refused = taken.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (refused.length === 0) return;
  await Promise.all([keys.account, keys.ip].filter((_, i) => taken[i]!.status === 'fulfilled').map((pk) => giveBack(deps, pk)));
  const unexpected = refused.find((e) => !(e instanceof DomainError && e.kind === 'rate-limited'));
  if (unexpected) throw unexpected;
  throw throttled(Math.max(...refused.map((e) => (e as DomainError).options.retryAfterSeconds ?? 1)));
}

/** The secret was right: the attempt was no failure. */
export async function giveBackAttemptSlots(deps: IdentityDeps, keys: LoginThrottleKeys): Promise<void> {
  await Promise.all([giveBack(deps, keys.account), giveBack(deps, keys.ip)]);
}

/** A complete sign-in forgets the account's failures and gives the IP slot back. */
export async function clearAccountFailures(deps: IdentityDeps, keys: LoginThrottleKeys): Promise<void> {
  await Promise.all([
    deps.table.doc.send(new DeleteCommand({ TableName: deps.table.name, Key: { pk: keys.account, sk: 'RL' } })),
    giveBack(deps, keys.ip),
  ]);
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
