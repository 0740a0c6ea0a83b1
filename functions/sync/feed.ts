/**
 * The events feed (issue 16 item 6): what changed in a user's sync data after a cursor, as a
 * long-poll. Reads the `SYNCEV#` items events.ts writes in each change's transaction.
 *
 *   pollEvents(deps, subject, { after?, wait }) -> { events, cursor }
 *       no `after`: the cursor of now, no events, at once (poll with it, then read heads);
 *       events after the cursor: answered at once (at most PAGE); none: the query runs again (250 ms,
 *       doubling to 1 s) until `wait` seconds (≤ MAX_WAIT_SECONDS) have passed, then
 *       { events: [], cursor } with the cursor moved past what was skipped.
 *       400 for a cursor this feed did not issue; 410 cursor-expired once it is older than
 *       the events kept (EVENT_TTL_SECONDS): re-read heads and history status, start again.
 *
 * A device does not get its own events: it made those changes and knows them; the cursor
 * still moves past them. Expired events (TTL deletion lags by up to days) are never
 * returned: the repository drops an item past its `ttl` on read.
 *
 * An event becomes visible SETTLE_MS after its stamp. The stamp is taken before the change
 * commits (and a large blob's upload), so an event may land just BEHIND a cursor already
 * handed out; waiting until it is SETTLE_MS old means every event stamped before the
 * cursor has committed by then, and none is skipped. It costs up to SETTLE_MS of latency.
 * A write whose commit takes longer than that after its stamp (the SDK's retries of a stalled
 * DynamoDB call) can still land behind a cursor: its event is then skipped, never its data —
 * events are wake-ups; a client pulls snapshot heads `since` its own cursor (CLOCK_SKEW_MS
 * behind) and compares history indexes, which find every committed change.
 *
 * The cursor is opaque to clients: base64url of the sort key of the last event passed.
 */
import { DomainError } from '../errors';
import type { SyncDeps } from './deps';
import { checkSubject, type SyncSubject } from './entities';
import { EVENT_TTL_SECONDS, eventSkAfter, SyncEventEntity, type SyncEventItem } from './events';

/** The longest wait: HTTP APIs time an integration out at 30 s (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html). */
export const MAX_WAIT_SECONDS = 20;
/** How old an event must be before the feed shows it (see above). */
export const SETTLE_MS = 1_000;
/** Re-query delays while nothing is there: 250 ms, doubling, at most 1 s. */
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 1_000;
/** Events read per query; a full page is answered at once (the client polls again). */
const PAGE = 200;

export interface FeedDeps extends Pick<SyncDeps, 'repo' | 'now'> {
  /** Waits between queries (tests pass a fake clock's). */
  readonly sleep: (ms: number) => Promise<void>;
}

export interface FeedEvent {
  readonly cursor: string;
  readonly event: SyncEventItem['event'];
  readonly at: string;
  readonly deviceId: string;
  readonly type?: string;
  readonly id?: string;
  readonly version?: number;
  readonly maxIdx?: number;
}

const SK_RE = /^SYNCEV#(\d{13})#[A-Za-z0-9_-]{0,16}$/;

const encodeCursor = (sk: string) => Buffer.from(sk, 'utf8').toString('base64url');

function decodeCursor(after: string): { sk: string; ms: number } {
  const sk = /^[A-Za-z0-9_-]{1,200}$/.test(after) ? Buffer.from(after, 'base64url').toString('utf8') : '';
  const m = SK_RE.exec(sk);
  if (!m) {
    throw new DomainError('invalid', 'after is the cursor of a previous answer of this feed', {
      fields: [{ in: 'query', field: 'after', message: 'must be a cursor this feed returned', code: 'invalid-cursor' }],
    });
  }
  return { sk, ms: Number(m[1]) };
}

const msOf = (sk: string) => Number(sk.slice('SYNCEV#'.length, 'SYNCEV#'.length + 13));

export async function pollEvents(deps: FeedDeps, subject: SyncSubject, input: { after?: string; wait?: number }): Promise<{ events: FeedEvent[]; cursor: string }> {
  checkSubject(subject);
  const wait = Math.min(Math.max(input.wait ?? MAX_WAIT_SECONDS, 0), MAX_WAIT_SECONDS);
  const started = deps.now();
  if (input.after === undefined) return { events: [], cursor: encodeCursor(eventSkAfter(started - SETTLE_MS)) };
  let { sk: cursorSk, ms } = decodeCursor(input.after);
  if (ms < started - EVENT_TTL_SECONDS * 1000) {
    throw new DomainError('gone', 'This cursor is older than the events the feed keeps; read the heads and history status again, then poll without `after`', {
      code: 'cursor-expired',
    });
  }
  const deadline = started + wait * 1000;
  for (let delay = FIRST_DELAY_MS; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    const settled = deps.now() - SETTLE_MS;
    const page = await deps.repo.query(subject.tenant, SyncEventEntity, { skPrefix: 'SYNCEV#', startAfterSk: cursorSk, limit: PAGE, consistent: true });
    const events: FeedEvent[] = [];
    let unsettled: number | undefined;
    for (const e of page.items) {
      if (msOf(e.sk) > settled) {
        unsettled = msOf(e.sk);
        break;
      }
      cursorSk = e.sk;
      if (e.deviceId !== subject.deviceId) events.push({ cursor: encodeCursor(e.sk), event: e.event, at: e.at, deviceId: e.deviceId, ...e.detail });
    }
    if (events.length > 0) return { events, cursor: encodeCursor(cursorSk) };
    // A full page of this device's own events: read on at once.
    if (page.items.length === PAGE && unsettled === undefined) continue;
    // Nothing yet: sleep, but no longer than until an unsettled event settles or the wait ends.
    const now = deps.now();
    if (now >= deadline) return { events, cursor: encodeCursor(cursorSk) };
    const untilSettled = unsettled === undefined ? delay : Math.max(unsettled + SETTLE_MS - now + 1, 1);
    await deps.sleep(Math.min(delay, untilSettled, deadline - now));
  }
}
