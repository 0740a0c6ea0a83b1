/**
 * `watch` (clients/sync/watch.ts) against a scripted events feed: the cursor advances per event
 * and is kept in the profile, a 410 cursor-expired re-reads everything and restarts from now,
 * a 401 or device_revoked naming this device ends it as revoked, `--for 0` polls once without waiting.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinkedDevice } from '../../clients/sync/device';
import { Profile } from '../../clients/sync/state';
import { watch } from '../../clients/sync/watch';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': status < 300 ? 'application/json' : 'application/problem+json' } });
const problem = (status: number, slug: string) => json(status, { type: `https://x/problems/${slug}`, title: 't', status, detail: slug });
const event = (cursor: string, e: string, deviceId = 'other') => ({ cursor, event: e, at: '2026-11-29T00:00:00.000Z', deviceId });

function scriptedDevice(answers: Response[]) {
  const polls: URLSearchParams[] = [];
  const fetchImpl = (async (url: string) => {
    polls.push(new URL(url).searchParams);
    return answers.shift() ?? json(200, { events: [], cursor: 'idle' });
  }) as typeof fetch;
  const profile = new Profile(mkdtempSync(join(tmpdir(), 'sync-watch-')));
  profile.save({ baseUrl: 'http://x', deviceId: 'me', deviceName: 'me', token: 't', linkedAt: '', snapshots: {}, cursors: {}, history: {}, ownPushed: 0 });
  return { device: new LinkedDevice(profile, profile.linked(), fetchImpl), polls, profile };
}

describe('watch', () => {
  it('hands on each event, keeps the cursor after each, and stops after max events mid-page', async () => {
    const { device, polls, profile } = scriptedDevice([json(200, { events: [event('c1', 'data_updated'), event('c2', 'config_changed'), event('c3', 'key_rotated')], cursor: 'c3' })]);
    const seen: string[] = [];
    expect(await watch(device, { maxEvents: 2, onEvent: (e) => void seen.push(e.event) })).toEqual({ events: 2, end: 'max-events' });
    expect(seen).toEqual(['data_updated', 'config_changed']);
    expect(profile.linked().eventsCursor).toBe('c2'); // the third event is not lost: the next watch starts after c2
    expect(polls[0].get('after')).toBeNull();
    expect(polls[0].get('wait')).toBe('20');
  });

  it('410 cursor-expired: re-reads everything, then polls again from now', async () => {
    const { device, polls } = scriptedDevice([problem(410, 'cursor-expired'), json(200, { events: [event('n1', 'data_updated')], cursor: 'n1' })]);
    device.state.eventsCursor = 'ancient';
    let resyncs = 0;
    expect(await watch(device, { maxEvents: 1, resync: async () => void resyncs++, onEvent: () => undefined })).toEqual({ events: 1, end: 'max-events' });
    expect(resyncs).toBe(1);
    expect(polls.map((p) => p.get('after'))).toEqual(['ancient', null]);
  });

  it.each([
    ['a 401', [problem(401, 'unauthorized')], 0],
    ['device_revoked naming this device', [json(200, { events: [event('r', 'device_revoked', 'me')], cursor: 'r' })], 1],
  ])('ends as revoked on %s', async (_name, answers, events) => {
    const { device } = scriptedDevice(answers as Response[]);
    expect(await watch(device, { onEvent: () => undefined })).toEqual({ events, end: 'revoked' });
  });

  it('device_revoked naming another device goes on', async () => {
    const { device } = scriptedDevice([json(200, { events: [event('r', 'device_revoked', 'other')], cursor: 'r' }), json(200, { events: [event('s', 'data_updated')], cursor: 's' })]);
    expect(await watch(device, { maxEvents: 2, onEvent: () => undefined })).toEqual({ events: 2, end: 'max-events' });
  });

  it('--for 0 polls exactly once, without waiting, and keeps the cursor', async () => {
    const { device, polls, profile } = scriptedDevice([json(200, { events: [], cursor: 'now' })]);
    expect(await watch(device, { forSeconds: 0, onEvent: () => undefined })).toEqual({ events: 0, end: 'time' });
    expect(polls).toHaveLength(1);
    expect(polls[0].get('wait')).toBe('0');
    expect(profile.linked().eventsCursor).toBe('now');
  });
});
