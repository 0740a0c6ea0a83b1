/**
 * The events feed (functions/sync/feed.ts) against DynamoDB Local, on a fake clock: cursors,
 * a device's own events skipped, the long-poll's waits (250 ms doubling to 1 s, bounded by
 * `wait`), events shown once settled, expired events (TTL) never shown, 400 for a foreign
 * cursor, 410 cursor-expired past EVENT_TTL_SECONDS.
 */
import { randomUUID } from 'node:crypto';
import { userTenant } from '../../functions/tenancy/tenant';
import type { SyncSubject } from '../../functions/sync/entities';
import { addEvent, EVENT_TTL_SECONDS, eventSkAfter, SyncEventEntity } from '../../functions/sync/events';
import { MAX_WAIT_SECONDS, pollEvents, SETTLE_MS, type FeedDeps } from '../../functions/sync/feed';
import { DomainError } from '../../functions/errors';
import { outcome } from './domain-outcome';
import { layer } from './data-fixtures';

const dl = layer();
const T0 = 1_800_000_000_000;

function fakeClock(start = T0) {
  const clock = { now: start, sleeps: [] as number[] };
  const deps: FeedDeps = {
    repo: dl.repo,
    now: () => clock.now,
    sleep: async (ms) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
  };
  return { clock, deps };
}

const subjects = () => {
  const tenant = userTenant(`u-${randomUUID()}`);
  return { a: { tenant, deviceId: 'dev-a' } as SyncSubject, b: { tenant, deviceId: 'dev-b' } as SyncSubject };
};

const emit = (s: SyncSubject, ms: number, event: 'data_updated' | 'config_changed' = 'data_updated', detail = {}) => addEvent(dl.repo.tx(s.tenant), ms, s, event, detail).commit();

describe('sync events feed', () => {
  it("no `after`: the cursor of now at once; then the other device's events after it, its own skipped, each once", async () => {
    const { a, b } = subjects();
    const { clock, deps } = fakeClock();
    await emit(a, T0 - 5_000); // before the cursor
    const start = await pollEvents(deps, b, {});
    expect(start.events).toEqual([]);
    expect(clock.sleeps).toEqual([]);
    await emit(a, T0 + 10, 'data_updated', { type: 'secret', id: 'x', version: 2 });
    await emit(b, T0 + 20);
    await emit(a, T0 + 30, 'config_changed');
    clock.now += SETTLE_MS + 100;
    const got = await pollEvents(deps, b, { after: start.cursor, wait: 0 });
    expect(got.events.map(({ cursor: _c, at: _at, ...e }) => e)).toEqual([
      { event: 'data_updated', deviceId: 'dev-a', type: 'secret', id: 'x', version: 2 },
      { event: 'config_changed', deviceId: 'dev-a' },
    ]);
    expect(got.events[0]!.at).toBe(new Date(T0 + 10).toISOString());
    expect(got.cursor).toBe(got.events[1]!.cursor);
    // The feed's cursors are opaque (base64url), never the raw key.
    expect(got.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(got.cursor).not.toContain('SYNCEV');
    expect((await pollEvents(deps, b, { after: got.cursor, wait: 0 })).events).toEqual([]);
    // Device A sees B's event only.
    expect((await pollEvents(deps, a, { after: start.cursor, wait: 0 })).events.map((e) => e.deviceId)).toEqual(['dev-b']);
  });

  it('long-polls: re-queries after 250 ms, doubling to 1 s, until `wait`; the cursor moves past own events', async () => {
    const { a, b } = subjects();
    const { clock, deps } = fakeClock();
    const start = await pollEvents(deps, b, {});
    await emit(b, T0 + 1); // its own: passed, not shown
    clock.now += SETTLE_MS + 1;
    const t = clock.now;
    const none = await pollEvents(deps, b, { after: start.cursor, wait: 5 });
    expect(none.events).toEqual([]);
    expect(clock.now - t).toBe(5_000);
    expect(clock.sleeps).toEqual([250, 500, 1000, 1000, 1000, 1000, 250]);
    expect(none.cursor).not.toBe(start.cursor);
    // An event of another device during a poll answers it at the next query.
    clock.sleeps.length = 0;
    const woken = pollEvents({ ...deps, sleep: async (ms) => {
      clock.sleeps.push(ms);
      clock.now += ms;
      if (clock.sleeps.length === 2) await emit(a, clock.now - SETTLE_MS - 1);
    } }, b, { after: none.cursor, wait: MAX_WAIT_SECONDS });
    expect((await woken).events.map((e) => e.deviceId)).toEqual(['dev-a']);
    expect(clock.sleeps).toEqual([250, 500]);
  });

  it('shows an event once it has settled (a change stamped before a cursor may commit after it), waiting no longer than that', async () => {
    const { a, b } = subjects();
    const { clock, deps } = fakeClock();
    const start = await pollEvents(deps, b, {});
    await emit(a, T0 + 100);
    clock.now = T0 + 200;
    const got = await pollEvents(deps, b, { after: start.cursor, wait: 10 });
    expect(got.events.map((e) => e.deviceId)).toEqual(['dev-a']);
    expect(clock.now).toBeGreaterThanOrEqual(T0 + 100 + SETTLE_MS);
    expect(clock.now).toBeLessThanOrEqual(T0 + 100 + SETTLE_MS + 250);
  });

  it('never shows an expired event (TTL deletion lags): the item past its ttl is skipped', async () => {
    const { a, b } = subjects();
    const { clock, deps } = fakeClock(Date.now());
    const start = await pollEvents(deps, b, {});
    const ms = clock.now - 500;
    await dl.repo.create(a.tenant, SyncEventEntity, `${eventSkAfter(ms)}expired`, { event: 'data_updated', deviceId: 'dev-a', at: new Date(ms).toISOString(), detail: {} }, { ttl: Math.floor(Date.now() / 1000) - 1 });
    await emit(a, ms + 1);
    clock.now += SETTLE_MS;
    const got = await pollEvents(deps, b, { after: start.cursor, wait: 0 });
    expect(got.events).toHaveLength(1);
    expect(got.events[0]!.at).toBe(new Date(ms + 1).toISOString());
  });

  it('400 for a cursor it did not issue; 410 cursor-expired past the events kept', async () => {
    const { b } = subjects();
    const { deps } = fakeClock();
    for (const after of ['nope!', Buffer.from('SYNCSNAP#x').toString('base64url'), Buffer.from('SYNCEV#12#x').toString('base64url'), '']) {
      const err = await pollEvents(deps, b, { after, wait: 0 }).catch((e: DomainError) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).options.fields).toEqual([expect.objectContaining({ in: 'query', field: 'after', code: 'invalid-cursor' })]);
    }
    const old = Buffer.from(eventSkAfter(T0 - EVENT_TTL_SECONDS * 1000 - 1)).toString('base64url');
    expect(await outcome(pollEvents(deps, b, { after: old, wait: 0 }))).toMatchObject({ kind: 'gone', code: 'cursor-expired' });
    const recent = Buffer.from(eventSkAfter(T0 - EVENT_TTL_SECONDS * 1000 + 60_000)).toString('base64url');
    expect(await outcome(pollEvents(deps, b, { after: recent, wait: 0 }))).toEqual('ok');
  });
});
