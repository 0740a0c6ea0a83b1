/**
 * `watch`: long-polls GET /sync/events (the server answers at the first event or after `wait`
 * seconds, at most 20) and hands each event on; the cursor is kept in state.json so a
 * restarted watch resumes where it stopped. A 410 cursor-expired (offline longer than the feed
 * keeps) restarts from now after a full pull; a 401 means this device was revoked.
 */
import type { SyncEvent } from './api';
import { problemSlug, type LinkedDevice } from './device';

export interface WatchOptions {
  readonly wait?: number;
  /** Stop after this many events (tests, scripts). */
  readonly maxEvents?: number;
  /** Stop after this many seconds. */
  readonly forSeconds?: number;
  readonly onEvent: (event: SyncEvent) => Promise<void> | void;
  /** Re-read everything (after a cursor expired). */
  readonly resync?: () => Promise<void>;
  readonly signal?: AbortSignal;
}

export type WatchEnd = 'max-events' | 'time' | 'revoked' | 'aborted';

export async function watch(device: LinkedDevice, o: WatchOptions): Promise<{ events: number; end: WatchEnd }> {
  const stopAt = o.forSeconds === undefined ? Infinity : Date.now() + o.forSeconds * 1000;
  let events = 0;
  // Polls at least once (`--for 0`: one poll that does not wait, e.g. to start the cursor at now).
  for (let first = true; ; first = false) {
    if (o.signal?.aborted) return { events, end: 'aborted' };
    const leftMs = stopAt - Date.now();
    if (!first && leftMs <= 0) return { events, end: 'time' };
    const wait = Math.min(o.wait ?? 20, Math.max(0, Math.floor(leftMs / 1000)));
    let page;
    try {
      page = await device.api.pollEvents(device.state.eventsCursor, wait);
    } catch (err) {
      if (problemSlug(err, 410) === 'cursor-expired') {
        device.state.eventsCursor = undefined;
        device.save();
        await o.resync?.();
        continue;
      }
      if (problemSlug(err, 401) !== undefined) return { events, end: 'revoked' };
      throw err;
    }
    for (const event of page.events) {
      events++;
      await o.onEvent(event);
      // Each event carries the cursor after it: stopping mid-page loses nothing.
      device.state.eventsCursor = event.cursor;
      device.save();
      if (event.event === 'device_revoked' && event.deviceId === device.state.deviceId) return { events, end: 'revoked' };
      if (o.maxEvents !== undefined && events >= o.maxEvents) return { events, end: 'max-events' };
    }
    device.state.eventsCursor = page.cursor;
    device.save();
  }
}
