/**
 * Abuse limits kept in the table (shared by every container):
 * - secret checks (sign-in, current password, TOTP, recovery codes) per account
 *   and per IP: each check first takes an attempt slot with one conditional
 *   write, so concurrent attempts cannot all pass one read; a wrong secret keeps
 *   its slot (it is the failure), a right one gives it back. Past a threshold
 *   a growing delay applies (429 + Retry-After); forgotten an hour after the last attempt;
 * - API requests per user per minute, from the tier's limits (fixed window),
 *   counted in memory and flushed as atomic increments (see countApiRequest).
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

/**
 * The common case in one write, no read: the counter is absent, or fresh and under the
 * free allowance (the first two cases of `reserve`). Anything else is left to the read
 * + conditional write rounds.
 */
async function reserveUnderAllowance(deps: IdentityDeps, pk: string, free: number, now: number): Promise<boolean> {
  try {
    await deps.table.doc.send(
      new UpdateCommand({
        TableName: deps.table.name,
        Key: { pk, sk: 'RL' },
        UpdateExpression: 'SET failures = if_not_exists(failures, :zero) + :one, lastFailureAt = :now, #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(pk) OR (failures < :free AND lastFailureAt >= :stale)',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':zero': 0,
          ':one': 1,
          ':now': now,
          ':ttl': Math.ceil((now + FAILURE_MEMORY_MS * 2) / 1000),
          ':free': free,
          ':stale': now - FAILURE_MEMORY_MS,
        },
      }),
    );
    return true;
  } catch (err) {
    if ((err as Error).name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}

async function takeSlot(deps: IdentityDeps, pk: string, free: number): Promise<void> {
  if (await reserveUnderAllowance(deps, pk, free, deps.now())) return;
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

/**
 * Per-user API request counting without a write per request. Each container
 * counts in memory and adds its count to the user's minute item with one
 * atomic ADD (which answers the table's total) every `flushEvery` requests
 * (1/60 of the allowance: about a second's worth at the allowed rate), when
 * its last flush is a second old, and on every request once the total comes
 * within `flushEvery` of the allowance. A request is refused when the last
 * total seen plus this container's unflushed count reaches the allowance:
 * counts only grow within a window, so that is never a wrong refusal.
 * Tolerance: a container only admits unseen by others the requests it has not
 * flushed yet (fewer than `flushEvery`), so K containers serving one user
 * admit at most allowance + K × (flushEvery − 1) requests in a minute.
 */
interface MinuteCount {
  readonly minute: number;
  /** The table's total at the last flush (every container's flushed requests). */
  seen: number;
  /** Admitted here, not yet added to the table. */
  unflushed: number;
  lastFlushAt: number;
}

const FLUSH_AGE_MS = 1_000;
export const flushEvery = (perMinute: number) => Math.max(1, Math.floor(perMinute / 60));

/** One map per deps (a container has one): tests with their own deps and clocks count apart. */
const apiCounts = new WeakMap<object, Map<string, MinuteCount>>();

/** Where a caller's minute counters live: its partition and the sort-key prefix of the minute items. */
interface RateCounter {
  readonly pk: string;
  readonly skPrefix: string;
}

async function addToMinute(deps: Pick<IdentityDeps, 'table'>, counter: RateCounter, minute: number, n: number): Promise<number> {
  const out = await deps.table.doc.send(
    new UpdateCommand({
      TableName: deps.table.name,
      Key: { pk: counter.pk, sk: `${counter.skPrefix}${minute}` },
      UpdateExpression: 'ADD requests :n SET #ttl = :ttl, #e = :e',
      ExpressionAttributeNames: { '#e': '_e', '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':n': n, ':ttl': (minute + 2) * 60, ':e': 'rate-window' },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(out.Attributes?.requests ?? 0);
}

/** Counts one API request; throws 429 past the tier's per-minute allowance (within the tolerance above). */
export function countApiRequest(deps: Pick<IdentityDeps, 'table' | 'now'>, userId: string, perMinute: number): Promise<void> {
  return countPerMinute(deps, { pk: `T#user#${userId}`, skPrefix: 'RATE#' }, perMinute, `Rate limit of ${perMinute} requests per minute reached for your tier`);
}

/**
 * Counts one Session API request of an application user (end user or automation credential),
 * in the application's workspace partition; 429 past the tier's per-minute allowance.
 */
export function countAppRequest(deps: Pick<IdentityDeps, 'table' | 'now'>, workspaceId: string, applicationId: string, appUserId: string, perMinute: number): Promise<void> {
  return countPerMinute(
    deps,
    { pk: `T#workspace#${workspaceId}`, skPrefix: `RATE#${applicationId}#${appUserId}#` },
    perMinute,
    `Rate limit of ${perMinute} Session API requests per minute per user reached for this workspace's tier`,
  );
}

async function countPerMinute(deps: Pick<IdentityDeps, 'table' | 'now'>, counter: RateCounter, perMinute: number, message: string): Promise<void> {
  const now = deps.now();
  const minute = Math.floor(now / 60_000);
  let counts = apiCounts.get(deps);
  if (!counts) apiCounts.set(deps, (counts = new Map()));
  const key = counter.pk + counter.skPrefix;
  let c = counts.get(key);
  if (!c || c.minute !== minute) {
    if (counts.size > 10_000) counts.clear(); // bounded memory; a cleared user's next request flushes
    counts.set(key, (c = { minute, seen: 0, unflushed: 0, lastFlushAt: -Infinity }));
  }
  const limited = () =>
    new DomainError('rate-limited', message, {
      code: 'rate-limited',
      retryAfterSeconds: Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000)),
      extra: { limit: perMinute, window: '1m' },
    });
  const every = flushEvery(perMinute);
  if (c.seen + c.unflushed >= perMinute) throw limited();
  c.unflushed++;
  const due = c.unflushed >= every || now - c.lastFlushAt >= FLUSH_AGE_MS || c.seen + c.unflushed + every > perMinute;
  if (!due) return;
  const n = c.unflushed;
  c.unflushed -= n;
  c.lastFlushAt = now;
  try {
    c.seen = Math.max(c.seen, await addToMinute(deps, counter, minute, n));
  } catch (err) {
    c.unflushed += n; // counted again by the next flush
    throw err;
  }
  if (c.seen > perMinute) throw limited();
}

/**
 * Fixed-window allowance per client IP for unauthenticated actions that
 * create things or send mail (sign-up, password reset): 429 past `limit`.
 */
export function countPerIp(deps: IdentityDeps, action: string, ip: string, limit: number, windowMs: number): Promise<void> {
  return countPerSubject(deps, action, `ip:${ip}`, limit, windowMs, 'from this address');
}

/** Fixed-window allowance per email address (known or not: the same count either way) for mail-sending actions: 429 past `limit`. */
export async function countPerEmail(deps: IdentityDeps, action: string, email: string, limit: number, windowMs: number): Promise<void> {
  return countPerSubject(deps, action, `email:${email.trim().toLowerCase()}`, limit, windowMs, 'for this address');
}

/** Fixed-window allowance per user for an action that could be used to guess (device user codes): 429 past `limit`. */
export function countPerUser(deps: IdentityDeps, action: string, userId: string, limit: number, windowMs: number): Promise<void> {
  return countPerSubject(deps, action, `user:${userId}`, limit, windowMs, 'for this account');
}

async function countPerSubject(deps: IdentityDeps, action: string, subject: string, limit: number, windowMs: number, whose: string): Promise<void> {
  const now = deps.now();
  const window = Math.floor(now / windowMs);
  const ipIndex = await deps.blind.blindIndex('exact', subject);
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
    throw new DomainError('rate-limited', `Too many ${action} requests ${whose}; try again later`, {
      code: 'rate-limited',
      retryAfterSeconds: Math.ceil(((window + 1) * windowMs - now) / 1000),
      extra: { limit, window: `${Math.round(windowMs / 60_000)}m` },
    });
  }
}
