/**
 * The access-log ingest (manifest function `accessLogIngest`): the destination of the log
 * subscription on every API function's log group (manifest `logSubscriptions`). Each log event is
 * one access line (access-line.ts); it becomes one entry (access-log.ts `accessEntry`), written in batches (store.ts).
 *
 * Delivery is at least once (CloudWatch Logs, then Lambda's asynchronous retries), so writing is
 * idempotent: an entry's key is its call's time and request id, and the batch writer (`store.ts`,
 * BatchWriteItem of 25) rewrites the same entry for a redelivered line. What each line gets:
 *   - a line that is not an access line, fails validation or does not authenticate: logged with its
 *     log event id and skipped (a retry would fail the same way); the other lines are written;
 *   - a line of a workspace whose keys were shredded: skipped (the workspace is gone);
 *   - a failed write (throttling, DynamoDB unavailable): the invocation fails, so Lambda delivers
 *     the event again (2 retries; the entries already written are rewritten) and then sends it to
 *     the function's on-failure queue (lib/log-subscriptions.ts), from which it can be replayed.
 * A payload that does not decode at all is logged and dropped: nothing in it can be read.
 */
import type { CloudWatchLogsDecodedData, CloudWatchLogsLogEvent, Context } from 'aws-lambda';
import { tableFromEnv } from '../aws/table';
import { KeyNotFoundError } from '../crypto/errors';
import type { Keyring } from '../crypto/keyring';
import { dataLayerFromEnv } from '../data/from-env';
import { logger } from '../observability/logger';
import { ACCESS_LOG_LINE } from '../platform/names';
import type { Tier } from '../platform/tiers';
import { accessEntry, type AccessEntryWrite, type AccessLogDeps } from './access-log';
import { openAccessLine } from './access-line';
import { accessLogDeps } from './deps';
import { createAccessEntryWriter, type AccessEntryWriter } from './store';
import { decodeSubscriptionEvent, MalformedSubscriptionError } from './subscription';

export interface IngestDeps {
  readonly keyring: Pick<Keyring, 'get'>;
  readonly tierOf: AccessLogDeps['tierOf'];
  readonly write: AccessEntryWriter;
}

export interface IngestReport {
  readonly lines: number;
  /** Entries written (or rewritten, for a redelivered line). */
  readonly written: number;
  /** Not an access line, malformed, not authentic, or of a shredded workspace: logged, never retried. */
  readonly skipped: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The `access` object of a log event. Lambda stores a Powertools line as written, whatever the
 * function's log format (Powertools writes JSON through a Console of its own, not the runtime's
 * console: https://docs.powertools.aws.dev/lambda/typescript/latest/core/logger/#aws-lambda-advanced-logging-controls-alc),
 * which is also what the subscription's filter pattern `{ $.message = "…" }` relies on.
 */
function accessOf(message: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  return isObject(parsed) && parsed.message === ACCESS_LOG_LINE ? parsed.access : undefined;
}

/** The entry of one log event, or undefined (logged) when it cannot be read. */
async function entryOf(deps: Pick<IngestDeps, 'keyring' | 'tierOf'>, event: CloudWatchLogsLogEvent, where: { logGroup: string }): Promise<AccessEntryWrite | undefined> {
  const at = { ...where, logEventId: event.id };
  const access = typeof event.message === 'string' ? accessOf(event.message) : undefined;
  if (access === undefined) {
    logger.warn('log event is not an access line: skipped', at);
    return undefined;
  }
  let call;
  try {
    call = await openAccessLine(deps.keyring, access);
  } catch (e) {
    // Malformed, tampered or of a shredded workspace: no retry can change it. Never log the line (sealed fields).
    const reason = e instanceof KeyNotFoundError ? 'workspace keys shredded' : (e as Error).name;
    logger.warn('access line cannot be read: skipped', { ...at, reason, error: e instanceof Error && e.name === 'ZodError' ? e.message : undefined });
    return undefined;
  }
  return accessEntry(deps, call);
}

/** Writes the entries of a batch's readable lines; throws (after logging) when the write fails, so the event comes again. */
export async function ingestAccessLines(deps: IngestDeps, data: CloudWatchLogsDecodedData): Promise<IngestReport> {
  const events = data.logEvents ?? [];
  // A batch names few workspaces: look each one's tier up once.
  const tiers = new Map<string, Promise<Tier | undefined>>();
  const tierOf = (id: string) => tiers.get(id) ?? (tiers.set(id, deps.tierOf(id)), tiers.get(id)!);
  const entries = (await Promise.all(events.map((e) => entryOf({ keyring: deps.keyring, tierOf }, e, { logGroup: data.logGroup })))).filter(
    (e): e is AccessEntryWrite => e !== undefined,
  );
  try {
    await deps.write(entries);
  } catch (e) {
    logger.error('access entries not written: the event will be delivered again', { logGroup: data.logGroup, entries: entries.length, error: e as Error });
    throw e;
  }
  return { lines: events.length, written: entries.length, skipped: events.length - entries.length };
}

let deps: IngestDeps | undefined;
const depsFromEnv = (): IngestDeps => {
  if (deps) return deps;
  const data = dataLayerFromEnv();
  return (deps = { keyring: data.keyring, tierOf: accessLogDeps(data.repo).tierOf, write: createAccessEntryWriter(tableFromEnv(), data.keyring) });
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
  // Each skipped line was logged on its own; the tally of a clean batch is debug detail.
  (report.skipped ? logger.info : logger.debug).call(logger, 'access lines ingested', { logGroup: data.logGroup, ...report });
  return report;
};
