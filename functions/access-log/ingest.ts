/**
 * The access-log ingest (manifest function `accessLogIngest`): the destination of the log
 * subscription on every API function's log group (manifest `logSubscriptions`). Each log event is
 * one access line (access-line.ts); it becomes one entry through `recordAccess`.
 *
 * Delivery is at least once (CloudWatch Logs, then Lambda's asynchronous retries), so a line is
 * written idempotently: the entry's key is its time and request id, written only if absent; a
 * redelivered line finds its entry and counts as a duplicate. What each line gets:
 *   - a line that is not an access line, fails validation or does not authenticate: logged with its
 *     log event id and skipped (a retry would fail the same way); the other lines are written;
 *   - a line of a workspace whose keys were shredded: skipped (the workspace is gone);
 *   - a failed write (throttling, DynamoDB unavailable): the invocation fails after the other lines
 *     are written, so Lambda retries the event (2 retries) and then sends it to the function's
 *     on-failure queue (lib/log-subscriptions.ts), from which it can be replayed.
 * A payload that does not decode at all is logged and dropped: nothing in it can be read.
 */
import type { CloudWatchLogsDecodedData, CloudWatchLogsLogEvent, Context } from 'aws-lambda';
import { KeyNotFoundError } from '../crypto/errors';
import type { Keyring } from '../crypto/keyring';
import { dataLayerFromEnv } from '../data/from-env';
import { ConflictError } from '../data/errors';
import { logger } from '../observability/logger';
import { ACCESS_LOG_LINE } from '../platform/names';
import { recordAccess, type AccessLogDeps } from './access-log';
import { openAccessLine } from './access-line';
import { accessLogDeps } from './deps';
import { decodeSubscriptionEvent, MalformedSubscriptionError } from './subscription';

export interface IngestDeps {
  readonly log: AccessLogDeps;
  readonly keyring: Pick<Keyring, 'get'>;
}

export interface IngestReport {
  readonly lines: number;
  readonly written: number;
  /** Already written by an earlier delivery. */
  readonly duplicates: number;
  /** Not an access line, malformed, not authentic, or of a shredded workspace: logged, never retried. */
  readonly skipped: number;
  /** Write failures: the invocation fails so the event is delivered again. */
  readonly failed: number;
}

/** Writes in flight per invocation. */
const PARALLEL_WRITES = 8;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The `access` object of a log event: the Powertools line as Lambda stores it, or (should the
 * runtime ever wrap it) the same line inside a `message` string.
 */
function accessOf(message: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (isObject(parsed) && parsed.message === ACCESS_LOG_LINE) return parsed.access;
  if (isObject(parsed) && typeof parsed.message === 'string' && parsed.message.startsWith('{')) return accessOf(parsed.message);
  return undefined;
}

type Outcome = 'written' | 'duplicate' | 'skipped' | 'failed';

async function ingestOne(deps: IngestDeps, event: CloudWatchLogsLogEvent, where: { logGroup: string }): Promise<Outcome> {
  const at = { ...where, logEventId: event.id };
  const access = typeof event.message === 'string' ? accessOf(event.message) : undefined;
  if (access === undefined) {
    logger.warn('log event is not an access line: skipped', at);
    return 'skipped';
  }
  let call;
  try {
    call = await openAccessLine(deps.keyring, access);
  } catch (e) {
    // Malformed, tampered or of a shredded workspace: no retry can change it. Never log the line (sealed fields).
    const reason = e instanceof KeyNotFoundError ? 'workspace keys shredded' : (e as Error).name;
    logger.warn('access line cannot be read: skipped', { ...at, reason, error: e instanceof Error && e.name === 'ZodError' ? e.message : undefined });
    return 'skipped';
  }
  try {
    await recordAccess(deps.log, call);
    return 'written';
  } catch (e) {
    if (e instanceof ConflictError && e.reason === 'exists') return 'duplicate';
    logger.error('access entry write failed: the event will be retried', { ...at, requestId: call.requestId, error: e as Error });
    return 'failed';
  }
}

export async function ingestAccessLines(deps: IngestDeps, data: CloudWatchLogsDecodedData): Promise<IngestReport> {
  const counts: Record<Outcome, number> = { written: 0, duplicate: 0, skipped: 0, failed: 0 };
  const events = data.logEvents ?? [];
  for (let i = 0; i < events.length; i += PARALLEL_WRITES) {
    const outcomes = await Promise.all(events.slice(i, i + PARALLEL_WRITES).map((e) => ingestOne(deps, e, { logGroup: data.logGroup })));
    for (const o of outcomes) counts[o]++;
  }
  return { lines: events.length, written: counts.written, duplicates: counts.duplicate, skipped: counts.skipped, failed: counts.failed };
}

let deps: IngestDeps | undefined;
const depsFromEnv = (): IngestDeps => {
  const data = dataLayerFromEnv();
  return (deps ??= { log: accessLogDeps(data.repo), keyring: data.keyring });
};

export const handler = async (event: unknown, context: Context): Promise<IngestReport | undefined> => {
  logger.addContext(context);
  let data: CloudWatchLogsDecodedData;
  try {
    data = decodeSubscriptionEvent(event);
  } catch (e) {
    if (!(e instanceof MalformedSubscriptionError)) throw e;
    logger.error('log subscription payload dropped', { reason: e.message });
    return undefined;
  }
  if (data.messageType !== 'DATA_MESSAGE') return undefined; // CONTROL_MESSAGE: CloudWatch Logs checking the destination
  const report = await ingestAccessLines(depsFromEnv(), data);
  logger.info('access lines ingested', { logGroup: data.logGroup, ...report });
  if (report.failed > 0) throw new Error(`${report.failed} of ${report.lines} access entries were not written; the event will be delivered again`);
  return report;
};
